"""The words the pages use for a dispute's codes (states, triggers, guard conditions,
severities, commitments, who may read a record, an audit's outcomes), so that a person
reads a sentence where the API gives a name. The words of triggers, their conditions and
their fields are declared with the triggers themselves (mediation.lifecycle)."""

from mediation.lifecycle import CONDITIONS
from mediation.lifecycle import DECLARED
from mediation.lifecycle import INPUTS
from mediation.lifecycle import STATE_WORDS

STATES = STATE_WORDS

SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
SEVERITY_BADGES = {"low": "", "medium": "", "high": "warn", "critical": "critical"}
COMMITMENT_STATUSES = {"open": "Open", "kept": "Kept", "broken": "Broken"}
VISIBILITIES = {"shared": "Both companies", "internal": "The supplier only (internal)"}
OUTCOMES = {"resolved": "Resolved", "withdrawn": "Withdrawn", "open": "Open"}


def trigger_label(name: str) -> str:
    """The button of a trigger (mediation.lifecycle declares the words of each)."""
    return DECLARED[name].label if name in DECLARED else name


def trigger_explanation(name: str) -> str:
    return DECLARED[name].explanation


def condition_needs(name: str) -> str:
    """What an unmet condition still needs, as a sentence."""
    return CONDITIONS[name].needs if name in CONDITIONS else name


def condition_label(name: str) -> str:
    """A condition in a few words, as a diagram names it."""
    return CONDITIONS[name].label if name in CONDITIONS else name


def input_label(name: str) -> str:
    return INPUTS[name].label


def input_kind(name: str) -> str:
    return INPUTS[name].kind


def state(name: str) -> str:
    return STATES.get(name, name.replace("_", " ").capitalize())


def severity(name: str) -> str:
    return SEVERITIES.get(name, name)


def commitment_status(name: str) -> str:
    return COMMITMENT_STATUSES.get(name, name)


def visibility(name: str) -> str:
    return VISIBILITIES.get(name, name)


def outcome(name: str) -> str:
    return OUTCOMES.get(name, name)
