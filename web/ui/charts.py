"""The compliance chart: the windows in which contact was expected, along a time axis,
against the touchpoints that happened, drawn as inline SVG from a compliance result
(protocols.compliance.Compliance). A pure function: the same result draws the same chart.

No script and no style attribute (the pages' Content-Security-Policy forbids both):
colours are SVG presentation attributes. A missed or over-communicated window differs
from a met one by its pattern and by a letter under it, not by colour alone; every shape
has a <title> (its tooltip), and the chart's own <title> and <desc> say in words what it
shows, for people who do not see it.

Times are read in the protocol's time zone, and every moment names the zone as it was
then: a range across a change of summer time (a December chart over the last 90 days
starts in September) says so on its axis, rather than naming the whole range after its
first moment.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from markupsafe import escape

from protocols.compliance import Compliance
from web.ui.dates import moment_text
from web.ui.dates import zone_name

WIDTH = 760
LEFT = 150
RIGHT = 24
PLOT = WIDTH - LEFT - RIGHT
TOP = 24
LANE = 28
LETTER_GAP = 10
DENSE = PLOT // 4  # more windows than this: consecutive ones alike are drawn as one run
BUCKET = 4  # touchpoints closer than this many units share one dot

INK = "#1d2430"
MUTED = "#4a5565"
LINE = "#d5dae1"
ACCENT = "#1f5fa8"
STATUSES = {
    # status: (fill, stroke, dash, legend, letter)
    "met": ("#e3f3e8", "#1d6b3a", None, "met", None),
    "missed": ("url(#{ident}-missed)", "#a3202b", None, "missed", "M"),
    "over": ("url(#{ident}-over)", "#8a4b00", None, "over-communicated", "O"),
    "open": ("#ffffff", MUTED, "4 3", "open (not ended yet)", None),
}
LANES = (("periodic", "Expected contact"), ("response", "Incident response"))
TICK_STEPS = (
    timedelta(hours=1), timedelta(hours=3), timedelta(hours=6), timedelta(hours=12),
    timedelta(days=1), timedelta(days=2), timedelta(weeks=1), timedelta(weeks=2),
)
MONTH_STEPS = (1, 3, 6, 12)
MAX_TICKS = 8


@dataclass(frozen=True)
class _Run:
    """One window, or consecutive windows of one status drawn as one shape."""

    start: datetime
    end: datetime
    status: str
    windows: int
    touchpoints: int
    versions: tuple[int, ...]


class _Scale:
    def __init__(self, start: datetime, end: datetime):
        self.start = start
        self.span = max((end - start).total_seconds(), 1.0)

    def x(self, moment: datetime) -> float:
        fraction = (moment - self.start).total_seconds() / self.span
        return round(LEFT + PLOT * min(max(fraction, 0.0), 1.0), 1)


def _attrs(**values) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"'
                    for name, value in values.items() if value is not None)


def _span(start: datetime, end: datetime, zone: tzinfo) -> str:
    return f"{moment_text(start, zone)} to {moment_text(end, zone)}"


def _zone_names(moments, zone: tzinfo) -> list[str]:
    """The zone's names at `moments`, each once, in the order they come: ["CEST", "CET"]
    across the end of summer time."""
    return list(dict.fromkeys(zone_name(moment.astimezone(zone)) for moment in moments))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _runs(windows) -> list[_Run]:
    """Each window as a run; when there are too many to see apart, consecutive windows of
    the same status are merged."""
    runs: list[_Run] = []
    merge = len(windows) > DENSE
    for window in windows:
        last = runs[-1] if runs else None
        if merge and last and last.status == window.status and window.start <= last.end:
            runs[-1] = _Run(last.start, max(last.end, window.end), last.status, last.windows + 1,
                            last.touchpoints + window.count, tuple(sorted({*last.versions, window.version})))
        else:
            runs.append(_Run(window.start, window.end, window.status, 1, window.count, (window.version,)))
    return runs


def _run_title(run: _Run, zone: tzinfo) -> str:
    legend = STATUSES[run.status][3]
    versions = ", ".join(map(str, run.versions))
    if run.windows == 1:
        return (f"Window {_span(run.start, run.end, zone)}, version {versions}: {legend}, "
                f"{_plural(run.touchpoints, 'touchpoint')}")
    return (f"{run.windows} windows {legend}, {_span(run.start, run.end, zone)}, "
            f"version {versions}: {_plural(run.touchpoints, 'touchpoint')}")


def _lane(runs: list[_Run], label: str, y: int, scale: _Scale, zone: tzinfo, ident: str) -> list[str]:
    heading = _attrs(x=LEFT - 10, y=y + LANE / 2 + 4, text_anchor="end", fill=INK, font_size=12)
    parts = [f"<text {heading}>{escape(label)}</text>"]
    last_letter = None
    for run in runs:
        fill, stroke, dash, _, letter = STATUSES[run.status]
        x = scale.x(run.start)
        width = max(scale.x(run.end) - x, 1.0)
        shape = _attrs(class_=f"window {run.status}", x=x, y=y, width=round(width, 1), height=LANE,
                       fill=fill.format(ident=ident), stroke=stroke, stroke_width=1, stroke_dasharray=dash)
        parts.append(f"<rect {shape}><title>{escape(_run_title(run, zone))}</title></rect>")
        centre = round(x + width / 2, 1)
        if letter and (last_letter is None or centre - last_letter >= LETTER_GAP):
            last_letter = centre
            mark = _attrs(class_=f"mark {run.status}", x=centre, y=y + LANE + 13, text_anchor="middle",
                          fill=stroke, font_size=11, font_weight="bold")
            parts.append(f"<text {mark}>{letter}</text>")
    return parts


def _touchpoints(times: list[datetime], y: int, scale: _Scale, zone: tzinfo) -> list[str]:
    parts = [f'<text {_attrs(x=LEFT - 10, y=y + 4, text_anchor="end", fill=INK, font_size=12)}>Touchpoints</text>',
             f'<line {_attrs(x1=LEFT, y1=y, x2=LEFT + PLOT, y2=y, stroke=LINE)}/>']
    buckets: dict[int, list[datetime]] = {}
    for moment in times:
        buckets.setdefault(int((scale.x(moment) - LEFT) // BUCKET), []).append(moment)
    for moments in buckets.values():
        if len(moments) == 1:
            title = f"Touchpoint {moment_text(moments[0], zone)}"
        else:
            title = f"{len(moments)} touchpoints, {_span(moments[0], moments[-1], zone)}"
        dot = _attrs(class_="touchpoint", cx=scale.x(moments[0]), cy=y, r=5 if len(moments) > 1 else 4,
                     fill=ACCENT, stroke="#ffffff", stroke_width=1)
        parts.append(f"<circle {dot}><title>{escape(title)}</title></circle>")
    return parts


def _ticks(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, str]]:
    """Round moments along the axis in `zone` (hours, days, weeks or months) and their labels."""
    local = start.astimezone(zone)
    span = end - start
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), None)
    ticks = []
    if step is None:
        months = next((m for m in MONTH_STEPS if span / timedelta(days=30 * m) <= MAX_TICKS), MONTH_STEPS[-1])
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        k = 0
        while (moment := first + relativedelta(months=k * months)) < end:
            if moment >= start:
                ticks.append((moment, f"{moment:%b %Y}"))
            k += 1
        return ticks
    if step < timedelta(days=1):
        hours = int(step / timedelta(hours=1))
        first = local.replace(hour=local.hour - local.hour % hours, minute=0, second=0, microsecond=0)
    else:
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if step >= timedelta(weeks=1):
            first -= timedelta(days=first.weekday())
    moment = first
    while moment < end:
        if moment >= start:
            if step < timedelta(days=1) and ticks and moment.hour != 0:
                label = f"{moment:%H:%M}"
            elif step < timedelta(days=1):
                label = f"{moment.day} {moment:%b %H:%M}"
            else:
                label = f"{moment.day} {moment:%b}"
            ticks.append((moment, label))
        moment += step
    return ticks


def _axis(start: datetime, end: datetime, y: int, scale: _Scale, zone: tzinfo, top: int) -> list[str]:
    """The time axis with its ticks, and which zone its times are in: one name, or each
    name in the order they come when summer time begins or ends within the range."""
    ticks = _ticks(start, end, zone)
    names = _zone_names([start, *(moment for moment, _ in ticks), end], zone)
    parts = [f'<line {_attrs(x1=LEFT, y1=y, x2=LEFT + PLOT, y2=y, stroke=MUTED)}/>']
    for moment, label in ticks:
        if len(names) > 1 and ":" in label:  # a time of day names its zone
            label += f" {zone_name(moment)}"
        x = scale.x(moment)
        parts.append(f'<line {_attrs(x1=x, y1=top, x2=x, y2=y + 4, stroke=LINE)}/>')
        parts.append(f'<text {_attrs(x=x, y=y + 18, text_anchor="middle", fill=MUTED, font_size=11)}>'
                     f'{escape(label)}</text>')
    parts.append(f'<text {_attrs(x=LEFT - 10, y=y + 18, text_anchor="end", fill=MUTED, font_size=11)}>'
                 f'{escape("Times in " + " and ".join(names))}</text>')
    return parts


def _now(now: datetime, top: int, bottom: int, scale: _Scale) -> list[str]:
    x = scale.x(now)
    line = _attrs(class_="now", x1=x, y1=top - 6, x2=x, y2=bottom, stroke=INK, stroke_width=1.5,
                  stroke_dasharray="2 3")
    label = _attrs(x=x, y=top - 10, text_anchor="middle", fill=INK, font_size=11)
    return [f"<line {line}><title>now</title></line>", f"<text {label}>now</text>"]


def _legend(y: int, ident: str) -> list[str]:
    parts, x = [], LEFT
    for status, (fill, stroke, dash, label, letter) in STATUSES.items():
        text = f"{letter} {label}" if letter else label
        swatch = _attrs(x=x, y=y - 11, width=14, height=14, fill=fill.format(ident=ident), stroke=stroke,
                        stroke_dasharray=dash)
        parts.append(f"<rect {swatch}/>")
        parts.append(f'<text {_attrs(x=x + 19, y=y, fill=INK, font_size=11)}>{escape(text)}</text>')
        x += 30 + 6.5 * len(text)
    parts.append(f'<circle {_attrs(cx=x + 5, cy=y - 4, r=4, fill=ACCENT)}/>')
    parts.append(f'<text {_attrs(x=x + 14, y=y, fill=INK, font_size=11)}>touchpoint</text>')
    return parts


def _patterns(ident: str) -> str:
    hatch = _attrs(id=f"{ident}-missed", width=8, height=8, patternUnits="userSpaceOnUse",
                   patternTransform="rotate(45)")
    dots = _attrs(id=f"{ident}-over", width=6, height=6, patternUnits="userSpaceOnUse")
    return (
        f'<defs><pattern {hatch}><rect width="8" height="8" fill="#fbe5e7"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="#a3202b" stroke-width="3"/></pattern>'
        f'<pattern {dots}><rect width="6" height="6" fill="#fdf0dc"/>'
        f'<circle cx="3" cy="3" r="1.6" fill="#8a4b00"/></pattern></defs>'
    )


def summary(result: Compliance, touchpoints: int) -> str:
    """The chart in one sentence: how many windows, how each ended, how many touchpoints."""
    counts = {status: sum(1 for w in result.windows if w.status == status) for status in STATUSES}
    return (f"{_plural(len(result.windows), 'expected window')}: {counts['met']} met, {counts['missed']} missed, "
            f"{counts['over']} over-communicated, {counts['open']} open; {_plural(touchpoints, 'touchpoint')}.")


def compliance_chart(result: Compliance, touchpoints: list[datetime], *, start: datetime, end: datetime,
                     now: datetime, zone: tzinfo, ident: str = "compliance") -> Markup:
    """The chart of `result` over [start, end), with `touchpoints` (their times) as dots and
    times labelled in `zone`. `ident` keeps the ids of two charts on one page apart."""
    scale = _Scale(start, end)
    shown = [moment for moment in touchpoints if start <= moment < end]
    lanes = [(label, [w for w in result.windows if w.kind == kind]) for kind, label in LANES]
    lanes = [(label, windows) for label, windows in lanes if windows] or [(LANES[0][1], [])]
    axis = TOP + len(lanes) * (LANE + 22) + 22
    parts = _axis(start, end, axis, scale, zone, TOP)
    for index, (label, windows) in enumerate(lanes):
        y = TOP + index * (LANE + 22)
        parts += _lane(_runs(windows), label, y, scale, zone, ident)
        if not windows:
            note = _attrs(x=LEFT + PLOT / 2, y=y + LANE / 2 + 4, text_anchor="middle", fill=MUTED, font_size=12)
            parts.append(f"<text {note}>no contact was expected in this period</text>")
    parts += _touchpoints(shown, axis - 16, scale, zone)
    if start <= now <= end:
        parts += _now(now, TOP, axis, scale)
    parts += _legend(axis + 46, ident)
    height = axis + 60
    title = f"Compliance from {_span(start, end, zone)}"
    root = _attrs(xmlns="http://www.w3.org/2000/svg", class_="chart", role="img", viewBox=f"0 0 {WIDTH} {height}",
                  width=WIDTH, height=height, aria_labelledby=f"{ident}-title {ident}-desc")
    svg = (
        f"<svg {root}><title {_attrs(id=f'{ident}-title')}>{escape(title)}</title>"
        f"<desc {_attrs(id=f'{ident}-desc')}>{escape(summary(result, len(shown)))}</desc>"
        f"{_patterns(ident)}{''.join(parts)}</svg>"
    )
    return Markup(svg)
