"""protocols.compliance.assess against a brute-force reference, minute by minute.

The reference below is written from the docstrings of protocols.cadence and
protocols.compliance, not from their code. It walks every minute of the span in UTC and
decides, for each minute, which version is in force, which phase of it, and whether that
minute is a scheduled occurrence of the phase's cadence (from the phase's start: every N
hours, days, weeks or months; or on a listed weekday at the start's time of day in every
Nth week counted from the start's week). A window opens at each occurrence and runs until
the next one, or until the phase or the version ends. Touchpoints are then counted per
window, and statuses, deviations, the status at `now` and the next due time follow from
the definitions:

- a window that began in [start, end): `over` above the ceiling (default 2), else `open`
  until it has ended, then `missed` without a touchpoint and `met` with one;
- an incident in [start, end) under a response-time cadence: the window [t, t + H), with
  the same statuses;
- each touchpoint in [start, end): a channel deviation when its channel is not the agreed
  one, a people deviation when either person is not a point person or backup of that side
  (under the version in force at its time; none when no version is);
- `overdue` when the last periodic window that ended had no touchpoint and none came since,
  or the latest incident is unanswered (no touchpoint since it started) past its deadline
  (an older unanswered incident is a missed window, not today's status);
  `over_communicating` when the current window (touchpoints so far) or the last ended one
  holds more than its ceiling, or the latest incident's running window does; `due_soon`
  when the next contact is due within a quarter of its window (at most a day); else
  `on_track`;
- the next due time: for the periodic cadence, the end of the missed window when overdue,
  else the end of the current window while it has no touchpoint, else (it has one, or no
  window is open: between weekdays, or before a version agreed for later takes effect) the
  end of the next window; for the latest incident while unanswered, its deadline; the
  earliest of these.

The status at `now` does not depend on the range asked for, so the range is drawn
independently of `now` (and often starts exactly at `now`, as the board asks). The docstrings
do not define the next due time; the rule above (the end of the next window that still
needs its contact) is this test's reading of "next due time" in issue 3.

Random protocols: one version, or two where the second replaces the first from its start;
up to two tapered phases of 1-10 days before an open-ended one; cadences of 1-49 hours,
1-3 days, 1-2 weeks (with or without weekdays), monthly, or response times of 1-48 hours;
ceilings None or 1-3; touchpoints in bursts, often on window boundaries, with random
channels and people; up to three incidents; `now` up to five weeks in.

Hypothesis settings: max_examples=150 for each of the three properties, no deadline (an
example walks up to two months of minutes: about 10 ms, most of the time goes into
generating data). The last property does not shrink (a shrink takes about a minute); the
examples after it show, small, each way it once failed. All of this file runs in about
15-20 s on a busy 2-core machine.
"""

import calendar as monthcal
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck
from hypothesis import Phase as Phase_
from hypothesis import given
from hypothesis import note
from hypothesis import settings
from hypothesis import strategies as st

from protocols.cadence import Periodic
from protocols.cadence import Phase
from protocols.cadence import ResponseTime
from protocols.compliance import Expectation
from protocols.compliance import Touchpoint
from protocols.compliance import assess

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
UNIT_MINUTES = {"hours": 60, "days": 1440, "weeks": 7 * 1440}
DAY = 1440
CHANNELS = ("video", "phone", "email")


def minute_of(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds()) // 60


def second_of(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def at_minute(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


# --- the reference ------------------------------------------------------------------------


def is_occurrence(cadence: Periodic, anchor: int, minute: int) -> bool:
    """Whether `minute` is a scheduled start of `cadence` anchored at `anchor` (UTC minutes)."""
    if minute < anchor:
        return False
    if cadence.weekdays or cadence.unit == "months":
        if (minute - anchor) % DAY:
            return False  # not the anchor's time of day
        day, anchor_day = minute // DAY, anchor // DAY
        if cadence.weekdays:
            weekday = (day + 3) % 7  # 1 January 1970 was a Thursday
            if weekday not in cadence.weekdays:
                return False
            monday, anchor_monday = day - weekday, anchor_day - (anchor_day + 3) % 7
            return ((monday - anchor_monday) // 7) % cadence.every == 0
        this, first = date.fromordinal(EPOCH_ORDINAL + day), date.fromordinal(EPOCH_ORDINAL + anchor_day)
        months = (this.year - first.year) * 12 + this.month - first.month
        last_day = monthcal.monthrange(this.year, this.month)[1]
        return months % cadence.every == 0 and this.day == min(first.day, last_day)
    return (minute - anchor) % (cadence.every * UNIT_MINUTES[cadence.unit]) == 0


@dataclass
class Segment:
    """One phase of one version while it is in force: [start, end) in UTC minutes."""

    start: int
    end: int | None
    version: int
    ceiling: int
    cadence: object


@dataclass
class RefWindow:
    start: int
    end: int | None
    segment: Segment

    @property
    def version(self) -> int:
        return self.segment.version

    @property
    def ceiling(self) -> int:
        return self.segment.ceiling


def segments_of(expectations) -> list[Segment]:
    result = []
    for e in sorted(expectations, key=lambda e: e.start):
        start, end = minute_of(e.start), (minute_of(e.end) if e.end else None)
        ceiling = 2 if e.ceiling is None else e.ceiling
        cursor = start
        for phase in e.phases:
            if end is not None and cursor >= end:
                break
            phase_end = None if phase.days is None else cursor + phase.days * DAY
            if end is not None and (phase_end is None or phase_end > end):
                phase_end = end
            result.append(Segment(cursor, phase_end, e.version, ceiling, phase.cadence))
            if phase_end is None:
                break
            cursor = phase_end
    return result


def segment_at(segments, minute):
    for segment in segments:
        if segment.start <= minute and (segment.end is None or minute < segment.end):
            return segment
    return None


def walk(segments, range_end: int, now: int) -> list[RefWindow]:
    """Every periodic window from the first version on, minute by minute, until every window
    that began before `range_end` has ended and one that begins after `now` has ended too."""
    windows: list[RefWindow] = []
    current = None
    index = 0
    last = segments[-1]
    minute = segments[0].start
    while True:
        if minute > max(range_end, now) and (current is None or current.start >= range_end):
            if windows and windows[-1].start > now:
                break
            if current is None and isinstance(last.cadence, ResponseTime) and minute >= last.start:
                break  # nothing is ever scheduled again
        while segments[index].end is not None and segments[index].end <= minute:
            index += 1
        segment = segments[index]  # versions follow one another and the last is open-ended
        if current is not None and current.segment is not segment:
            current.end = minute  # cut short where its phase or version ends
            windows.append(current)
            current = None
        if isinstance(segment.cadence, Periodic) and is_occurrence(segment.cadence, segment.start, minute):
            if current is not None:
                current.end = minute
                windows.append(current)
            current = RefWindow(minute, None, segment)
        minute += 1
    return windows


@dataclass
class Reference:
    windows: list = field(default_factory=list)  # (start, end, version, kind, count, status)
    missed: int = 0
    over: int = 0
    channel_deviations: int = 0
    people_deviations: int = 0
    touchpoints: int = 0
    status: str = "on_track"
    next_due_at: datetime | None = None


def reference(expectations, touchpoints, incidents, start, end, now) -> Reference:
    segments = segments_of(expectations)
    lo, hi, now_m = minute_of(start), minute_of(end), minute_of(now)
    now_s = now_m * 60
    times = [second_of(t.occurred_at) for t in touchpoints]

    def count(first_second, last_second_excluded):
        return sum(1 for t in times if first_second <= t < last_second_excluded)

    def window_status(n, ceiling, ended):
        if n > ceiling:
            return "over"
        if not ended:
            return "open"
        return "missed" if n == 0 else "met"

    periodic = walk(segments, hi, now_m)
    responses = []
    for incident in incidents:
        t = second_of(incident)
        segment = segment_at(segments, t // 60)
        if segment is not None and isinstance(segment.cadence, ResponseTime):
            responses.append((t, t + segment.cadence.hours * 3600, segment))

    result = Reference()
    for w in periodic:
        if lo <= w.start < hi:
            n = count(w.start * 60, w.end * 60)
            result.windows.append((w.start * 60, w.end * 60, w.version, "periodic", n,
                                   window_status(n, w.ceiling, w.end <= now_m)))
    for t, deadline, segment in responses:
        if lo * 60 <= t < hi * 60:
            n = count(t, deadline)
            result.windows.append((t, deadline, segment.version, "response", n,
                                   window_status(n, segment.ceiling, deadline <= now_s)))
    result.windows.sort()
    result.missed = sum(1 for w in result.windows if w[5] == "missed")
    result.over = sum(1 for w in result.windows if w[5] == "over")

    by_version = {e.version: e for e in expectations}
    for touchpoint, t in zip(touchpoints, times):
        if not lo * 60 <= t < hi * 60:
            continue
        result.touchpoints += 1
        segment = segment_at(segments, t // 60)
        if segment is None:
            continue
        agreed = by_version[segment.version]
        result.channel_deviations += touchpoint.channel != agreed.channel
        result.people_deviations += (touchpoint.supplier_person_id not in agreed.supplier_people
                                     or touchpoint.customer_person_id not in agreed.customer_people)

    # The status at `now`.
    flags, dues = set(), []

    def due(moment_s, length_s):
        dues.append(moment_s)
        if moment_s < now_s:
            flags.add("overdue")
        elif moment_s - now_s <= min(86400, length_s // 4):
            flags.add("due_soon")

    ended = [w for w in periodic if w.end <= now_m]
    last = max(ended, key=lambda w: w.end) if ended else None
    current = next((w for w in periodic if w.start <= now_m < w.end), None)
    if last is not None and count(last.start * 60, last.end * 60) > last.ceiling:
        flags.add("over_communicating")
    if current is not None and count(current.start * 60, now_s + 1) > current.ceiling:
        flags.add("over_communicating")
    if last is not None and count(last.start * 60, now_s + 1) == 0:
        dues.append(last.end * 60)  # missed, and no contact since: overdue since it ended
        flags.add("overdue")
    elif current is not None and count(current.start * 60, now_s + 1) == 0:
        due(current.end * 60, (current.end - current.start) * 60)
    else:
        # The current window has its contact, or none is open right now: the next is due.
        following = next((w for w in periodic if w.start > now_m), None)
        if following is not None:
            dues.append(following.end * 60)
    started = [r for r in responses if r[0] <= now_s]
    if started:
        # Only the latest incident makes today's status; older ones are missed windows.
        t, deadline, segment = max(started, key=lambda r: r[0])
        if count(t, now_s + 1) == 0:
            due(deadline, deadline - t)
        if now_s < deadline and count(t, now_s + 1) > segment.ceiling:
            flags.add("over_communicating")
    result.status = next((s for s in ("overdue", "over_communicating", "due_soon") if s in flags), "on_track")
    result.next_due_at = EPOCH + timedelta(seconds=min(dues)) if dues else None
    return result


def actual(expectations, touchpoints, incidents, start, end, now) -> Reference:
    result = assess(expectations, touchpoints, incidents, start=start, end=end, now=now)
    return Reference(
        windows=sorted((second_of(w.start), second_of(w.end), w.version, w.kind, w.count, w.status)
                       for w in result.windows),
        missed=result.missed,
        over=result.over,
        channel_deviations=result.channel_deviations,
        people_deviations=result.people_deviations,
        touchpoints=result.touchpoints,
        status=result.status,
        next_due_at=result.next_due_at,
    )


def readable(windows):
    return [(str(EPOCH + timedelta(seconds=s)), str(EPOCH + timedelta(seconds=e)), *rest) for s, e, *rest in windows]


# --- random protocols and contact ---------------------------------------------------------


BASE = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday

steady_cadences = st.one_of(
    st.builds(Periodic, st.integers(1, 12), st.just("hours")),
    st.builds(Periodic, st.sampled_from([1, 1, 2, 5, 24, 36, 49]), st.just("hours")),
    st.builds(Periodic, st.integers(1, 3), st.just("days")),
    st.builds(Periodic, st.integers(1, 2), st.just("weeks")),
    st.just(Periodic(1, "months")),
)
weekday_cadences = st.builds(Periodic, st.integers(1, 2), st.just("weeks"),
                             st.sets(st.integers(0, 6), min_size=1, max_size=4).map(lambda s: tuple(sorted(s))))
response_times = st.builds(ResponseTime, st.integers(1, 48))
any_cadences = st.one_of(steady_cadences, steady_cadences, weekday_cadences, response_times)


def offsets(min_days: int, max_days: int):
    """Minutes from min_days to max_days + 1 days, days and half hours drawn apart (so they
    spread over the span), usually on the half hour, sometimes on odd minutes."""
    return st.builds(lambda d, h, m: d * DAY + h * 30 + m,
                     st.integers(min_days, max_days), st.integers(0, 47), st.sampled_from([0, 0, 0, 0, 1, 17, 29]))


@st.composite
def expectations_(draw, version: int, start: datetime, end: datetime | None, cadences):
    tapers = draw(st.lists(st.tuples(cadences, st.integers(1, 10)), max_size=2))
    last = draw(cadences)
    phases = tuple(Phase(c, d) for c, d in tapers) + (Phase(last, None),)
    return Expectation(
        version=version,
        start=start,
        end=end,
        phases=phases,
        channel=draw(st.sampled_from(CHANNELS)),
        supplier_people=frozenset(draw(st.sets(st.integers(1, 3), min_size=1))),
        customer_people=frozenset(draw(st.sets(st.integers(11, 13), min_size=1))),
        ceiling=draw(st.one_of(st.none(), st.none(), st.integers(1, 3))),
    )


@dataclass
class Scenario:
    expectations: list
    touchpoints: list
    incidents: list
    start: datetime
    end: datetime
    now: datetime

    def args(self):
        return self.expectations, self.touchpoints, self.incidents, self.start, self.end, self.now


@st.composite
def scenarios(draw, steady=False):
    """One version, or two where the second replaces the first from its start; random
    phases, ceilings, touchpoints (channel, people) and incidents; a range and `now`.

    steady: windows that follow one another without a gap (no weekdays, and either every
    phase periodic or every phase a response time), `now` while the protocol is in force,
    and a range that begins before the protocol.
    """
    if steady:
        cadences = draw(st.sampled_from([steady_cadences, response_times]))
    else:
        cadences = any_cadences
    first = BASE + timedelta(minutes=draw(offsets(0, 6)))
    second = None
    if draw(st.booleans()):
        second = first + timedelta(minutes=max(60, draw(offsets(0, 19))))
    expectations = [draw(expectations_(1, first, second, cadences))]
    if second is not None:
        expectations.append(draw(expectations_(2, second, None, cadences)))
    anchors = [first] + ([second] if second else [])
    # `now` anywhere, or just before or after the moment a window ends minus the time that
    # makes a contact "due soon" (a quarter of 1, 2, 5, 12, 24 or 48 hours; a day).
    due_soon_margin = st.builds(lambda m, e: m + e, st.sampled_from([0, 15, 30, 75, 180, 360, 720, DAY]),
                                st.sampled_from([-1, 0, 0, 1]))
    now = draw(st.one_of(
        st.builds(lambda m: first + timedelta(minutes=m), offsets(0 if steady else -1, 34)),
        st.builds(lambda a, d, h, m: a + timedelta(minutes=d * DAY + h * 60 - m), st.sampled_from(anchors),
                  st.integers(1, 34), st.one_of(st.just(0), st.integers(0, 23)), due_soon_margin),
    ))
    if steady:
        now = max(now, first)
    days = max(0, (now - first).days)
    if steady:
        start = first - timedelta(minutes=draw(offsets(0, 2)))
    else:
        start = draw(st.one_of(
            st.just(now),  # as the board asks
            st.builds(lambda m: now - timedelta(minutes=m), offsets(0, days + 1)),
            st.builds(lambda m: first + timedelta(minutes=m), offsets(-2, 29)),
        ))
    end = start + timedelta(minutes=max(60, draw(offsets(0, 25))))

    def moment():
        """A time not after `now`: often a whole day, hour or half hour after a version's start
        (where windows begin and end), or shortly before `now`, else any second."""
        aligned = st.builds(lambda a, d, h: a + timedelta(minutes=d * DAY + h * 30), st.sampled_from(anchors),
                            st.integers(-1, days), st.one_of(st.just(0), st.integers(0, 47)))
        recent = st.builds(lambda m, s: now - timedelta(minutes=m, seconds=s),
                           offsets(0, 6), st.sampled_from([0, 0, 1, 30, 59]))
        free = st.builds(lambda m, s: first + timedelta(minutes=m, seconds=s),
                         offsets(-1, days), st.sampled_from([0, 0, 1, 30, 59]))
        return st.one_of(aligned, aligned, recent, free).map(lambda t: min(t, now))

    # Touchpoints come in bursts, so that windows also hold more than their ceiling.
    gaps = st.one_of(st.just(0), st.integers(0, 6).map(lambda k: 30 * k), st.integers(0, 180))
    bursts = draw(st.lists(st.tuples(moment(), st.lists(gaps, min_size=1, max_size=5)), max_size=6))
    touchpoints = [
        Touchpoint(min(center + timedelta(minutes=gap), now), draw(st.sampled_from(CHANNELS)),
                   draw(st.integers(1, 4)), draw(st.integers(11, 14)))
        for center, burst in bursts for gap in burst
    ]
    # And the latest windows before `now` mostly get their one contact, as in real life.
    now_minute = minute_of(now)
    for window in [w for w in walk(segments_of(expectations), now_minute, now_minute) if w.start <= now_minute][-8:]:
        ongoing = window.end > now_minute  # often still without contact: due soon, or not yet
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2] if ongoing else [0, 1, 1, 1, 1, 2, 3]))):
            minute = draw(st.one_of(st.just(window.start), st.just(window.end - 1),
                                    st.integers(window.start, window.end - 1)))
            if minute <= now_minute:
                touchpoints.append(Touchpoint(at_minute(minute), draw(st.sampled_from(CHANNELS)),
                                              draw(st.integers(1, 4)), draw(st.integers(11, 14))))
    incidents = draw(st.lists(moment(), max_size=3))
    return Scenario(expectations, touchpoints, incidents, start, end, now)


def describe(scenario: Scenario) -> None:
    for e in scenario.expectations:
        note(f"v{e.version} {e.start} .. {e.end}: {e.phases}, {e.channel}, ceiling {e.ceiling}")
    note(f"range {scenario.start} .. {scenario.end}, now {scenario.now}")
    note(f"touchpoints {sorted(str(t.occurred_at) for t in scenario.touchpoints)}")
    note(f"incidents {sorted(str(t) for t in scenario.incidents)}")


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_the_report_over_a_range_matches_the_minute_by_minute_reference(scenario):
    describe(scenario)
    expected = reference(*scenario.args())
    got = actual(*scenario.args())
    assert readable(got.windows) == readable(expected.windows)
    assert (got.missed, got.over) == (expected.missed, expected.over)
    assert got.touchpoints == expected.touchpoints
    assert got.channel_deviations == expected.channel_deviations
    assert got.people_deviations == expected.people_deviations


@SETTINGS
@given(scenarios(steady=True))
def test_the_status_of_protocols_without_gaps_matches_the_reference(scenario):
    # Windows that tile the time, and a range that begins before the protocol: the rules of
    # `overdue`, `over_communicating`, `due_soon`, incidents and the next due time.
    describe(scenario)
    expected = reference(*scenario.args())
    got = actual(*scenario.args())
    assert (got.status, got.next_due_at) == (expected.status, expected.next_due_at)


@settings(SETTINGS, phases=[Phase_.explicit, Phase_.reuse, Phase_.generate])  # no shrinking: see the docstring
@given(scenarios())
def test_the_status_at_now_matches_the_minute_by_minute_reference(scenario):
    # Any range (the board asks from `now`), weekdays and response-time phases leaving
    # time between windows. See the examples below for each way this fails.
    describe(scenario)
    expected = reference(*scenario.args())
    got = actual(*scenario.args())
    assert (got.status, got.next_due_at) == (expected.status, expected.next_due_at)


# --- examples -----------------------------------------------------------------------------

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
DAILY = Periodic(1, "days")
WEEKLY = Periodic(1, "weeks")
SECOND = timedelta(seconds=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def version(start, *phases, number=1, end=None, channel="video", supplier=(1, 2), customer=(11, 12), ceiling=None):
    """A version in force from `start`: point people 1 and 11, backups 2 and 12."""
    return Expectation(number, start, end, tuple(phases), channel, frozenset(supplier), frozenset(customer), ceiling)


def contact(at, channel="video", supplier=1, customer=11) -> Touchpoint:
    return Touchpoint(at, channel, supplier, customer)


def windows(result):
    return [(w.start, w.end, w.count, w.status) for w in result.windows]


def status(result):
    return result.status, result.next_due_at


def test_each_window_is_met_missed_over_or_open():
    daily = version(utc(2026, 3, 2, 9), Phase(DAILY, None))
    contacts = [
        contact(utc(2026, 3, 2, 10)),
        contact(utc(2026, 3, 3, 9)), contact(utc(2026, 3, 4, 8, 59, 59)),  # two: at the ceiling
        # none from 4 March 09:00 to 5 March 09:00
        contact(utc(2026, 3, 5, 9)), contact(utc(2026, 3, 5, 12)), contact(utc(2026, 3, 6, 8)),
    ]
    result = assess([daily], contacts, [], start=utc(2026, 3, 2), end=utc(2026, 3, 7), now=utc(2026, 3, 6, 12))
    assert windows(result) == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 3, 9), 1, "met"),
        (utc(2026, 3, 3, 9), utc(2026, 3, 4, 9), 2, "met"),
        (utc(2026, 3, 4, 9), utc(2026, 3, 5, 9), 0, "missed"),
        (utc(2026, 3, 5, 9), utc(2026, 3, 6, 9), 3, "over"),
        (utc(2026, 3, 6, 9), utc(2026, 3, 7, 9), 0, "open"),
    ]
    assert (result.missed, result.over, result.touchpoints) == (1, 1, 6)
    # The last window held more than twice what the cadence expects.
    assert status(result) == ("over_communicating", utc(2026, 3, 7, 9))


def test_the_ceiling_is_configurable_per_version():
    contacts = [contact(utc(2026, 3, 2, h)) for h in (10, 11, 12)]
    for ceiling, expected in ((None, "over"), (1, "over"), (3, "met")):
        daily = version(utc(2026, 3, 2, 9), Phase(DAILY, None), ceiling=ceiling)
        result = assess([daily], contacts, [], start=utc(2026, 3, 2), end=utc(2026, 3, 3), now=utc(2026, 3, 3, 10))
        assert [w.status for w in result.windows] == [expected]


def test_overdue_after_a_missed_window_until_someone_gets_in_touch():
    daily = version(utc(2026, 3, 2, 9), Phase(DAILY, None))
    contacts = [contact(utc(2026, 3, 2, 10))]
    now = utc(2026, 3, 4, 10)
    result = assess([daily], contacts, [], start=utc(2026, 3, 2), end=now, now=now)
    assert status(result) == ("overdue", utc(2026, 3, 4, 9))
    # A contact logged right now counts.
    result = assess([daily], contacts + [contact(now)], [], start=utc(2026, 3, 2), end=now, now=now)
    assert status(result) == ("on_track", utc(2026, 3, 6, 9))


def test_due_soon_within_a_quarter_of_the_window_and_at_most_a_day():
    weekly = version(utc(2026, 3, 2, 9), Phase(WEEKLY, None))
    met = [contact(utc(2026, 3, 2, 10))]
    due = utc(2026, 3, 16, 9)

    def at(now):
        return status(assess([weekly], met, [], start=utc(2026, 3, 2), end=now, now=now))

    assert at(due - timedelta(days=1)) == ("due_soon", due)  # a quarter of a week is more than a day
    assert at(due - timedelta(days=1) - SECOND) == ("on_track", due)
    assert at(due - SECOND) == ("due_soon", due)
    four_hourly = version(utc(2026, 3, 2, 9), Phase(Periodic(4, "hours"), None))
    met = [contact(utc(2026, 3, 2, 10))]
    assert status(assess([four_hourly], met, [], start=utc(2026, 3, 2), end=utc(2026, 3, 3),
                         now=utc(2026, 3, 2, 16))) == ("due_soon", utc(2026, 3, 2, 17))
    assert status(assess([four_hourly], met, [], start=utc(2026, 3, 2), end=utc(2026, 3, 3),
                         now=utc(2026, 3, 2, 15, 59))) == ("on_track", utc(2026, 3, 2, 17))


def test_incidents_are_answered_within_the_response_time():
    incident = version(utc(2026, 3, 1), Phase(ResponseTime(4), None), channel="phone")
    answered, unanswered, late = utc(2026, 3, 2, 10), utc(2026, 3, 3, 10), utc(2026, 3, 4, 10)
    contacts = [contact(utc(2026, 3, 2, 13, 59), "phone"), contact(utc(2026, 3, 4, 15), "phone")]
    result = assess([incident], contacts, [answered, unanswered, late], start=utc(2026, 3, 1),
                    end=utc(2026, 3, 5), now=utc(2026, 3, 5))
    assert windows(result) == [
        (answered, answered + timedelta(hours=4), 1, "met"),
        (unanswered, unanswered + timedelta(hours=4), 0, "missed"),
        (late, late + timedelta(hours=4), 0, "missed"),  # answered, but an hour late
    ]
    assert status(result) == ("on_track", None)  # the latest incident has been answered


def test_an_unanswered_incident_is_due_soon_then_overdue():
    incident = version(utc(2026, 3, 1), Phase(ResponseTime(4), None))
    started = utc(2026, 3, 2, 10)

    def at(now, contacts=()):
        return status(assess([incident], list(contacts), [started], start=utc(2026, 3, 1), end=now, now=now))

    deadline = started + timedelta(hours=4)
    assert at(utc(2026, 3, 2, 12, 59)) == ("on_track", deadline)
    assert at(utc(2026, 3, 2, 13)) == ("due_soon", deadline)  # a quarter of four hours
    assert at(utc(2026, 3, 2, 14, 1)) == ("overdue", deadline)
    assert at(utc(2026, 3, 2, 14, 1), [contact(utc(2026, 3, 2, 14, 1))]) == ("on_track", None)


def test_channel_and_people_are_checked_against_the_version_in_force():
    weekly = version(utc(2026, 3, 2, 9), Phase(WEEKLY, None), channel="video", supplier=(1, 2), customer=(11, 12))
    contacts = [
        contact(utc(2026, 3, 2, 10), "video", 1, 11),
        contact(utc(2026, 3, 3, 10), "phone", 2, 12),  # backups, on the phone
        contact(utc(2026, 3, 4, 10), "video", 3, 11),  # someone else for the supplier
        contact(utc(2026, 3, 5, 10), "email", 3, 13),  # both wrong: one people deviation
        contact(utc(2026, 3, 6, 10), "video", 1, 13),  # someone else for the customer
        contact(utc(2026, 3, 1, 10), "email", 3, 13),  # before the protocol: no deviation
        contact(utc(2026, 3, 20), "email", 3, 13),  # outside the range
    ]
    result = assess([weekly], contacts, [], start=utc(2026, 3, 1), end=utc(2026, 3, 9), now=utc(2026, 3, 21))
    assert (result.touchpoints, result.channel_deviations, result.people_deviations) == (6, 2, 3)


def test_a_reagreed_protocol_changes_the_expectation_from_its_start():
    change = utc(2026, 3, 11, 12)
    v1 = version(utc(2026, 3, 2, 9), Phase(WEEKLY, None), end=change, channel="video")
    v2 = version(change, Phase(DAILY, None), number=2, channel="phone")
    contacts = [contact(utc(2026, 3, 10), "video"), contact(utc(2026, 3, 12), "video"),
                contact(utc(2026, 3, 12, 13), "phone")]
    result = assess([v1, v2], contacts, [], start=utc(2026, 3, 2), end=utc(2026, 3, 14), now=utc(2026, 3, 13, 14))
    assert [(w.start, w.end, w.version, w.count, w.status) for w in result.windows] == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 9, 9), 1, 0, "missed"),
        (utc(2026, 3, 9, 9), change, 1, 1, "met"),  # cut short by the new version
        (change, utc(2026, 3, 12, 12), 2, 1, "met"),
        (utc(2026, 3, 12, 12), utc(2026, 3, 13, 12), 2, 1, "met"),
        (utc(2026, 3, 13, 12), utc(2026, 3, 14, 12), 2, 0, "open"),
    ]
    assert result.channel_deviations == 1  # video on 12 March, when phone was agreed


def test_daily_windows_in_berlin_follow_the_local_clock_across_the_spring_change():
    daily = version(berlin(2026, 3, 26, 9), Phase(DAILY, None))
    contacts = [contact(berlin(2026, 3, d, 9, 15)) for d in range(26, 32)]
    contacts.append(contact(berlin(2026, 3, 29, 8, 30)))  # before Sunday's 09:00: Saturday's window
    result = assess([daily], contacts, [], start=berlin(2026, 3, 26), end=berlin(2026, 3, 31),
                    now=berlin(2026, 3, 31, 12))
    assert windows(result) == [
        (utc(2026, 3, 26, 8), utc(2026, 3, 27, 8), 1, "met"),
        (utc(2026, 3, 27, 8), utc(2026, 3, 28, 8), 1, "met"),
        (utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), 2, "met"),  # 23 hours
        (utc(2026, 3, 29, 7), utc(2026, 3, 30, 7), 1, "met"),
        (utc(2026, 3, 30, 7), utc(2026, 3, 31, 7), 1, "met"),
    ]
    assert status(result) == ("on_track", berlin(2026, 4, 2, 9))


def test_weekly_windows_in_berlin_across_the_autumn_change():
    weekly = version(berlin(2026, 10, 19, 9), Phase(WEEKLY, None))
    contacts = [contact(berlin(2026, 10, 20, 11)), contact(berlin(2026, 10, 26, 8, 59))]
    result = assess([weekly], contacts, [], start=berlin(2026, 10, 19), end=berlin(2026, 10, 27),
                    now=berlin(2026, 10, 26, 12))
    assert windows(result) == [
        (utc(2026, 10, 19, 7), utc(2026, 10, 26, 8), 2, "met"),  # 169 hours; 08:59 on Monday is still in it
        (utc(2026, 10, 26, 8), utc(2026, 11, 2, 8), 0, "open"),
    ]
    assert status(result) == ("on_track", berlin(2026, 11, 2, 9))
    assert status(assess([weekly], contacts, [], start=berlin(2026, 10, 19), end=berlin(2026, 11, 2),
                         now=berlin(2026, 11, 1, 9, 30))) == ("due_soon", berlin(2026, 11, 2, 9))


# --- examples of what the property finds ---------------------------------------------------
# The status is "at now": it cannot depend on the range asked for. The board asks for the
# range [now, now + 1 s); these ask once from before the protocol and once from `now`.

FROM_THE_START, FROM_NOW = "from the start", "from now (as the board asks)"


def assess_from(where, expectations, contacts, now, incidents=()):
    start = min(e.start for e in expectations) - timedelta(days=1) if where == FROM_THE_START else now
    return assess(expectations, contacts, list(incidents), start=start, end=now + SECOND, now=now)


@pytest.mark.parametrize("where", [FROM_THE_START, FROM_NOW])
def test_overdue_after_a_missed_weekday_window_whatever_the_range(where):
    # Weekly on Wednesdays, agreed on a Monday; nobody got in touch from 7 to 14 January.
    weekly = version(utc(2026, 1, 5, 9), Phase(Periodic(1, "weeks", (WED,)), None))
    result = assess_from(where, [weekly], [], now=utc(2026, 1, 20, 12))
    assert status(result) == ("overdue", utc(2026, 1, 14, 9))


@pytest.mark.parametrize("where", [FROM_THE_START, FROM_NOW])
def test_overdue_when_the_window_missed_was_the_previous_versions(where):
    change = utc(2026, 3, 4, 9)
    v1 = version(utc(2026, 3, 2, 9), Phase(DAILY, None), end=change)
    v2 = version(change, Phase(WEEKLY, None), number=2)
    result = assess_from(where, [v1, v2], [contact(utc(2026, 3, 2, 10))], now=utc(2026, 3, 4, 12))
    assert status(result) == ("overdue", change)


@pytest.mark.parametrize("where", [FROM_THE_START, FROM_NOW])
def test_overdue_when_the_window_missed_was_the_previous_phases(where):
    taper = version(utc(2026, 3, 2, 9), Phase(DAILY, 3), Phase(WEEKLY, None))
    contacts = [contact(utc(2026, 3, 2, 10)), contact(utc(2026, 3, 3, 10))]
    result = assess_from(where, [taper], contacts, now=utc(2026, 3, 5, 12))
    assert status(result) == ("overdue", utc(2026, 3, 5, 9))


@pytest.mark.parametrize("where", [FROM_THE_START, FROM_NOW])
def test_over_communicating_when_the_last_window_was_the_previous_versions(where):
    change = utc(2026, 3, 4, 9)
    v1 = version(utc(2026, 3, 2, 9), Phase(DAILY, None), end=change)
    v2 = version(change, Phase(WEEKLY, None), number=2)
    contacts = [contact(utc(2026, 3, 2, 10))] + [contact(utc(2026, 3, 3, h)) for h in (10, 11, 12)]
    contacts.append(contact(utc(2026, 3, 4, 10)))
    result = assess_from(where, [v1, v2], contacts, now=utc(2026, 3, 4, 12))
    assert result.status == "over_communicating"


@pytest.mark.parametrize("where", [FROM_THE_START, FROM_NOW])
def test_overdue_in_berlin_just_after_the_autumn_change_whatever_the_range(where):
    daily = version(berlin(2026, 10, 19, 9), Phase(DAILY, None))
    contacts = [contact(berlin(2026, 10, d, 10)) for d in range(19, 25)]  # none from 25 October on
    now = berlin(2026, 10, 27, 8, 30).astimezone(UTC)  # the clock is in UTC
    result = assess_from(where, [daily], contacts, now=now)
    assert status(result) == ("overdue", berlin(2026, 10, 26, 9))


# Between windows: a taper of daily contact for eight days, then weekly on Thursdays. The
# daily phase ends on Tuesday 10 March at 09:00; the first Thursday window opens on the 12th.

TAPER = version(utc(2026, 3, 2, 9), Phase(DAILY, 8), Phase(Periodic(1, "weeks", (THU,)), None))
DAILY_CONTACT = [contact(utc(2026, 3, d, 10)) for d in range(2, 9)]  # none in the window of 9 March


def test_overdue_between_windows_after_a_missed_one():
    result = assess([TAPER], DAILY_CONTACT, [], start=utc(2026, 3, 1), end=utc(2026, 3, 12), now=utc(2026, 3, 11, 12))
    assert [(w.start, w.status) for w in result.windows][-2:] == [
        (utc(2026, 3, 8, 9), "met"), (utc(2026, 3, 9, 9), "missed"),
    ], "the Thursday phase has no window before its first Thursday"
    assert status(result) == ("overdue", utc(2026, 3, 10, 9))


def test_still_overdue_in_the_next_window_when_a_gap_lies_between():
    result = assess([TAPER], DAILY_CONTACT, [], start=utc(2026, 3, 1), end=utc(2026, 3, 14), now=utc(2026, 3, 13, 12))
    assert status(result) == ("overdue", utc(2026, 3, 10, 9))


def test_over_communicating_between_windows_after_an_over_full_one():
    contacts = DAILY_CONTACT + [contact(utc(2026, 3, 9, h)) for h in (10, 11, 12)]
    result = assess([TAPER], contacts, [], start=utc(2026, 3, 1), end=utc(2026, 3, 12), now=utc(2026, 3, 11, 12))
    assert result.status == "over_communicating"


def test_the_next_due_time_across_a_gap_is_the_end_of_the_next_window():
    contacts = DAILY_CONTACT + [contact(utc(2026, 3, 9, 10))]
    first_thursday_window_ends = utc(2026, 3, 19, 9)
    for now in (utc(2026, 3, 9, 12), utc(2026, 3, 11, 12)):  # in the last daily window, then between
        result = assess([TAPER], contacts, [], start=utc(2026, 3, 1), end=utc(2026, 3, 20), now=now)
        assert status(result) == ("on_track", first_thursday_window_ends), now


def test_before_a_version_takes_effect_its_first_contact_is_due_at_the_end_of_its_first_window():
    # Agreed for 11:00, every four hours: at 06:29 nothing is in force yet, and the first
    # contact is due by 15:00, whichever range is asked for.
    later_today = version(utc(2026, 3, 2, 11), Phase(Periodic(4, "hours"), None))
    now = utc(2026, 3, 2, 6, 29)
    for start in (now - timedelta(days=1), now, now + timedelta(days=7)):
        result = assess([later_today], [], [], start=start, end=start + timedelta(days=3), now=now)
        assert status(result) == ("on_track", utc(2026, 3, 2, 15)), start


# Every other day for a week, then answers within a day to incidents: the last periodic
# window (8 March 09:00 to 9 March 09:00, cut by the phase's end) still sets the status
# weeks later, when no incident has come since.

THEN_ON_CALL = version(utc(2026, 3, 2, 9), Phase(Periodic(2, "days"), 7), Phase(ResponseTime(24), None))
EARLY_CONTACT = [contact(utc(2026, 3, d, 10)) for d in (2, 4, 6)]


@pytest.mark.parametrize("later", [timedelta(days=1), timedelta(days=30)], ids=["a-day-later", "a-month-later"])
def test_overdue_long_after_the_last_periodic_window_was_missed(later):
    now = utc(2026, 3, 9, 9) + later
    result = assess([THEN_ON_CALL], EARLY_CONTACT, [], start=now, end=now + timedelta(days=7), now=now)
    assert status(result) == ("overdue", utc(2026, 3, 9, 9))


@pytest.mark.parametrize("later", [timedelta(days=1), timedelta(days=30)], ids=["a-day-later", "a-month-later"])
def test_over_communicating_long_after_the_last_periodic_window_was_over_full(later):
    contacts = EARLY_CONTACT + [contact(utc(2026, 3, 8, h)) for h in (10, 11, 12)]
    now = utc(2026, 3, 9, 9) + later
    result = assess([THEN_ON_CALL], contacts, [], start=now, end=now + timedelta(days=7), now=now)
    assert result.status == "over_communicating"


def test_an_hourly_cadence_in_berlin_never_misses_a_window_nobody_could_meet():
    # Contact twice an hour through the night of the spring change: every window that can
    # hold a contact holds one, so none may be missed (02:30 does not exist that night).
    hourly = version(berlin(2026, 3, 28, 22, 30), Phase(Periodic(1, "hours"), None))
    contacts = [contact(utc(2026, 3, 28, 21) + timedelta(minutes=30 * k)) for k in range(20)]
    result = assess([hourly], contacts, [], start=utc(2026, 3, 28, 21), end=utc(2026, 3, 29, 6), now=utc(2026, 3, 29, 7))
    assert [w for w in result.windows if w.start >= w.end] == []
    assert result.missed == 0
