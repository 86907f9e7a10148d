"""The words the dispute pages use for states, triggers and guard conditions, so that a
person reads a sentence where the API gives a name. The words of triggers, their
conditions and their fields are declared with the triggers themselves."""

from mediation.lifecycle import CONDITIONS
from mediation.lifecycle import DECLARED
from mediation.lifecycle import INPUTS
from mediation.lifecycle import STATE_WORDS

STATES = STATE_WORDS

SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
SEVERITY_BADGES = {"low": "", "medium": "", "high": "warn", "critical": "critical"}


def trigger_label(name: str) -> str:
    """The button of a trigger (mediation.triggers declares the words of each)."""
    return DECLARED[name].label if name in DECLARED else name


def trigger_explanation(name: str) -> str:
    return DECLARED[name].explanation


def condition_needs(name: str) -> str:
    """What an unmet condition still needs, as a sentence."""
    return CONDITIONS[name].needs if name in CONDITIONS else name


def input_label(name: str) -> str:
    return INPUTS[name].label


def input_kind(name: str) -> str:
    return INPUTS[name].kind


def state(name: str) -> str:
    return STATES.get(name, name.replace("_", " ").capitalize())
