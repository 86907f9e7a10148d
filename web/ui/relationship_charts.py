"""The relationship page's charts: grouped horizontal bars drawn as inline SVG, a pure
function of the figures (the same figures draw the same chart).

As the compliance chart (web.ui.charts): no script and no style attribute, colours as
presentation attributes, and the second series told apart by a pattern, not by colour
alone. Each chart has role="img" with its <title> and <desc>; the page puts a table of the
same figures behind it for people who do not see it. Bars run across, with their labels
above them, so that a chart shrinks to a phone's width without scrolling sideways.
"""

from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

WIDTH = 480
LABEL = 18  # a group's label line
BAR = 14
GAP = 10
VALUE_ROOM = 44  # right of the longest bar, for its figure
INK = "#1d2430"
MUTED = "#4a5565"
LINE = "#d5dae1"


@dataclass(frozen=True)
class Series:
    name: str
    fill: str
    stroke: str
    hatched: bool = False


SIDES = (Series("supplier", "#1f5fa8", "#1f5fa8"), Series("customer", "#f3d9b1", "#8a4b00", hatched=True))
KEPT_MISSED = (Series("kept", "#1d6b3a", "#1d6b3a"), Series("missed", "#f5c6cb", "#a3202b", hatched=True))


def _pattern(ident: str, series: Series) -> str:
    return (f'<pattern id="{ident}-{series.name}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{series.fill}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{series.stroke}" stroke-width="2"/></pattern>')


def bar_chart(ident: str, title: str, desc: str, groups: list[tuple[str, list[int]]],
              series: tuple[Series, ...], legend: tuple[str, ...]) -> Markup:
    """Each group's label with one bar a series beneath it; negative values run left of a
    zero line. `legend` names the series in words, in order."""
    values = [value for _, row in groups for value in row]
    low, high = min([0, *values]), max([0, *values, 1])
    scale = (WIDTH - VALUE_ROOM - 8) / (high - low)
    zero = 4 + (-low) * scale
    legend_height = 22
    height = legend_height + sum(LABEL + BAR * len(series) + GAP for _ in groups) + 4
    parts = [f'<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif" font-size="12">',
             f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>',
             "<defs>" + "".join(_pattern(ident, s) for s in series if s.hatched) + "</defs>"]
    x = 4
    for item, words in zip(series, legend):
        fill = f"url(#{ident}-{item.name})" if item.hatched else item.fill
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{fill}" stroke="{item.stroke}"/>'
                     f'<text x="{x + 16}" y="14" fill="{INK}">{escape(words)}</text>')
        x += 24 + 7 * len(words)
    y = legend_height
    for label, row in groups:
        parts.append(f'<text x="4" y="{y + 13}" fill="{INK}">{escape(label)}</text>')
        y += LABEL
        for item, words, value in zip(series, legend, row):
            left = min(zero, zero + value * scale)
            width = max(abs(value) * scale, 1)
            fill = f"url(#{ident}-{item.name})" if item.hatched else item.fill
            parts.append(f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{BAR - 2}" fill="{fill}" '
                         f'stroke="{item.stroke}"><title>{escape(label)}, {escape(words)}: {value}</title></rect>'
                         f'<text x="{left + width + 4:.1f}" y="{y + BAR - 3}" fill="{MUTED}">{value}</text>')
            y += BAR
        y += GAP
    parts.append(f'<line x1="{zero:.1f}" y1="{legend_height}" x2="{zero:.1f}" y2="{height - 4}" stroke="{LINE}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


HEAT_LABEL = 150  # the people's names, left of their rows
CELL = 10
ROW = 18
HEAT_TOP = 40  # the legend, then the week labels
EMPTY = "#f1f3f6"
WITHIN = ("#cfe0f3", "#8fb6e3", "#4f86c6", "#1f5fa8")  # up to a quarter, half, three quarters, all the ceiling
OVER = Series("over", "#f5c6cb", "#a3202b", hatched=True)


def _heat_fill(ident: str, contacts: int, over: bool, ceiling: int) -> str:
    if over:
        return f"url(#{ident}-over)"
    if not contacts:
        return EMPTY
    return WITHIN[min(len(WITHIN) - 1, (contacts * len(WITHIN) - 1) // ceiling)]


def heat_map(ident: str, title: str, desc: str, rows: list[tuple[str, list]], ceiling: int) -> Markup:
    """One row a person, one cell a week (`rows`: the person's label and their weeks, each
    with week, contacts and over_ceiling): the darker the more contacts, up to the ceiling;
    a week over it hatched red and outlined, so it is told apart by more than colour. A week
    label above every fourth column."""
    labels = [week.week for week in rows[0][1]] if rows else []
    width = HEAT_LABEL + CELL * max(len(labels), 1) + 36  # room for the last week's label
    height = HEAT_TOP + ROW * len(rows) + 4
    parts = [f'<svg class="heat" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif" font-size="11">',
             f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>',
             f"<defs>{_pattern(ident, OVER)}</defs>"]
    x = 4
    for fill, stroke, words in ((EMPTY, LINE, "none"), (WITHIN[0], WITHIN[1], "a few"),
                                (WITHIN[-1], WITHIN[-1], f"up to {ceiling}"),
                                (f"url(#{ident}-over)", OVER.stroke, f"over {ceiling}")):
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{fill}" stroke="{stroke}"/>'
                     f'<text x="{x + 14}" y="13" fill="{INK}">{escape(words)}</text>')
        x += 24 + 6 * len(words)
    for column, label in enumerate(labels):
        if column % 4 == 0:
            parts.append(f'<text x="{HEAT_LABEL + column * CELL}" y="{HEAT_TOP - 6}" fill="{MUTED}">'
                         f'{escape(label.split("-")[1])}</text>')
    y = HEAT_TOP
    for name, weeks in rows:
        parts.append(f'<text x="4" y="{y + 12}" fill="{INK}">{escape(name)}</text>')
        for column, week in enumerate(weeks):
            state = ", over the ceiling" if week.over_ceiling else ""
            stroke = f' stroke="{OVER.stroke}" stroke-width="1.5"' if week.over_ceiling else ""
            parts.append(f'<rect x="{HEAT_LABEL + column * CELL}" y="{y + 2}" width="{CELL - 1}" height="{ROW - 4}" '
                         f'fill="{_heat_fill(ident, week.contacts, week.over_ceiling, ceiling)}"{stroke}>'
                         f'<title>{escape(name)}, {week.week}: {week.contacts} contact'
                         f'{"" if week.contacts == 1 else "s"}{state}</title></rect>')
        y += ROW
    parts.append("</svg>")
    return Markup("".join(parts))
