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
