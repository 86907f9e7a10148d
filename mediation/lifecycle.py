"""The dispute lifecycle, defined once as data and shared by every dispute.

A stored dispute is bound to the shared machine only while one trigger is worked on
(`fire`) and released right after, so the machine never holds on to the disputes it
has seen. Conditions are named methods of the bound object; every unmet one is
reported by name, not just the first.
"""

from functools import cached_property

from mediation import guards
from mediation import statemachine
from mediation.db import execute

INITIAL_STATE = "intake"
OPEN_STATES = ("intake", "story_gathering", "option_generation", "resolution")
CLOSED_STATES = ("resolved", "withdrawn")
STATES = OPEN_STATES + CLOSED_STATES

TRANSITIONS = (
    {
        "trigger": "gather_stories",
        "source": "intake",
        "dest": "story_gathering",
        "conditions": ["parties_from_both_companies", "mediator_assigned"],
    },
    {
        "trigger": "generate_options",
        "source": "story_gathering",
        "dest": "option_generation",
        "conditions": ["story_from_each_company", "every_party_heard"],
    },
    {
        "trigger": "start_resolution",
        "source": "option_generation",
        "dest": "resolution",
        "conditions": ["at_least_two_options", "mutual_value_option_or_override"],
    },
    {
        "trigger": "resolve",
        "source": "resolution",
        "dest": "resolved",
        "conditions": ["option_accepted_by_both_companies", "resolution_summary"],
    },
    {
        "trigger": "revisit",
        "source": "resolution",
        "dest": "option_generation",
        "conditions": ["reason_given"],
    },
    {
        "trigger": "reopen",
        "source": "resolved",
        "dest": "story_gathering",
        "conditions": ["reason_given"],
    },
    {
        "trigger": "withdraw",
        "source": list(OPEN_STATES),
        "dest": "withdrawn",
        "conditions": ["reason_given"],
    },
)
TRIGGERS = tuple(t["trigger"] for t in TRANSITIONS)

# Which fields of a transition request each trigger reads (and records in its event).
TRIGGER_INPUTS = {
    "gather_stories": (),
    "generate_options": (),
    "start_resolution": ("override_reason",),
    "resolve": ("option_id", "summary"),
    "revisit": ("reason",),
    "reopen": ("reason",),
    "withdraw": ("reason",),
}

# The conditions a request's own fields can meet, and the field each reads: a form asks for
# these rather than reporting them as missing.
CONDITION_INPUTS = {
    "mutual_value_option_or_override": "override_reason",
    "option_accepted_by_both_companies": "option_id",
    "resolution_summary": "summary",
    "reason_given": "reason",
}

machine = statemachine.define(STATES, TRANSITIONS)


class DisputeFacts:
    """What the conditions need to know about one stored dispute, each loaded on first use.

    The queries are hand-written (see mediation.db.portable): they run on every transition.
    """

    def __init__(self, dispute):
        self.dispute = dispute
        self._acceptances: dict[int, dict[int, list[str]]] = {}

    def _rows(self, sql: str, *params) -> list[tuple]:
        return execute(sql, (self.dispute.id, *params)).fetchall()

    @cached_property
    def parties(self) -> list[tuple[int, str]]:
        """(person id, organization kind) of every party."""
        return self._rows(
            "SELECT p.person_id, o.kind FROM party p JOIN person pe ON pe.id = p.person_id "
            "JOIN organization o ON o.id = pe.organization_id WHERE p.dispute_id = ?"
        )

    @cached_property
    def stories(self) -> list[tuple[int, bool, str]]:
        """(party id, declined, organization kind) of every story."""
        rows = self._rows(
            "SELECT s.party_id, s.declined, o.kind FROM story s JOIN person pe ON pe.id = s.party_id "
            "JOIN organization o ON o.id = pe.organization_id WHERE s.dispute_id = ?"
        )
        return [(party, bool(declined), kind) for party, declined, kind in rows]

    @cached_property
    def option_values(self) -> list[tuple[int, int]]:
        return self._rows("SELECT value_to_supplier, value_to_customer FROM option WHERE dispute_id = ?")

    def acceptance_kinds(self, option_id: int) -> dict[int, list[str]]:
        if option_id not in self._acceptances:
            rows = self._rows(
                "SELECT o.kind FROM acceptance a JOIN organization o ON o.id = a.organization_id "
                "WHERE a.dispute_id = ? AND a.option_id = ?",
                option_id,
            )
            self._acceptances[option_id] = {option_id: [kind for (kind,) in rows]}
        return self._acceptances[option_id]

    def option_count(self) -> int:
        return len(self.option_values)


class DisputeFlow:
    """One dispute and one transition request, as the machine's model."""

    def __init__(self, facts: DisputeFacts, request: dict):
        self.facts = facts
        self.request = request

    def parties_from_both_companies(self) -> bool:
        return guards.parties_from_both_companies(kind for _, kind in self.facts.parties)

    def mediator_assigned(self) -> bool:
        return guards.mediator_assigned(self.facts.dispute.mediator_id)

    def story_from_each_company(self) -> bool:
        told = (kind for _, declined, kind in self.facts.stories if not declined)
        return guards.story_from_each_company(told)

    def every_party_heard(self) -> bool:
        heard = (party_id for party_id, _, _ in self.facts.stories)
        return guards.every_party_heard((pid for pid, _ in self.facts.parties), heard)

    def at_least_two_options(self) -> bool:
        return guards.at_least_two_options(self.facts.option_count())

    def mutual_value_option_or_override(self) -> bool:
        return guards.mutual_value_option_or_override(
            self.facts.option_values, self.request.get("override_reason")
        )

    def option_accepted_by_both_companies(self) -> bool:
        option_id = self.request.get("option_id")
        if option_id is None:
            return False
        return guards.option_accepted_by_both_companies(
            option_id, self.facts.acceptance_kinds(option_id)
        )

    def resolution_summary(self) -> bool:
        return guards.has_text(self.request.get("summary"))

    def reason_given(self) -> bool:
        return guards.has_text(self.request.get("reason"))


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
