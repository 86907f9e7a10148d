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


def fire(machine: Machine, flow, state: str, trigger: str) -> str:
    """The state `trigger` leads to from `state`, or GuardsUnmet naming every unmet condition."""
    names = conditions_of(machine, trigger, state)
    machine.add_model(flow, initial=state)
    try:
        unmet = [name for name in names if not getattr(flow, name)()]
        if unmet:
            raise GuardsUnmet(trigger, unmet)
        flow.trigger(trigger)
        return flow.state
    finally:
        machine.remove_model(flow)


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
