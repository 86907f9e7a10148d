"""The dispute lifecycle, defined once as data and shared by every dispute.

Its states, and every trigger declared once: where it leads from where, the conditions it
needs, the request fields it takes, what it changes besides the state, and the words a
person reads for it. The machine, the transition use case, the API's request schema and
description, the pages and the diagrams all read this declaration, so a trigger is added
or changed here and nowhere else.

A stored dispute is bound to the shared machine only while one trigger is worked on
(`fire`) and released right after, so the machine never holds on to the disputes it
has seen. Conditions are named methods of the bound object; every unmet one is
reported by name, not just the first.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from types import MappingProxyType

from mediation import statemachine
from mediation.guard_facts import DisputeFacts
from mediation.guard_facts import DisputeFlow


@dataclass(frozen=True)
class Input:
    """A field of a transition request."""

    name: str
    label: str
    kind: str  # "text", or "option" (the id of one of the dispute's options)
    max_length: int | None = None


@dataclass(frozen=True)
class Condition:
    """A guard, named as the API reports it when unmet."""

    name: str
    label: str  # the condition in a few words, as a diagram names it
    needs: str  # what is still needed, as a sentence for a person
    input: str | None = None  # the request field that can meet it, if any


@dataclass(frozen=True)
class Trigger:
    name: str
    source: tuple[str, ...]
    dest: str
    conditions: tuple[str, ...]
    label: str
    explanation: str
    inputs: tuple[str, ...] = ()  # read from the request and recorded in the event
    sets: Mapping[str, str | None] = field(default_factory=dict)  # column -> the input it takes, None to clear
    clears_acceptances: bool = False  # a new round of options needs new acceptances

    def columns(self, request: dict) -> dict:
        """The dispute's columns this trigger writes besides its state, from `request`."""
        return {column: (request.get(name) or None) if name else None for column, name in self.sets.items()}

    def definition(self) -> dict:
        """The trigger as a `transitions` machine definition reads it."""
        return {
            "trigger": self.name,
            "source": list(self.source) if len(self.source) > 1 else self.source[0],
            "dest": self.dest,
            "conditions": list(self.conditions),
        }


INITIAL_STATE = "intake"
OPEN_STATES = ("intake", "story_gathering", "option_generation", "resolution")
CLOSED_STATES = ("resolved", "withdrawn")
STATES = OPEN_STATES + CLOSED_STATES
# Each state in words, for the pages and for what is sent to people.
STATE_WORDS = {
    "intake": "Intake",
    "story_gathering": "Story gathering",
    "option_generation": "Option generation",
    "resolution": "Resolution",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
}

# In which states each kind of record may be added to a dispute: the use cases refuse it
# elsewhere, and the pages offer its form only there.
PARTY_STATES = ("intake", "story_gathering")
STORY_STATES = ("intake", "story_gathering")
OPTION_STATES = ("option_generation",)
ACCEPTANCE_STATES = ("resolution",)
RETRACTION_STATES = OPEN_STATES  # an acceptance stands until the dispute is resolved
COMMITMENT_STATES = ("resolution", "resolved")

INPUTS = MappingProxyType({i.name: i for i in (
    Input("reason", "Reason", "text", max_length=5_000),
    Input("override_reason", "Why go ahead without an option that gives value to both companies?", "text",
          max_length=5_000),
    Input("option_id", "Option accepted by both companies", "option"),
    Input("summary", "Resolution summary", "text", max_length=10_000),
)})

CONDITIONS = MappingProxyType({c.name: c for c in (
    Condition("parties_from_both_companies", "a party from each company",
              "Name at least one party from each company."),
    Condition("mediator_assigned", "a mediator assigned", "Assign a mediator."),
    Condition("story_from_each_company", "a story from each company",
              "Someone from each company must have told their story (declining does not count)."),
    Condition("every_party_heard", "every party heard",
              "Every party must have told their story or be marked as declining to tell it."),
    Condition("at_least_two_options", "at least two options", "Put at least two options on the table."),
    Condition("mutual_value_option_or_override", "an option of value to both, or a reason",
              "An option must give value to both companies, or you must explain why you go ahead without one.",
              input="override_reason"),
    Condition("option_accepted_by_both_companies", "an option both companies accepted",
              "The chosen option must be accepted by someone from each company.", input="option_id"),
    Condition("resolution_summary", "a resolution summary", "Write a summary of the resolution.", input="summary"),
    Condition("reason_given", "a reason given", "Give a reason.", input="reason"),
)})

DECLARED = MappingProxyType({t.name: t for t in (
    Trigger(
        "gather_stories", ("intake",), "story_gathering",
        ("parties_from_both_companies", "mediator_assigned"),
        "Start gathering stories", "Hear each party's side of the story.",
    ),
    Trigger(
        "generate_options", ("story_gathering",), "option_generation",
        ("story_from_each_company", "every_party_heard"),
        "Start generating options",
        "The stories are heard: look for options that give both companies value.",
    ),
    Trigger(
        "start_resolution", ("option_generation",), "resolution",
        ("at_least_two_options", "mutual_value_option_or_override"),
        "Start resolution", "Put the options to both companies so that they can accept one.",
        inputs=("override_reason",), sets={"override_reason": "override_reason"},
    ),
    Trigger(
        "resolve", ("resolution",), "resolved",
        ("option_accepted_by_both_companies", "resolution_summary"),
        "Resolve the dispute", "Both companies accepted an option: record the resolution.",
        inputs=("option_id", "summary"),
        sets={"resolution_option_id": "option_id", "resolution_summary": "summary"},
    ),
    Trigger(
        "revisit", ("resolution",), "option_generation", ("reason_given",),
        "Revisit the options",
        "No option works for both companies: go back to generating options. Acceptances are cleared.",
        inputs=("reason",), clears_acceptances=True,
    ),
    Trigger(
        "reopen", ("resolved",), "story_gathering", ("reason_given",),
        "Reopen the dispute", "A commitment was broken or the problem came back: hear the stories again.",
        inputs=("reason",), sets={"resolution_option_id": None, "resolution_summary": None},
        clears_acceptances=True,
    ),
    Trigger(
        "withdraw", OPEN_STATES, "withdrawn", ("reason_given",),
        "Withdraw the dispute", "Close the dispute without a resolution.",
        inputs=("reason",),
    ),
)})

# Derived from the declaration, for the machine and for those who read names only.
TRANSITIONS = tuple(trigger.definition() for trigger in DECLARED.values())
TRIGGERS = tuple(DECLARED)
# Which fields of a transition request each trigger reads (and records in its event).
TRIGGER_INPUTS = {name: trigger.inputs for name, trigger in DECLARED.items()}
# The conditions a request's own fields can meet, and the field each reads: a form asks for
# these rather than reporting them as missing.
CONDITION_INPUTS = {name: condition.input for name, condition in CONDITIONS.items() if condition.input}

machine = statemachine.define(STATES, TRANSITIONS)


def available_triggers(state: str) -> list[str]:
    return statemachine.triggers_from(machine, state)


def conditions_of(trigger: str, state: str) -> list[str]:
    """The condition names of `trigger` from `state`; InvalidTrigger when there is none."""
    return statemachine.conditions_of(machine, trigger, state)


def unmet_conditions(dispute, trigger: str, request: dict) -> list[str]:
    """Every condition of `trigger` that `request` leaves unmet on `dispute`, by name, read
    without changing anything, so a page can say what an action still needs before anyone
    tries it. InvalidTrigger when `trigger` is not possible from the dispute's state."""
    flow = DisputeFlow(DisputeFacts(dispute), request)
    return [name for name in conditions_of(trigger, dispute.state) if not getattr(flow, name)()]


def fire(dispute, trigger: str, request: dict) -> str:
    """Work out the state `trigger` leads `dispute` to, or raise with every unmet condition.

    Nothing is written here; the caller stores the new state with its audit event.
    """
    return statemachine.fire(machine, DisputeFlow(DisputeFacts(dispute), request), dispute.state, trigger)


def mermaid() -> str:
    """The live definition drawn as a Mermaid state diagram."""
    return statemachine.mermaid(STATES, TRANSITIONS, INITIAL_STATE, "Dispute lifecycle")
