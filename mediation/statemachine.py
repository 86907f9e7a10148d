"""Working a stored object through a shared `transitions` machine.

A machine is defined once per kind of object. A persisted object is represented by a
small flow object (its conditions as named methods) that is bound to the machine only
for one trigger and released right after, so the machine keeps no reference to it.
"""

from transitions import Machine

from mediation.errors import GuardsUnmet
from mediation.errors import InvalidTrigger


def define(states, transitions) -> Machine:
    return Machine(
        model=None,
        states=list(states),
        transitions=[dict(t) for t in transitions],
        initial=None,
        auto_transitions=False,
    )


def triggers_from(machine: Machine, state: str) -> list[str]:
    return machine.get_triggers(state)


def conditions_of(machine: Machine, trigger: str, state: str) -> list[str]:
    """The condition names of `trigger` from `state`; InvalidTrigger when there is none."""
    candidates = machine.get_transitions(trigger=trigger, source=state)
    if not candidates:
        raise InvalidTrigger(trigger, state, triggers_from(machine, state))
    return [condition.func for condition in candidates[0].conditions]


class _Judged:
    """The machine's model for one trigger: each condition answered from a verdict reached
    once, so the machine's own check does not evaluate any guard a second time."""

    def __init__(self, verdicts: dict[str, bool]):
        self._verdicts = verdicts

    def __getattr__(self, name: str):
        if name in self.__dict__.get("_verdicts", {}):
            return lambda: self._verdicts[name]
        raise AttributeError(name)


def fire(machine: Machine, flow, state: str, trigger: str) -> str:
    """The state `trigger` leads to from `state`, or GuardsUnmet naming every unmet
    condition. Each condition of `flow` is evaluated exactly once."""
    verdicts = {name: bool(getattr(flow, name)()) for name in conditions_of(machine, trigger, state)}
    unmet = [name for name, met in verdicts.items() if not met]
    if unmet:
        raise GuardsUnmet(trigger, unmet)
    judged = _Judged(verdicts)
    machine.add_model(judged, initial=state)
    try:
        judged.trigger(trigger)
        return judged.state
    finally:
        machine.remove_model(judged)


def mermaid(states, transitions, initial: str, title: str) -> str:
    """A definition drawn as a Mermaid state diagram."""
    from transitions.extensions import GraphMachine

    drawing = GraphMachine(
        states=list(states),
        transitions=[dict(t) for t in transitions],
        initial=initial,
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title=title,
    )
    return drawing.get_graph().draw(None)
