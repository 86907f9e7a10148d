"""The agreement lifecycle of a protocol version, defined once and shared by every version.

`propose` and `retire` are asked for by people; `agree` happens when the second
company acknowledges, and `supersede` when a successor is agreed.
"""

from mediation import statemachine

VERSION_STATES = ("draft", "proposed", "agreed", "superseded", "retired")
PENDING = ("draft", "proposed")
REQUESTABLE_TRIGGERS = ("propose", "retire")

TRANSITIONS = (
    {"trigger": "propose", "source": "draft", "dest": "proposed"},
    {
        "trigger": "agree",
        "source": "proposed",
        "dest": "agreed",
        "conditions": ["acknowledged_by_both_companies"],
    },
    {"trigger": "supersede", "source": "agreed", "dest": "superseded"},
    {"trigger": "retire", "source": ["draft", "proposed", "agreed"], "dest": "retired"},
)

machine = statemachine.define(VERSION_STATES, TRANSITIONS)


class VersionFlow:
    """One protocol version as the machine's model."""

    def __init__(self, acknowledging_companies):
        self.acknowledging_companies = set(acknowledging_companies)

    def acknowledged_by_both_companies(self) -> bool:
        return {"supplier", "customer"} <= self.acknowledging_companies


def fire(status: str, trigger: str, acknowledging_companies=()) -> str:
    return statemachine.fire(machine, VersionFlow(acknowledging_companies), status, trigger)


def available_triggers(status: str) -> list[str]:
    return statemachine.triggers_from(machine, status)


def mermaid() -> str:
    return statemachine.mermaid(VERSION_STATES, TRANSITIONS, "draft", "Protocol version agreement")
