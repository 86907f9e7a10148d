"""State machines drawn as SVG from their live definitions: no JavaScript, no external tool.

States stand in a column, in the order they are defined. A transition to the next state
down is a straight arrow with its label beside it. Every other transition runs in a lane
beside the column as a curved connector: forwards (skipping states, or from several
states at once, like `withdraw`) on the left, backwards on the right. Labels sit in the
gaps between states, where no connector runs, so nothing overlaps.
"""

from dataclasses import dataclass
from dataclasses import field

from markupsafe import Markup
from markupsafe import escape

FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
LABEL_SIZE = 12
STATE_SIZE = 14
CHAR = 0.62  # width of a monospace character, in ems
LINE = 15
BOX_HEIGHT = 44
BOX_PADDING = 18
MIN_BOX_WIDTH = 150
MIN_GAP = 52
LANE_GAP = 26
MARGIN = 16
CORNER = 10
INK = "#1d2430"
MUTED = "#4a5565"
ACCENT = "#1f5fa8"
PAPER = "#ffffff"
WASH = "#f4f6f9"


@dataclass(frozen=True)
class Edge:
    """One transition of a definition: a trigger from one or more states to one state."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    conditions: tuple[str, ...]

    def label(self) -> list[str]:
        return [self.trigger] + [("if " if i == 0 else "and ") + c for i, c in enumerate(self.conditions)]


def _names(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [item if isinstance(item, str) else getattr(item, "__name__", str(item)) for item in items]


def edges(states, transitions) -> list[Edge]:
    """The transitions of a `transitions`-style definition as plain edges, in order.

    A source of "*" stands for every state, a destination of "=" for the source itself.
    """
    found = []
    for definition in transitions:
        sources = definition["source"]
        sources = list(states) if sources == "*" else _names(sources)
        conditions = _names(definition.get("conditions")) + [f"not {name}" for name in _names(definition.get("unless"))]
        dest = definition["dest"]
        if dest == "=":
            found.extend(Edge(definition["trigger"], (s,), s, tuple(conditions)) for s in sources)
        else:
            found.append(Edge(definition["trigger"], tuple(sources), dest, tuple(conditions)))
    return found


def _text_width(text: str, size: int) -> float:
    return len(text) * size * CHAR


def _label_width(lines: list[str]) -> float:
    return max((_text_width(line, LABEL_SIZE) for line in lines), default=0)


@dataclass
class _Lane:
    """Transitions drawn beside the column: one trigger towards one state, from one side."""

    edge: Edge
    sources: tuple[int, ...]
    dest: int
    side: int  # -1 left, +1 right
    lane: int = 0
    x: float = 0.0

    @property
    def span(self) -> tuple[int, int]:
        rows = self.sources + (self.dest,)
        return min(rows), max(rows)


@dataclass
class _Layout:
    states: list[str]
    box_width: float
    gap: float
    forward: dict[int, list[Edge]] = field(default_factory=dict)
    lanes: list[_Lane] = field(default_factory=list)

    def top(self, row: int) -> float:
        return self.first_top + row * (BOX_HEIGHT + self.gap)

    @property
    def first_top(self) -> float:
        return MARGIN + 36

    def gap_middle(self, row: int) -> float:
        """The middle of the gap below `row`."""
        return self.top(row) + BOX_HEIGHT + self.gap / 2

    @property
    def height(self) -> float:
        return self.top(len(self.states) - 1) + BOX_HEIGHT + MARGIN


def _plan(states, transitions) -> _Layout:
    states = list(states)
    index = {state: row for row, state in enumerate(states)}
    layout = _Layout(
        states=states,
        box_width=max([MIN_BOX_WIDTH] + [_text_width(s, STATE_SIZE) + 2 * BOX_PADDING for s in states]),
        gap=MIN_GAP,
    )
    for edge in edges(states, transitions):
        dest = index[edge.dest]
        rows = tuple(index[s] for s in edge.sources)
        if len(rows) == 1 and rows[0] + 1 == dest:
            layout.forward.setdefault(rows[0], []).append(edge)
            continue
        for side in (-1, 1):
            part = tuple(r for r in rows if (r < dest) == (side == -1))
            if part:
                layout.lanes.append(_Lane(edge, part, dest, side))
    labels = [sum((e.label() for e in group), []) for group in layout.forward.values()]
    labels += [lane.edge.label() for lane in layout.lanes]
    layout.gap = max([MIN_GAP] + [len(lines) * LINE + 22 for lines in labels])
    return layout


def _assign_lanes(layout: _Layout) -> None:
    """Nest the connectors on each side: shorter spans run closer to the column."""
    for side in (-1, 1):
        taken: list[list[tuple[int, int]]] = []
        lanes = sorted((l for l in layout.lanes if l.side == side), key=lambda l: (l.span[1] - l.span[0], l.span))
        for lane in lanes:
            low, high = lane.span
            for number, spans in enumerate(taken):
                if all(high < a or b < low for a, b in spans):
                    spans.append(lane.span)
                    lane.lane = number
                    break
            else:
                taken.append([lane.span])
                lane.lane = len(taken) - 1
        edge_x = layout.box_width / 2
        start = edge_x
        if side == 1 and layout.forward:
            start = max(edge_x, 10 + max(_label_width(sum((e.label() for e in g), [])) for g in layout.forward.values()))
        x = start + LANE_GAP
        for number in range(len(taken)):
            members = [l for l in lanes if l.lane == number]
            for lane in members:
                lane.x = side * x
            x += max(_label_width(l.edge.label()) for l in members) + 16 + LANE_GAP


def _ports(layout: _Layout) -> dict[tuple[int, int], list[tuple[int, str]]]:
    """Where connectors meet each box side: (row, side) -> [(lane number, role)], spread out."""
    ports: dict[tuple[int, int], list] = {}
    for number, lane in enumerate(layout.lanes):
        for row in lane.sources:
            ports.setdefault((row, lane.side), []).append((number, f"from{row}"))
        ports.setdefault((lane.dest, lane.side), []).append((number, "to"))
    return ports


def _port_y(layout: _Layout, ports, row: int, side: int, number: int, role: str) -> float:
    slots = ports[(row, side)]
    # A shared destination (several sources of one trigger) gets one port.
    distinct = list(dict.fromkeys(slots))
    position = distinct.index((number, role)) + 1
    return layout.top(row) + BOX_HEIGHT * position / (len(distinct) + 1)


def _connector(x_box: float, y_from: float, x_lane: float, y_to: float) -> str:
    """Out of a box side to the lane, along it, back into a box side, with rounded corners."""
    dx = 1 if x_lane > x_box else -1
    dy = 1 if y_to > y_from else -1
    r = min(CORNER, abs(y_to - y_from) / 2, abs(x_lane - x_box) / 2)
    return (
        f"M {x_box:.1f} {y_from:.1f} H {x_lane - dx * r:.1f} "
        f"Q {x_lane:.1f} {y_from:.1f} {x_lane:.1f} {y_from + dy * r:.1f} "
        f"V {y_to - dy * r:.1f} Q {x_lane:.1f} {y_to:.1f} {x_lane - dx * r:.1f} {y_to:.1f} "
        f"H {x_box:.1f}"
    )


def _label(lines: list[str], x: float, middle: float, anchor: str) -> str:
    top = middle - (len(lines) * LINE) / 2 + LINE * 0.8
    spans = []
    for number, line in enumerate(lines):
        weight = ' font-weight="700"' if number == 0 else ""
        spans.append(f'<tspan x="{x:.1f}" y="{top + number * LINE:.1f}"{weight}>{escape(line)}</tspan>')
    return (
        f'<text font-family="{FONT}" font-size="{LABEL_SIZE}" fill="{INK}" text-anchor="{anchor}">'
        + "".join(spans) + "</text>"
    )


def _lane_label_row(lane: _Lane, last_row: int) -> int:
    """The gap (below this row) where a connector's label goes: the middle of its span."""
    low, high = lane.span
    if low == high:
        return low if low < last_row else low - 1
    return (low + high - 1) // 2


def description(states, transitions, initial: str) -> str:
    """The diagram in words, for people who cannot see it."""
    parts = [f"States, in order: {', '.join(states)}. It starts in {initial}."]
    for edge in edges(states, transitions):
        conditions = f" when {' and '.join(edge.conditions)}" if edge.conditions else ""
        parts.append(f"{edge.trigger}: from {' or '.join(edge.sources)} to {edge.dest}{conditions}.")
    return " ".join(parts)


def draw(states, transitions, initial: str, *, title: str, ident: str) -> Markup:
    """The SVG of one state machine; `ident` keeps its ids apart from others on the page."""
    layout = _plan(states, transitions)
    _assign_lanes(layout)
    ports = _ports(layout)
    half = layout.box_width / 2
    last = len(layout.states) - 1
    finals = set(layout.states) - {s for e in edges(states, transitions) for s in e.sources}
    marker = f"{ident}-arrow"
    parts = [
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
    ]
    start_x = -half / 2
    start_top = layout.top(layout.states.index(initial))
    parts.append(
        f'<g><title>start: {escape(initial)}</title><circle cx="{start_x:.1f}" cy="{start_top - 26:.1f}" r="6" fill="{INK}"/>'
        f'<line x1="{start_x:.1f}" y1="{start_top - 20:.1f}" x2="{start_x:.1f}" y2="{start_top:.1f}" '
        f'stroke="{INK}" stroke-width="1.5" marker-end="url(#{marker})"/></g>'
    )
    for row, state in enumerate(layout.states):
        top = layout.top(row)
        fill = WASH if state == initial else PAPER
        box = (
            f'<rect x="{-half:.1f}" y="{top:.1f}" width="{layout.box_width:.1f}" height="{BOX_HEIGHT}" '
            f'rx="10" fill="{fill}" stroke="{INK}" stroke-width="1.5"/>'
        )
        if state in finals:
            box += (
                f'<rect x="{-half + 4:.1f}" y="{top + 4:.1f}" width="{layout.box_width - 8:.1f}" '
                f'height="{BOX_HEIGHT - 8}" rx="7" fill="none" stroke="{INK}"/>'
            )
        parts.append(
            f'<g class="state">{box}<text x="0" y="{top + BOX_HEIGHT / 2 + 5:.1f}" text-anchor="middle" '
            f'font-family="{FONT}" font-size="{STATE_SIZE}" fill="{INK}">{escape(state)}</text></g>'
        )
    for row, group in sorted(layout.forward.items()):
        lines = sum((edge.label() for edge in group), [])
        parts.append(
            f'<g class="transition"><title>{escape(", ".join(e.trigger for e in group))}</title>'
            f'<line x1="0" y1="{layout.top(row) + BOX_HEIGHT:.1f}" x2="0" y2="{layout.top(row + 1):.1f}" '
            f'stroke="{INK}" stroke-width="1.5" marker-end="url(#{marker})"/>'
            + _label(lines, 10, layout.gap_middle(row), "start") + "</g>"
        )
    for number, lane in enumerate(layout.lanes):
        x_box = lane.side * half
        colour = ACCENT if lane.side == 1 else MUTED
        dashes = ' stroke-dasharray="6 4"' if lane.side == 1 else ""
        to_y = _port_y(layout, ports, lane.dest, lane.side, number, "to")
        paths = []
        for row in lane.sources:
            from_y = _port_y(layout, ports, row, lane.side, number, f"from{row}")
            paths.append(
                f'<path d="{_connector(x_box, from_y, lane.x, to_y)}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5"{dashes} marker-end="url(#{marker})"/>'
            )
        label_x = lane.x + 8 * lane.side
        middle = layout.gap_middle(_lane_label_row(lane, last))
        parts.append(
            f'<g class="transition"><title>{escape(lane.edge.trigger)}</title>' + "".join(paths)
            + _label(lane.edge.label(), label_x, middle, "start" if lane.side == 1 else "end") + "</g>"
        )
    left = min([-half] + [l.x - _label_width(l.edge.label()) - 8 for l in layout.lanes if l.side == -1]) - MARGIN
    right = max(
        [half]
        + [10 + _label_width(sum((e.label() for e in g), [])) for g in layout.forward.values()]
        + [l.x + _label_width(l.edge.label()) + 8 for l in layout.lanes if l.side == 1]
    ) + MARGIN
    width, height = right - left, layout.height
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="machine" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="{left:.1f} 0 {width:.1f} {height:.1f}" '
        f'width="{width:.0f}" height="{height:.0f}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description(states, transitions, initial))}</desc>'
        + "".join(parts) + "</svg>"
    )
