"""The range of time figures are asked over."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from zoneinfo import ZoneInfo

import pytest

from mediation.errors import Invalid
from mediation.periods import YEAR
from mediation.periods import days_by_week
from mediation.periods import last_year

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc)


def test_no_range_named_is_the_twelve_months_up_to_now():
    assert last_year(NOW) == (NOW - YEAR, NOW)


def test_a_start_alone_runs_twelve_months_on_and_an_end_alone_twelve_months_back():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert last_year(NOW, start=start) == (start, start + YEAR)
    assert last_year(NOW, end=start) == (start - YEAR, start)


@pytest.mark.parametrize("start, end, field", [
    (NOW, NOW, "from"),
    (NOW, NOW - timedelta(seconds=1), "from"),
    (NOW - timedelta(days=732), NOW, "to"),
])
def test_a_backwards_empty_or_over_long_range_names_the_field_at_fault(start, end, field):
    with pytest.raises(Invalid) as refused:
        last_year(NOW, start, end)
    assert list(refused.value.errors) == [field]


def test_each_utc_day_of_a_range_falls_in_its_iso_week():
    found = days_by_week(datetime(2026, 12, 27, 23, tzinfo=timezone.utc), datetime(2027, 1, 5, 0, 30, tzinfo=timezone.utc))
    assert list(found) == [date(2026, 12, 27) + timedelta(days=n) for n in range(10)]
    assert list(dict.fromkeys(found.values())) == ["2026-W52", "2026-W53", "2027-W01"]
    assert found[date(2027, 1, 3)] == "2026-W53" and found[date(2027, 1, 4)] == "2027-W01"


def test_days_are_those_of_utc_whatever_zone_the_range_is_given_in():
    berlin = ZoneInfo("Europe/Berlin")
    found = days_by_week(datetime(2026, 3, 2, 0, 30, tzinfo=berlin), datetime(2026, 3, 3, 0, 30, tzinfo=berlin))
    assert list(found) == [date(2026, 3, 1), date(2026, 3, 2)]
