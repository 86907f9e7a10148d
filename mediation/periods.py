"""The ranges of time a reader asks figures over: one rule for their defaults and their
limits, for compliance, the relationship and its air traffic."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from mediation.errors import Invalid

MAX_RANGE = timedelta(days=731)
# What "the last 12 months" means when a reader names no range.
YEAR = timedelta(days=365)


def check_range(start: datetime, end: datetime) -> None:
    """Invalid unless [start, end) runs forwards and covers at most MAX_RANGE."""
    if start >= end:
        raise Invalid.field("from", "must be before 'to'")
    if end - start > MAX_RANGE:
        raise Invalid.field("to", "a range covers at most two years")


def last_year(now: datetime, start: datetime | None = None, end: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end), by default the 12 months up to now; either end may be named alone."""
    end = end or (start + YEAR if start else now)
    start = start or end - YEAR
    check_range(start, end)
    return start, end


def days_by_week(start: datetime, end: datetime) -> dict[date, str]:
    """Each UTC day of [start, end), in order, with the ISO week it falls in, such as 2026-W48."""
    day = start.astimezone(timezone.utc).date()
    last = (end.astimezone(timezone.utc) - timedelta(microseconds=1)).date()
    found = {}
    while day <= last:
        year, week, _ = day.isocalendar()
        found[day] = f"{year}-W{week:02d}"
        day += timedelta(days=1)
    return found
