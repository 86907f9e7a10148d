"""The state machines of disputes and protocol versions, drawn from their live definitions.

Nothing here restates a state or a rule: the drawing, the table and the Mermaid text are
all generated from `mediation.lifecycle` and `protocols.agreement` on every request.
"""

from dataclasses import dataclass
from typing import Callable

from flask import render_template

from mediation import lifecycle
from protocols import agreement
from web.ui.machine_drawing import draw
from web.ui.machine_drawing import edges
from web.ui.session import page_blueprint

blueprint = page_blueprint("diagrams_ui", __name__)


@dataclass(frozen=True)
class Machine:
    ident: str
    title: str
    purpose: str
    states: tuple[str, ...]
    transitions: tuple[dict, ...]
    initial: str
    mermaid: Callable[[], str]


MACHINES = (
    Machine(
        "dispute",
        "Dispute lifecycle",
        "How a dispute moves from intake to a resolution both companies accept. A transition "
        "happens only when all of its conditions hold; the dispute page names any that are missing.",
        lifecycle.STATES,
        lifecycle.TRANSITIONS,
        lifecycle.INITIAL_STATE,
        lifecycle.mermaid,
    ),
    Machine(
        "protocol",
        "Protocol version agreement",
        "How a version of a communication protocol becomes the one in force. It is agreed when a "
        "point person of each company has acknowledged it; an agreed version stays in force until "
        "its successor is agreed.",
        agreement.VERSION_STATES,
        agreement.TRANSITIONS,
        agreement.VERSION_STATES[0],
        agreement.mermaid,
    ),
)


@blueprint.get("/diagrams")
def diagrams():
    drawn = [
        {
            "machine": machine,
            "svg": draw(machine.states, machine.transitions, machine.initial, title=machine.title, ident=machine.ident),
            "edges": edges(machine.states, machine.transitions),
            "mermaid": machine.mermaid(),
        }
        for machine in MACHINES
    ]
    return render_template("diagrams/diagrams.html", drawn=drawn)
