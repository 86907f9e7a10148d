"""The range of time figures are asked over."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from mediation.errors import Invalid
from mediation.periods import YEAR
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
