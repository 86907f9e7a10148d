"""Cadences and the windows in which they expect contact: pure arithmetic, no database.

A periodic cadence expects one contact per window. Its windows start at scheduled
occurrences: from the anchor every N hours, days, weeks or months; or, with weekdays,
on each listed weekday at the anchor's time of day, in every Nth week counted from the
anchor's week. A window runs to the next occurrence and is cut short where its phase
ends. Hours are elapsed time; days, weeks and months are wall-clock in the anchor's time
zone, keeping the local time of day across daylight-saving changes, as a calendar does.

A response-time cadence expects the first contact within H hours of an incident's start.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from dateutil.relativedelta import relativedelta

UNITS = ("hours", "days", "weeks", "months")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIN_PERIOD = timedelta(hours=1)
MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class Periodic:
    every: int
    unit: str
    weekdays: tuple[int, ...] = ()

    def step(self, k: int):
        """The offset of the k-th occurrence from the anchor (for cadences without weekdays)."""
        if self.unit == "months":
            return relativedelta(months=self.every * k)
        return timedelta(**{self.unit: self.every * k})

    def nominal_length(self) -> timedelta:
        if self.unit == "months":
            return timedelta(days=30 * self.every)
        return timedelta(**{self.unit: self.every})

    def as_dict(self) -> dict:
        data = {"every": self.every, "unit": self.unit}
        if self.weekdays:
            data["weekdays"] = [WEEKDAYS[d] for d in self.weekdays]
        return data


@dataclass(frozen=True)
class ResponseTime:
    hours: int

    def nominal_length(self) -> timedelta:
        return timedelta(hours=self.hours)

    def as_dict(self) -> dict:
        return {"respond_within_hours": self.hours}


Cadence = Periodic | ResponseTime


@dataclass(frozen=True)
class Phase:
    cadence: Cadence
    days: int | None  # None: open-ended, always the last phase


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    cadence: Cadence


def cadence_from_dict(data: dict) -> Cadence:
    """Build a cadence from its API form; ValueError naming the problem otherwise."""
    if "respond_within_hours" in data:
        hours = data["respond_within_hours"]
        if not 1 <= hours <= 24 * 366:
            raise ValueError("respond_within_hours must be between 1 hour and one year")
        return ResponseTime(hours)
    weekdays = tuple(sorted({WEEKDAYS.index(day) for day in data.get("weekdays") or ()}))
    cadence = Periodic(every=data["every"], unit=data["unit"], weekdays=weekdays)
    if weekdays and cadence.unit != "weeks":
        raise ValueError("weekdays go with a cadence in weeks")
    length = cadence.nominal_length()
    if not MIN_PERIOD <= length <= MAX_PERIOD:
        raise ValueError("a cadence must be between one hour and one year")
    return cadence


def schedule(cadence: Cadence | None, phases: list[tuple[Cadence, int | None]]) -> tuple[Phase, ...]:
    """The phases of a version: its taper, then the steady cadence, open-ended."""
    result = [Phase(c, days) for c, days in phases]
    if not result or result[-1].days is not None:
        if cadence is None:
            raise ValueError("the last phase has a length, so a cadence must follow it")
        result.append(Phase(cadence, None))
    elif cadence is not None:
        raise ValueError("the last phase is open-ended, so it already is the cadence that continues")
    return tuple(result)


def schedule_of(cadence: dict | None, phases: list[dict]) -> tuple[Phase, ...]:
    """The schedule of a version from its stored (API) form."""
    steady = cadence_from_dict(cadence) if cadence else None
    return schedule(steady, [(cadence_from_dict(p["cadence"]), p.get("days")) for p in phases])


def has_response_time(phases: tuple[Phase, ...]) -> bool:
    """Whether a schedule measures responses to incidents, so that incidents are reported
    under it."""
    return any(isinstance(phase.cadence, ResponseTime) for phase in phases)


def phase_spans(phases: tuple[Phase, ...], start: datetime, end: datetime | None):
    """(phase, span start, span end or None) for each phase that begins before `end`."""
    cursor = start
    for phase in phases:
        if end is not None and cursor >= end:
            return
        phase_end = cursor + timedelta(days=phase.days) if phase.days is not None else None
        if end is not None and (phase_end is None or phase_end > end):
            phase_end = end
        yield phase, cursor, phase_end
        if phase_end is None:
            return
        cursor = phase_end


def _periods_before(cadence: Periodic, anchor: datetime, since: datetime | None, period: timedelta) -> int:
    """How many whole periods can be skipped to reach `since` (two spare, for DST shifts)."""
    if since is None or since <= anchor:
        return 0
    if cadence.unit == "months" and not cadence.weekdays:
        delta = relativedelta(since, anchor)
        return max(0, (delta.years * 12 + delta.months) // cadence.every - 2)
    return max(0, int((since - anchor) / period) - 2)


def occurrences(cadence: Periodic, anchor: datetime, since: datetime | None = None) -> Iterator[datetime]:
    """Every scheduled start from `anchor` on, in UTC, without end.

    With `since`, the first one yielded is at most a period or two before `since`: the
    occurrences before it are skipped without being computed.
    """
    if not cadence.weekdays:
        k = _periods_before(cadence, anchor, since, cadence.nominal_length())
        # Hours count elapsed time; days, weeks and months keep the local time of day.
        base = anchor.astimezone(timezone.utc) if cadence.unit == "hours" else anchor
        while True:
            yield (base + cadence.step(k)).astimezone(timezone.utc)
            k += 1
    week_start = anchor - timedelta(days=anchor.weekday())
    week = _periods_before(cadence, anchor, since, timedelta(weeks=cadence.every))
    while True:
        for day in cadence.weekdays:
            moment = week_start + timedelta(days=7 * cadence.every * week + day)
            if moment >= anchor:
                yield moment.astimezone(timezone.utc)
        week += 1


def periodic_windows(
    cadence: Periodic, anchor: datetime, span_end: datetime | None, since: datetime | None = None
) -> Iterator[Window]:
    """The windows of one phase, from `anchor` (aware, in the protocol's zone) to `span_end`.

    With `since`, windows ending well before it are skipped without being computed.
    """
    upcoming = occurrences(cadence, anchor, since)
    current = next(upcoming)
    for following in upcoming:
        if span_end is not None and current >= span_end:
            return
        end = following if span_end is None else min(following, span_end)
        yield Window(current, end, cadence)
        current = following
