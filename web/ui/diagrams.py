"""The state machines of disputes and protocol versions, drawn from their live definitions.

Nothing here restates a state or a rule: the drawing, the table and the Mermaid text are
all generated from `mediation.lifecycle` and `protocols.agreement` on every request. The
drawing and the table name states, triggers and conditions in words; the Mermaid text is
the definition itself, by the names the API uses.
"""

from dataclasses import dataclass
from typing import Callable

from flask import render_template

from mediation import lifecycle
from protocols import agreement
from web.ui import dispute_words
from web.ui import protocol_words
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
    state_words: Callable[[str], str]
    trigger_words: Callable[[str], str]
    condition_words: Callable[[str], str]

    def _state(self, name: str) -> str:
        """A state in words; the library's shorthands ("*" every state, "=" the same one) as they are."""
        return name if name in ("*", "=") else self.state_words(name)

    def worded(self) -> tuple[tuple[str, ...], tuple[dict, ...], str]:
        """The definition with every state, trigger and condition in words: (states,
        transitions, initial), as the drawing and the table show it."""
        transitions = []
        for definition in self.transitions:
            sources = definition["source"]
            transitions.append({
                "trigger": self.trigger_words(definition["trigger"]),
                "source": self._state(sources) if isinstance(sources, str) else [self._state(s) for s in sources],
                "dest": self._state(definition["dest"]),
                "conditions": [self.condition_words(c) for c in definition.get("conditions", ())],
            })
        return tuple(map(self._state, self.states)), tuple(transitions), self._state(self.initial)


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
        dispute_words.state,
        dispute_words.trigger_label,
        dispute_words.condition_label,
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
        protocol_words.version_status,
        protocol_words.trigger_label,
        protocol_words.condition_label,
    ),
)


@blueprint.get("/diagrams")
def diagrams():
    drawn = []
    for machine in MACHINES:
        states, transitions, initial = machine.worded()
        drawn.append({
            "machine": machine,
            "svg": draw(states, transitions, initial, title=machine.title, ident=machine.ident),
            "edges": edges(states, transitions),
            "mermaid": machine.mermaid(),
        })
    return render_template("diagrams/diagrams.html", drawn=drawn)
