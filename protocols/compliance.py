"""How actual contact compares with what was agreed: pure arithmetic, no database.

An `Expectation` is one agreed version in force over an interval (`expectations` derives
them from a protocol's versions and, for an escalation protocol, the spans a dispute held
it in force); windows come from its phases anchored at the interval's start (see
protocols.cadence). Within a time range:

- a periodic window that began in the range and has ended is `missed` with no
  touchpoint in it, `over` with more than the ceiling (default twice the one contact
  the window expects), `met` otherwise; a window not yet ended is `open` (or `over`);
- an incident that started in the range, under a response-time cadence, gets the
  window [start, start + H): `missed` when no touchpoint came within it;
- every touchpoint in the range is checked against the version in force at its time:
  the agreed channel, and a person of each side who is that side's point person or a
  backup.

Status, at `now`: `overdue` when a contact was due and none came (a periodic window
ended without contact and none since, or the latest incident unanswered past its
deadline: an older incident left unanswered is a missed window, not today's status);
`over_communicating` when the current or last window holds more than the ceiling;
`due_soon` when the next contact is due within a quarter of the window (at most a day);
`on_track` otherwise.
"""

from bisect import bisect_left
from bisect import bisect_right
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from protocols.cadence import Periodic
from protocols.cadence import Phase
from protocols.cadence import ResponseTime
from protocols.cadence import Window
from protocols.cadence import periodic_windows
from protocols.cadence import phase_spans
from protocols.models import ESCALATION

DUE_SOON_CAP = timedelta(days=1)
STATUS_URGENCY = ("overdue", "over_communicating", "due_soon", "on_track")


@dataclass(frozen=True)
class Expectation:
    """One version in force from `start` until `end` (None: still in force)."""

    version: int
    start: datetime
    end: datetime | None
    phases: tuple[Phase, ...]
    channel: str
    supplier_people: frozenset[int]
    customer_people: frozenset[int]
    ceiling: int | None = None

    @property
    def max_per_window(self) -> int:
        return self.ceiling if self.ceiling is not None else 2


@dataclass(frozen=True)
class Touchpoint:
    occurred_at: datetime
    channel: str
    supplier_person_id: int
    customer_person_id: int


@dataclass
class WindowReport:
    start: datetime
    end: datetime
    version: int
    kind: str
    count: int
    status: str

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "version": self.version,
            "kind": self.kind,
            "touchpoints": self.count,
            "status": self.status,
        }


@dataclass
class Compliance:
    status: str
    next_due_at: datetime | None
    windows: list[WindowReport] = field(default_factory=list)
    missed: int = 0
    over: int = 0
    channel_deviations: int = 0
    people_deviations: int = 0
    touchpoints: int = 0

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "next_due_at": self.next_due_at.isoformat() if self.next_due_at else None,
            "missed": self.missed,
            "over": self.over,
            "channel_deviations": self.channel_deviations,
            "people_deviations": self.people_deviations,
            "touchpoints": self.touchpoints,
            "windows": [w.as_dict() for w in self.windows],
        }


def _merged(spans):
    """Overlapping spans as one: two disputes open at once expect contact once."""
    merged = []
    for start, end in sorted(spans, key=lambda span: span[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _intersect(start, end, spans):
    for span_start, span_end in spans:
        lo = max(start, span_start)
        hi = end if span_end is None else (span_end if end is None else min(end, span_end))
        if hi is None or lo < hi:
            yield lo, hi


def expectations(protocol, versions, activations) -> list[Expectation]:
    """What was agreed for `protocol` over the times each version was in force."""
    return expectations_for(protocol.scenario, versions, activations)


def expectations_for(scenario: str, versions, activations) -> list[Expectation]:
    """What was agreed, version by version, over the times each was in force.

    An escalation protocol is in force only while a dispute on its project is open: its
    `activations` (anything with started_at and ended_at) give those spans. `versions`
    are ProtocolVersion rows or anything with the same attributes (the board and the read
    model of a protocol read lighter ones).
    """
    result = []
    for version in versions:
        if version.in_force_from is None:
            continue
        spans = [(version.in_force_from, version.in_force_until)]
        if scenario == ESCALATION:
            spans = list(
                _intersect(version.in_force_from, version.in_force_until,
                           _merged([(a.started_at, a.ended_at) for a in activations]))
            )
        zone = ZoneInfo(version.timezone)
        phases = version.schedule
        backups = set(version.backup_ids)
        for start, end in spans:
            if end is not None and end <= start:
                continue
            result.append(
                Expectation(
                    version=version.number,
                    start=start.astimezone(zone),
                    end=end,
                    phases=phases,
                    channel=version.channel,
                    supplier_people=frozenset({version.supplier_point_person_id} | backups),
                    customer_people=frozenset({version.customer_point_person_id} | backups),
                    ceiling=version.max_contacts_per_window,
                )
            )
    return result


def in_force(protocol, versions, activations, at: datetime):
    """The version of `versions` in force at `at`, if any."""
    return version_at(expectations(protocol, versions, activations), versions, at)


def version_at(expected: list[Expectation], versions, at: datetime):
    """The version of `versions` whose expectation covers `at`, if any."""
    expectation = _in_force(expected, at)
    if expectation is None:
        return None
    return next(v for v in versions if v.number == expectation.version)


def lookback(expected: list[Expectation]) -> timedelta:
    """How far before a moment the windows around it can reach: two of the longest."""
    longest = max(
        (phase.cadence.nominal_length() for e in expected for phase in e.phases), default=timedelta(days=1)
    )
    return 2 * longest + timedelta(days=1)


class _Timeline:
    """Touchpoint times, sorted, for counting by interval."""

    def __init__(self, times):
        self.times = sorted(times)

    def count(self, start, end) -> int:
        """Touchpoints in [start, end)."""
        return bisect_left(self.times, end) - bisect_left(self.times, start)

    def count_through(self, start, moment) -> int:
        """Touchpoints in [start, moment]: so far, counting one logged right now."""
        return bisect_right(self.times, moment) - bisect_left(self.times, start)

    def first_at_or_after(self, moment):
        index = bisect_left(self.times, moment)
        return self.times[index] if index < len(self.times) else None


def _walks(expectations: list[Expectation], start: datetime, end: datetime, now: datetime):
    """Where windows are walked, as (from, until) pairs: from well before the range until
    one past it, for the range; and from well before `now`, and no later than the last
    periodic window that ended by `now` however long ago (a response-time phase may have
    run since, and the status looks at it), until one past `now`, for the windows around
    `now` and the next due time. Two walks, not one from the earlier start to the later
    end: a range far from `now` (a version back-dated years) costs its own windows only.
    Walks that overlap are one: a range that reaches `now`, as the board's does, is walked
    once."""
    margin = lookback(expectations)
    last = _last_ended_window(expectations, now)
    around_now = now - margin if last is None else min(now - margin, last.start)
    first, second = sorted(((start - margin, end), (around_now, now)))
    if second[0] <= first[1]:
        return ((first[0], max(first[1], second[1])),)
    return first, second


def _walk(expectations: list[Expectation], since: datetime, until: datetime):
    """Each periodic window from about `since` to the first one that starts after `until`."""
    for expectation in expectations:
        if expectation.end is not None and expectation.end <= since:
            continue
        for window in _windows_of(expectation, since):
            yield expectation, window
            if window.start > until:
                break


def _periodic(expectations: list[Expectation], start: datetime, end: datetime,
              now: datetime) -> list[tuple[Expectation, Window]]:
    """The periodic windows to assess, in time order, each once. One walk gives them in that
    order already, since versions in force follow one another; two are merged."""
    walks = _walks(expectations, start, end, now)
    if len(walks) == 1:
        return list(_walk(expectations, *walks[0]))
    walked = {}
    for since, until in walks:
        for expectation, window in _walk(expectations, since, until):
            walked[(window.start, window.end)] = (expectation, window)
    return [walked[key] for key in sorted(walked)]


def _last_ended_window(expectations: list[Expectation], now: datetime) -> Window | None:
    """The periodic window that ended last by `now`: in the latest periodic phase begun
    before `now` that has one (phases of versions in force one after another do not overlap)."""
    spans = sorted(
        (
            (phase.cadence, span_start, span_end)
            for expectation in expectations
            for phase, span_start, span_end in phase_spans(expectation.phases, expectation.start, expectation.end)
            if isinstance(phase.cadence, Periodic) and span_start < now
        ),
        key=lambda span: span[1],
        reverse=True,
    )
    for cadence, span_start, span_end in spans:
        until = now if span_end is None else min(span_end, now)
        ended = None
        for window in periodic_windows(cadence, span_start, span_end, until - 2 * cadence.nominal_length()):
            if window.end > now:
                break
            ended = window
        if ended is not None:
            return ended
    return None


def _windows_of(expectation: Expectation, since: datetime):
    """The periodic windows of `expectation`, skipping those that end well before `since`."""
    for phase, span_start, span_end in phase_spans(expectation.phases, expectation.start, expectation.end):
        if isinstance(phase.cadence, ResponseTime) or (span_end is not None and span_end <= since):
            continue
        yield from periodic_windows(phase.cadence, span_start, span_end, since)


def _cadence_at(expectation: Expectation, moment: datetime):
    for phase, span_start, span_end in phase_spans(expectation.phases, expectation.start, expectation.end):
        if span_start <= moment and (span_end is None or moment < span_end):
            return phase.cadence
    return None


def _in_force(expectations, moment) -> Expectation | None:
    for expectation in expectations:
        if expectation.start <= moment and (expectation.end is None or moment < expectation.end):
            return expectation
    return None


def _window_status(count: int, ended: bool, ceiling: int) -> str:
    if count > ceiling:
        return "over"
    if not ended:
        return "open"
    return "missed" if count == 0 else "met"


def _due_soon(due: datetime, length: timedelta, now: datetime) -> bool:
    return now <= due <= now + min(DUE_SOON_CAP, length / 4)


def assess(
    expectations: list[Expectation],
    touchpoints: list[Touchpoint],
    incidents: list[datetime],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    deviations: bool = True,
) -> Compliance:
    """Compliance over [start, end), with the status as of `now`. Without `deviations`,
    `touchpoints` are only their times and channels and people are not checked: what a
    reader of many protocols' windows needs, at a fraction of the cost."""
    expectations = sorted(expectations, key=lambda e: e.start)
    timeline = _Timeline((t.occurred_at for t in touchpoints) if deviations else touchpoints)
    result = Compliance(status="on_track", next_due_at=None)

    periodic = _periodic(expectations, start, end, now)

    for expectation, window in periodic:
        if start <= window.start < end:
            count = timeline.count(window.start, window.end)
            status = _window_status(count, window.end <= now, expectation.max_per_window)
            result.windows.append(WindowReport(window.start, window.end, expectation.version, "periodic", count, status))

    responses = []
    for started in sorted(incidents):
        expectation = _in_force(expectations, started)
        cadence = _cadence_at(expectation, started) if expectation else None
        if not isinstance(cadence, ResponseTime):
            continue
        deadline = started + timedelta(hours=cadence.hours)
        count = timeline.count(started, deadline)
        responses.append((expectation, started, deadline, count))
        if start <= started < end:
            status = _window_status(count, deadline <= now, expectation.max_per_window)
            result.windows.append(WindowReport(started, deadline, expectation.version, "response", count, status))

    result.windows.sort(key=lambda w: (w.start, w.end))
    result.missed = sum(1 for w in result.windows if w.status == "missed")
    result.over = sum(1 for w in result.windows if w.status == "over")

    if not deviations:
        result.touchpoints = timeline.count(start, end)
        touchpoints = ()
    for touchpoint in touchpoints:
        if not start <= touchpoint.occurred_at < end:
            continue
        result.touchpoints += 1
        expectation = _in_force(expectations, touchpoint.occurred_at)
        if expectation is None:
            continue
        if touchpoint.channel != expectation.channel:
            result.channel_deviations += 1
        if (
            touchpoint.supplier_person_id not in expectation.supplier_people
            or touchpoint.customer_person_id not in expectation.customer_people
        ):
            result.people_deviations += 1

    _status_now(result, periodic, responses, timeline, now)
    return result


def _status_now(result: Compliance, periodic, responses, timeline: _Timeline, now: datetime) -> None:
    flags = set()
    dues = []
    ended = [(e, w) for e, w in periodic if w.end <= now]
    current = next(((e, w) for e, w in periodic if w.start <= now < w.end), None)
    if current and timeline.count_through(current[1].start, now) > current[0].max_per_window:
        flags.add("over_communicating")
    if ended:
        last_expectation, last = ended[-1]
        last_count = timeline.count(last.start, last.end)
        if last_count > last_expectation.max_per_window:
            flags.add("over_communicating")
        if last_count == 0 and timeline.count_through(last.end, now) == 0:
            dues.append(last.end)
            flags.add("overdue")
    if "overdue" not in flags:
        if current and timeline.count_through(current[1].start, now) == 0:
            window = current[1]
            dues.append(window.end)
            if _due_soon(window.end, window.end - window.start, now):
                flags.add("due_soon")
        else:
            upcoming = next((w for _, w in periodic if w.start > now), None)
            if upcoming is not None:
                dues.append(upcoming.end)

    started_so_far = [response for response in responses if response[1] <= now]
    if started_so_far:
        expectation, started, deadline, _ = max(started_so_far, key=lambda response: response[1])
        answered = timeline.first_at_or_after(started)
        if answered is None or answered > now:
            dues.append(deadline)
            if deadline < now:
                flags.add("overdue")
            elif _due_soon(deadline, deadline - started, now):
                flags.add("due_soon")
        if now < deadline and timeline.count_through(started, now) > expectation.max_per_window:
            flags.add("over_communicating")

    result.next_due_at = min(dues) if dues else None
    result.status = next((s for s in STATUS_URGENCY if s in flags), "on_track")


def urgency(compliance: Compliance) -> tuple:
    """Sort key for the board: most urgent status first, then the earliest due time."""
    due = compliance.next_due_at
    return (STATUS_URGENCY.index(compliance.status), due is None, due)

