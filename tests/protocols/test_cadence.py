"""Cadences and their windows (protocols.cadence), by example.

The module docstring is the specification: a periodic cadence expects one contact per
window; windows start at scheduled occurrences (every N hours, days, weeks or months from
the anchor, or on listed weekdays at the anchor's time of day in every Nth week counted
from the anchor's week); a window runs to the next occurrence and is cut short where its
phase ends; hours are elapsed time, while days, weeks and months are wall-clock in the
anchor's time zone (the local time of day survives daylight-saving changes). A
response-time cadence expects a first contact within H hours of an incident. DESIGN.md and
issue 3 add: a cadence lies between one hour and one year; phases form a taper that ends in
an open-ended cadence.
"""

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from protocols.cadence import Periodic
from protocols.cadence import Phase
from protocols.cadence import ResponseTime
from protocols.cadence import Window
from protocols.cadence import cadence_from_dict
from protocols.cadence import occurrences
from protocols.cadence import periodic_windows
from protocols.cadence import phase_spans
from protocols.cadence import schedule

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def first(n, iterator) -> list:
    return list(islice(iterator, n))


def windows_of(phases, start, end):
    """Every window of a schedule from `start` to `end`, phase after phase."""
    result = []
    for phase, span_start, span_end in phase_spans(phases, start, end):
        result += list(periodic_windows(phase.cadence, span_start, span_end))
    return result


def local(moments, zone=BERLIN) -> list[str]:
    return [m.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for m in moments]


# --- parsing and validation ---------------------------------------------------------------


def test_a_periodic_cadence_is_every_n_units():
    assert cadence_from_dict({"every": 2, "unit": "days"}) == Periodic(2, "days")
    assert cadence_from_dict({"every": 3, "unit": "hours"}) == Periodic(3, "hours")
    assert cadence_from_dict({"every": 1, "unit": "months"}) == Periodic(1, "months")


def test_weekdays_are_sorted_and_deduplicated_and_round_trip():
    cadence = cadence_from_dict({"every": 1, "unit": "weeks", "weekdays": ["thu", "mon", "thu"]})
    assert cadence == Periodic(1, "weeks", (MON, THU))
    assert cadence.as_dict() == {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}
    assert cadence_from_dict(cadence.as_dict()) == cadence


def test_a_cadence_without_weekdays_round_trips_without_them():
    assert Periodic(2, "weeks").as_dict() == {"every": 2, "unit": "weeks"}
    assert cadence_from_dict({"every": 2, "unit": "weeks", "weekdays": []}) == Periodic(2, "weeks")


def test_a_response_time_is_hours_from_the_incident():
    cadence = cadence_from_dict({"respond_within_hours": 4})
    assert cadence == ResponseTime(4)
    assert cadence.as_dict() == {"respond_within_hours": 4}
    assert cadence.nominal_length() == timedelta(hours=4)


@pytest.mark.parametrize("data", [
    {"every": 1, "unit": "hours"},
    {"every": 8784, "unit": "hours"},  # 366 days
    {"every": 366, "unit": "days"},
    {"every": 52, "unit": "weeks"},
    {"every": 52, "unit": "weeks", "weekdays": ["mon", "fri"]},
    {"every": 12, "unit": "months"},
    {"respond_within_hours": 1},
    {"respond_within_hours": 24 * 366},
])
def test_cadences_from_one_hour_to_one_year_are_accepted(data):
    assert cadence_from_dict(data).as_dict() == data


@pytest.mark.parametrize("data", [
    {"every": 0, "unit": "hours"},
    {"every": 0, "unit": "days"},
    {"every": 8785, "unit": "hours"},
    {"every": 367, "unit": "days"},
    {"every": 53, "unit": "weeks"},
    {"every": 13, "unit": "months"},
    {"every": 24, "unit": "months"},
])
def test_cadences_shorter_than_an_hour_or_longer_than_a_year_are_refused(data):
    with pytest.raises(ValueError, match="between one hour and one year"):
        cadence_from_dict(data)


@pytest.mark.parametrize("hours", [0, 24 * 366 + 1])
def test_response_times_outside_one_hour_to_one_year_are_refused(hours):
    with pytest.raises(ValueError, match="respond_within_hours"):
        cadence_from_dict({"respond_within_hours": hours})


@pytest.mark.parametrize("unit", ["hours", "days", "months"])
def test_weekdays_only_go_with_weeks(unit):
    with pytest.raises(ValueError, match="weekdays"):
        cadence_from_dict({"every": 1, "unit": unit, "weekdays": ["mon"]})


def test_nominal_lengths():
    assert Periodic(6, "hours").nominal_length() == timedelta(hours=6)
    assert Periodic(2, "days").nominal_length() == timedelta(days=2)
    assert Periodic(2, "weeks", (MON, THU)).nominal_length() == timedelta(weeks=2)
    assert Periodic(3, "months").nominal_length() == timedelta(days=90)


# --- schedules and phases -----------------------------------------------------------------


DAILY = Periodic(1, "days")
TWICE_A_WEEK = Periodic(1, "weeks", (MON, THU))
WEEKLY = Periodic(1, "weeks")


def test_a_cadence_alone_is_one_open_ended_phase():
    assert schedule(WEEKLY, []) == (Phase(WEEKLY, None),)


def test_a_taper_ends_in_the_steady_cadence():
    phases = schedule(WEEKLY, [(DAILY, 14), (TWICE_A_WEEK, 28)])
    assert phases == (Phase(DAILY, 14), Phase(TWICE_A_WEEK, 28), Phase(WEEKLY, None))


def test_a_taper_whose_last_phase_is_open_ended_needs_no_cadence():
    assert schedule(None, [(DAILY, 14), (WEEKLY, None)]) == (Phase(DAILY, 14), Phase(WEEKLY, None))


def test_a_schedule_must_end_open_ended_exactly_once():
    with pytest.raises(ValueError, match="a cadence must follow"):
        schedule(None, [(DAILY, 14)])
    with pytest.raises(ValueError, match="a cadence must follow"):
        schedule(None, [])
    with pytest.raises(ValueError, match="already is the cadence"):
        schedule(WEEKLY, [(DAILY, None)])


def test_phase_spans_follow_one_another_and_stop_at_the_end():
    phases = schedule(WEEKLY, [(DAILY, 14), (TWICE_A_WEEK, 28)])
    start = utc(2026, 3, 2, 9)
    assert list(phase_spans(phases, start, None)) == [
        (Phase(DAILY, 14), start, utc(2026, 3, 16, 9)),
        (Phase(TWICE_A_WEEK, 28), utc(2026, 3, 16, 9), utc(2026, 4, 13, 9)),
        (Phase(WEEKLY, None), utc(2026, 4, 13, 9), None),
    ]
    # An end inside the second phase cuts it and drops the third.
    assert list(phase_spans(phases, start, utc(2026, 3, 20))) == [
        (Phase(DAILY, 14), start, utc(2026, 3, 16, 9)),
        (Phase(TWICE_A_WEEK, 28), utc(2026, 3, 16, 9), utc(2026, 3, 20)),
    ]
    assert list(phase_spans(phases, start, start)) == []


def test_phase_lengths_are_calendar_days_in_the_anchors_zone():
    # 14 days from 09:00 on 16 March in Berlin end at 09:00 on 30 March, after the spring change.
    phases = schedule(WEEKLY, [(DAILY, 14)])
    (_, _, end), _ = phase_spans(phases, berlin(2026, 3, 16, 9), None)
    assert local([end]) == ["Mon 2026-03-30 09:00"]
    assert end.astimezone(UTC) - berlin(2026, 3, 16, 9).astimezone(UTC) == timedelta(days=14, hours=-1)


def test_the_onboarding_taper_daily_for_two_weeks_then_twice_a_week_then_weekly():
    anchor = utc(2026, 3, 2, 9)  # a Monday
    phases = schedule(WEEKLY, [(DAILY, 14), (TWICE_A_WEEK, 28)])
    windows = windows_of(phases, anchor, utc(2026, 5, 1))
    starts = [w.start for w in windows]

    assert starts[:14] == [anchor + timedelta(days=d) for d in range(14)]
    assert local(starts[14:22], UTC) == [
        "Mon 2026-03-16 09:00", "Thu 2026-03-19 09:00", "Mon 2026-03-23 09:00", "Thu 2026-03-26 09:00",
        "Mon 2026-03-30 09:00", "Thu 2026-04-02 09:00", "Mon 2026-04-06 09:00", "Thu 2026-04-09 09:00",
    ]
    assert local(starts[22:], UTC) == [
        "Mon 2026-04-13 09:00", "Mon 2026-04-20 09:00", "Mon 2026-04-27 09:00",
    ]
    assert [w.cadence for w in windows] == [DAILY] * 14 + [TWICE_A_WEEK] * 8 + [WEEKLY] * 3
    # Windows tile the span: each ends where the next begins; the last is cut at the end.
    assert all(a.end == b.start for a, b in zip(windows, windows[1:]))
    assert windows[-1].end == utc(2026, 5, 1)


def test_a_window_is_cut_short_where_its_phase_ends():
    anchor = utc(2026, 3, 4, 9)  # a Wednesday
    phases = schedule(WEEKLY, [(TWICE_A_WEEK, 10)])  # ends Saturday 14 March, 09:00
    windows = windows_of(phases, anchor, utc(2026, 3, 22))
    assert [(w.start, w.end) for w in windows] == [
        # Nothing is scheduled between Wednesday 09:00 and the first Thursday.
        (utc(2026, 3, 5, 9), utc(2026, 3, 9, 9)),
        (utc(2026, 3, 9, 9), utc(2026, 3, 12, 9)),
        (utc(2026, 3, 12, 9), utc(2026, 3, 14, 9)),  # cut short: the phase ends on Saturday
        (utc(2026, 3, 14, 9), utc(2026, 3, 21, 9)),  # the weekly phase, anchored where it begins
        (utc(2026, 3, 21, 9), utc(2026, 3, 22)),
    ]


def test_windows_stop_at_the_end_of_the_span():
    windows = list(periodic_windows(DAILY, utc(2026, 3, 2, 9), utc(2026, 3, 4, 9)))
    assert windows == [
        Window(utc(2026, 3, 2, 9), utc(2026, 3, 3, 9), DAILY),
        Window(utc(2026, 3, 3, 9), utc(2026, 3, 4, 9), DAILY),
    ]
    assert list(periodic_windows(DAILY, utc(2026, 3, 2, 9), utc(2026, 3, 2, 9))) == []


def test_open_ended_windows_go_on():
    windows = first(400, periodic_windows(DAILY, utc(2026, 3, 2, 9), None))
    assert windows[-1] == Window(utc(2027, 4, 5, 9), utc(2027, 4, 6, 9), DAILY)


# --- occurrences --------------------------------------------------------------------------


def test_hourly_occurrences():
    starts = first(5, occurrences(Periodic(6, "hours"), utc(2026, 3, 2, 9, 30)))
    assert local(starts, UTC) == [
        "Mon 2026-03-02 09:30", "Mon 2026-03-02 15:30", "Mon 2026-03-02 21:30",
        "Tue 2026-03-03 03:30", "Tue 2026-03-03 09:30",
    ]


def test_occurrences_are_in_utc():
    for moment in first(3, occurrences(WEEKLY, berlin(2026, 3, 2, 9))):
        assert moment.utcoffset() == timedelta(0)


def test_weekdays_are_at_the_anchors_time_of_day_from_the_anchor_on():
    anchor = utc(2026, 3, 4, 14, 30)  # Wednesday afternoon
    starts = first(5, occurrences(Periodic(1, "weeks", (MON, WED, FRI)), anchor))
    # Monday of the anchor's week is before the anchor; Wednesday 14:30 is the anchor itself.
    assert local(starts, UTC) == [
        "Wed 2026-03-04 14:30", "Fri 2026-03-06 14:30",
        "Mon 2026-03-09 14:30", "Wed 2026-03-11 14:30", "Fri 2026-03-13 14:30",
    ]


def test_every_second_week_counts_weeks_from_the_anchors_week():
    anchor = utc(2026, 3, 4, 9)  # Wednesday of the week of 2 March
    starts = first(6, occurrences(Periodic(2, "weeks", (MON, FRI)), anchor))
    assert local(starts, UTC) == [
        "Fri 2026-03-06 09:00",  # the anchor's week, from the anchor on
        "Mon 2026-03-16 09:00", "Fri 2026-03-20 09:00",  # two weeks on
        "Mon 2026-03-30 09:00", "Fri 2026-04-03 09:00",
        "Mon 2026-04-13 09:00",
    ]


def test_every_second_week_when_nothing_is_left_in_the_anchors_week():
    anchor = utc(2026, 3, 6, 9)  # Friday
    starts = first(3, occurrences(Periodic(2, "weeks", (MON, WED)), anchor))
    assert local(starts, UTC) == ["Mon 2026-03-16 09:00", "Wed 2026-03-18 09:00", "Mon 2026-03-30 09:00"]


def test_every_three_weeks_without_weekdays():
    starts = first(3, occurrences(Periodic(3, "weeks"), utc(2026, 3, 5, 9)))
    assert starts == [utc(2026, 3, 5, 9), utc(2026, 3, 26, 9), utc(2026, 4, 16, 9)]


# --- months -------------------------------------------------------------------------------


def test_monthly_on_the_same_day():
    starts = first(4, occurrences(Periodic(1, "months"), utc(2026, 1, 15, 9)))
    assert starts == [utc(2026, 1, 15, 9), utc(2026, 2, 15, 9), utc(2026, 3, 15, 9), utc(2026, 4, 15, 9)]


def test_monthly_from_the_31st_falls_on_the_last_day_of_shorter_months_and_comes_back():
    starts = first(6, occurrences(Periodic(1, "months"), utc(2026, 1, 31, 9)))
    assert starts == [
        utc(2026, 1, 31, 9), utc(2026, 2, 28, 9), utc(2026, 3, 31, 9),
        utc(2026, 4, 30, 9), utc(2026, 5, 31, 9), utc(2026, 6, 30, 9),
    ]


def test_quarterly():
    starts = first(5, occurrences(Periodic(3, "months"), utc(2025, 11, 30, 9)))
    assert starts == [utc(2025, 11, 30, 9), utc(2026, 2, 28, 9), utc(2026, 5, 30, 9),
                      utc(2026, 8, 30, 9), utc(2026, 11, 30, 9)]


def test_monthly_windows_are_as_long_as_the_months():
    windows = list(periodic_windows(Periodic(1, "months"), utc(2026, 1, 10), utc(2026, 5, 10)))
    assert [w.end - w.start for w in windows] == [timedelta(days=d) for d in (31, 28, 31, 30)]


# --- wall-clock time across daylight saving time (Europe/Berlin) ---------------------------


def test_daily_stays_at_nine_in_berlin_across_the_spring_change():
    windows = list(periodic_windows(DAILY, berlin(2026, 3, 27, 9), berlin(2026, 3, 31, 9)))
    assert local([w.start for w in windows]) == [
        "Fri 2026-03-27 09:00", "Sat 2026-03-28 09:00", "Sun 2026-03-29 09:00", "Mon 2026-03-30 09:00",
    ]
    assert [w.start.hour for w in windows] == [8, 8, 7, 7]  # UTC
    assert [w.end - w.start for w in windows] == [timedelta(hours=h) for h in (24, 23, 24, 24)]


def test_daily_stays_at_nine_in_berlin_across_the_autumn_change():
    windows = list(periodic_windows(DAILY, berlin(2026, 10, 23, 9), berlin(2026, 10, 27, 9)))
    assert local([w.start for w in windows]) == [
        "Fri 2026-10-23 09:00", "Sat 2026-10-24 09:00", "Sun 2026-10-25 09:00", "Mon 2026-10-26 09:00",
    ]
    assert [w.end - w.start for w in windows] == [timedelta(hours=h) for h in (24, 25, 24, 24)]


def test_weekdays_and_months_keep_their_local_time_across_both_changes():
    weekdays = first(60, occurrences(Periodic(1, "weeks", (TUE, THU)), berlin(2026, 3, 3, 10, 30)))
    assert {m.astimezone(BERLIN).strftime("%a %H:%M") for m in weekdays} == {"Tue 10:30", "Thu 10:30"}
    assert {m.astimezone(UTC).hour for m in weekdays} == {8, 9}
    monthly = first(12, occurrences(Periodic(1, "months"), berlin(2026, 1, 31, 18)))
    assert [m.astimezone(BERLIN).strftime("%m-%d %H:%M") for m in monthly] == [
        "01-31 18:00", "02-28 18:00", "03-31 18:00", "04-30 18:00", "05-31 18:00", "06-30 18:00",
        "07-31 18:00", "08-31 18:00", "09-30 18:00", "10-31 18:00", "11-30 18:00", "12-31 18:00",
    ]


def test_a_weekly_window_across_a_change_is_an_hour_shorter_or_longer():
    spring = list(periodic_windows(WEEKLY, berlin(2026, 3, 23, 9), berlin(2026, 4, 6, 9)))
    autumn = list(periodic_windows(WEEKLY, berlin(2026, 10, 19, 9), berlin(2026, 11, 2, 9)))
    week = timedelta(weeks=1)
    assert [w.end - w.start for w in spring] == [week - timedelta(hours=1), week]
    assert [w.end - w.start for w in autumn] == [week + timedelta(hours=1), week]


def test_hourly_windows_in_berlin_are_never_empty_across_the_spring_change():
    # 02:30 does not exist on 29 March 2026 in Berlin. A window runs from one occurrence to
    # the *next* one, so none may be empty: an empty window is one nobody could meet, and
    # compliance would count it as missed.
    windows = list(periodic_windows(Periodic(1, "hours"), berlin(2026, 3, 28, 22, 30), berlin(2026, 3, 29, 8)))
    assert [w for w in windows if w.end <= w.start] == []
    assert all(a.end == b.start for a, b in zip(windows, windows[1:]))


@pytest.mark.parametrize("night", [berlin(2026, 3, 28, 20, 30), berlin(2026, 10, 24, 20, 30)], ids=["spring", "autumn"])
def test_hours_are_elapsed_time_across_both_changes(night):
    windows = list(periodic_windows(Periodic(3, "hours"), night, night.astimezone(UTC) + timedelta(hours=48)))
    assert {w.end - w.start for w in windows} == {timedelta(hours=3)}
    assert windows[0].start == night.astimezone(UTC)
    assert len(windows) == 16


# --- skipping to `since` ------------------------------------------------------------------


# cadence, anchor, and the step by which `since` moves over 320 days (both clock changes):
# steps are chosen to fall on occurrences, just after them and in between.
SKIPPING_CASES = {
    "every 5 hours, UTC": (Periodic(5, "hours"), utc(2026, 3, 2, 9, 15), timedelta(hours=2)),
    "every 3 hours, Berlin": (Periodic(3, "hours"), berlin(2026, 3, 20, 0, 30), timedelta(hours=7, minutes=15)),
    "daily, Berlin": (DAILY, berlin(2026, 3, 2, 9), timedelta(hours=3, minutes=10)),
    "every 2 days, UTC": (Periodic(2, "days"), utc(2026, 3, 2, 23, 59), timedelta(hours=5)),
    "weekly, Berlin": (WEEKLY, berlin(2026, 3, 5, 9), timedelta(hours=7)),
    "Mon/Thu, Berlin": (TWICE_A_WEEK, berlin(2026, 3, 4, 9), timedelta(hours=3)),
    "Wed every 2 weeks from a Monday": (Periodic(2, "weeks", (WED,)), utc(2026, 3, 2, 9), timedelta(hours=5)),
    "Sun every 3 weeks from a Saturday": (Periodic(3, "weeks", (SUN,)), berlin(2026, 3, 7, 18), timedelta(hours=11)),
    "monthly from the 31st, Berlin": (Periodic(1, "months"), berlin(2026, 1, 31, 9), timedelta(hours=13)),
    "every 2 months, UTC": (Periodic(2, "months"), utc(2026, 1, 30, 0, 30), timedelta(hours=17)),
}


@pytest.mark.parametrize("case", SKIPPING_CASES, ids=list(SKIPPING_CASES))
def test_starting_from_since_gives_the_same_windows_as_starting_from_the_anchor(case):
    cadence, anchor, step = SKIPPING_CASES[case]
    horizon = anchor + timedelta(days=320)  # spans both daylight saving changes
    full = list(periodic_windows(cadence, anchor, horizon))
    position = {window: i for i, window in enumerate(full)}
    since = anchor - timedelta(days=3)
    while since < horizon - timedelta(days=62):
        skipped = first(4, periodic_windows(cadence, anchor, horizon, since))
        index = position[skipped[0]]
        # Only windows that ended by `since` may be left out, and nothing else is.
        assert all(w.end <= since for w in full[:index]), f"a window ending after {since} was skipped"
        assert skipped == full[index:index + 4], f"different windows from {since}"
        since += step


@pytest.mark.parametrize("case", SKIPPING_CASES, ids=list(SKIPPING_CASES))
def test_skipped_occurrences_are_a_suffix_of_all_occurrences(case):
    cadence, anchor, _ = SKIPPING_CASES[case]
    everything = first(400, occurrences(cadence, anchor))
    for moment in everything[:380:7]:
        since = moment + timedelta(minutes=1)
        from_since = first(20, occurrences(cadence, anchor, since))
        assert from_since[0] <= since
        index = everything.index(from_since[0])
        assert from_since == everything[index:index + 20]
