"""Calendar feeds (protocols.calendar, protocols.feeds), read back as a calendar would.

Issue 3, point 5: recurring events whose rules follow the cadence and its phases, with the
point people as attendees, the agenda as description, and time zones; re-agreeing a
protocol changes the feed. "Done when": a feed parses with `icalendar` and its
recurrences match the agreed cadence.

Each feed is parsed with icalendar.Calendar.from_ical, each VEVENT's RRULE is expanded
with dateutil (as calendar software does, from its DTSTART and TZID), and the occurrences
are compared with the starts of the windows protocols.cadence computes for the same span.
"""

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from itertools import takewhile
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from protocols import calendar
from protocols import compliance
from protocols import feeds
from protocols import queries
from protocols import services
from protocols.cadence import Periodic
from protocols.cadence import Phase
from protocols.cadence import ResponseTime
from protocols.cadence import periodic_windows
from protocols.cadence import phase_spans
from protocols.compliance import Expectation

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
DAILY = Periodic(1, "days")
WEEKLY = Periodic(1, "weeks")
TWICE_A_WEEK = Periodic(1, "weeks", (MON, THU))


# --- reading a feed back -------------------------------------------------------------------


def parse(feed: bytes) -> list:
    """The VEVENTs of a feed, after checking it is a calendar icalendar can read."""
    parsed = Calendar.from_ical(feed)
    assert parsed.name == "VCALENDAR"
    assert str(parsed["version"]) == "2.0"
    return list(parsed.walk("VEVENT"))


def expand(event, horizon: datetime) -> list[datetime]:
    """The occurrences of one event before `horizon`, in UTC, from its DTSTART and RRULE."""
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    return [moment.astimezone(UTC) for moment in takewhile(lambda m: m < horizon, rule)]


def occurrences(feed: bytes, horizon: datetime) -> list[datetime]:
    return sorted(moment for event in parse(feed) for moment in expand(event, horizon))


def window_starts(expectations, horizon: datetime) -> list[datetime]:
    """Where protocols.cadence opens a window, for every expectation, before `horizon`."""
    starts = []
    for expectation in expectations:
        for phase, span_start, span_end in phase_spans(expectation.phases, expectation.start, expectation.end):
            if not isinstance(phase.cadence, Periodic) or span_start >= horizon:
                continue
            stop = horizon if span_end is None else min(span_end, horizon)
            starts += [w.start for w in periodic_windows(phase.cadence, span_start, stop)]
    return sorted(starts)


# --- feeds of stand-in protocols ----------------------------------------------------------

ALICE = SimpleNamespace(id=1, name="Alice Supplier", email="alice@northwind.example")
CARLA = SimpleNamespace(id=11, name="Carla Customer", email="carla@contoso.example")
BOB = SimpleNamespace(id=2, name="Bob Backup", email="bob@northwind.example")
PEOPLE = {p.id: p for p in (ALICE, CARLA, BOB)}
PROTOCOL = SimpleNamespace(id=7, scenario="executive_review")


def expectation(start, *phases, number=1, end=None) -> Expectation:
    return Expectation(number, start, end, tuple(phases), "video", frozenset({1, 2}), frozenset({11, 2}))


def agreed(number=1, agenda="Milestones, risks, next steps.", escalation=(), start=None):
    return SimpleNamespace(
        number=number, channel="video", agenda=agenda, escalation=list(escalation),
        in_force_from=start or datetime(2026, 3, 2, 9, tzinfo=UTC),
        supplier_point_person_id=ALICE.id, customer_point_person_id=CARLA.id,
    )


def feed(*expectations, version=None) -> bytes:
    events = []
    for e in expectations:
        events += calendar.events_for(PROTOCOL, "POS migration", version or agreed(e.version), e, PEOPLE)
    return calendar.calendar("POS migration: executive review", events)


def assert_recurrences_match(expectations, horizon):
    got = occurrences(feed(*expectations), horizon)
    expected = window_starts(expectations, horizon)
    assert expected, "the example must have windows"
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    assert (missing[:5], extra[:5]) == ([], []), "occurrences in the feed differ from the windows"
    assert got == expected


def test_a_weekly_protocol_recurs_weekly_for_a_year():
    weekly = expectation(datetime(2026, 3, 2, 9, tzinfo=UTC), Phase(WEEKLY, None))
    (event,) = parse(feed(weekly))
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY;INTERVAL=1"
    assert_recurrences_match([weekly], datetime(2027, 3, 2, tzinfo=UTC))


def test_a_taper_in_berlin_is_one_event_per_phase_and_keeps_local_time_across_both_changes():
    # Daily for two weeks, twice a week for four, then weekly: across 29 March and 25 October.
    taper = expectation(datetime(2026, 3, 20, 9, 30, tzinfo=BERLIN),
                        Phase(DAILY, 14), Phase(TWICE_A_WEEK, 28), Phase(WEEKLY, None))
    events = parse(feed(taper))
    assert [{k: v for k, v in e["rrule"].items() if k != "UNTIL"} for e in events] == [
        {"FREQ": ["DAILY"], "INTERVAL": [1]},
        {"FREQ": ["WEEKLY"], "INTERVAL": [1], "BYDAY": ["MO", "TH"]},
        {"FREQ": ["WEEKLY"], "INTERVAL": [1]},
    ]
    # The first two phases end: UNTIL in UTC, before the next phase begins.
    untils = [e["rrule"].get("UNTIL") for e in events]
    assert untils[2] is None
    assert untils[0][0] < datetime(2026, 4, 3, 9, 30, tzinfo=BERLIN) and untils[0][0].utcoffset() == timedelta(0)
    assert untils[1][0] < datetime(2026, 5, 1, 9, 30, tzinfo=BERLIN)
    # Each DTSTART is in Europe/Berlin, so a calendar keeps 09:30 in summer and in winter.
    for event in events:
        assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    horizon = datetime(2027, 1, 31, tzinfo=UTC)
    assert_recurrences_match([taper], horizon)
    assert {m.astimezone(BERLIN).strftime("%H:%M") for m in occurrences(feed(taper), horizon)} == {"09:30"}


def test_the_feed_carries_the_time_zone_it_uses():
    parsed = Calendar.from_ical(feed(expectation(datetime(2026, 3, 2, 9, tzinfo=NEW_YORK), Phase(WEEKLY, None))))
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]


def test_weekdays_in_every_second_week_counted_from_the_anchors_week():
    # Agreed on a Wednesday: Monday of that week has passed, Friday has not.
    fortnightly = expectation(datetime(2026, 3, 4, 16, tzinfo=NEW_YORK), Phase(Periodic(2, "weeks", (MON, FRI)), None))
    (event,) = parse(feed(fortnightly))
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"
    assert event.decoded("dtstart") == datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)
    assert_recurrences_match([fortnightly], datetime(2027, 3, 1, tzinfo=UTC))


def test_a_weekday_phase_that_ends_before_its_first_weekday_has_no_event():
    # Two days on Monday and Tuesday... from a Wednesday: nothing falls in the phase.
    taper = expectation(datetime(2026, 3, 4, 9, tzinfo=UTC),
                        Phase(Periodic(1, "weeks", (MON, TUE)), 2), Phase(WEEKLY, None))
    assert len(parse(feed(taper))) == 1
    assert_recurrences_match([taper], datetime(2026, 6, 1, tzinfo=UTC))


def test_every_eight_hours_in_utc():
    shifts = expectation(datetime(2026, 3, 2, 6, tzinfo=UTC), Phase(Periodic(8, "hours"), None))
    assert_recurrences_match([shifts], datetime(2026, 5, 1, tzinfo=UTC))


def test_every_five_hours_in_berlin_across_both_changes():
    # Hours are elapsed time (protocols.cadence): the feed must recur every five real hours.
    hourly = expectation(datetime(2026, 3, 27, 20, 30, tzinfo=BERLIN), Phase(Periodic(5, "hours"), None))
    assert_recurrences_match([hourly], datetime(2026, 11, 1, tzinfo=UTC))


def test_monthly_on_the_fifteenth_in_berlin():
    monthly = expectation(datetime(2026, 1, 15, 18, tzinfo=BERLIN), Phase(Periodic(1, "months"), None))
    assert_recurrences_match([monthly], datetime(2027, 1, 31, tzinfo=UTC))


def test_monthly_from_the_thirty_first_recurs_in_every_month():
    # The cadence falls on the last day of shorter months (28 February, 30 April...);
    # a calendar must show a contact due in those months too.
    monthly = expectation(datetime(2026, 1, 31, 10, tzinfo=BERLIN), Phase(Periodic(1, "months"), None))
    assert_recurrences_match([monthly], datetime(2027, 1, 31, tzinfo=UTC))


def test_quarterly_from_the_thirtieth_of_november():
    quarterly = expectation(datetime(2025, 11, 30, 10, tzinfo=UTC), Phase(Periodic(3, "months"), None))
    assert_recurrences_match([quarterly], datetime(2027, 1, 1, tzinfo=UTC))


def test_a_superseded_version_stops_where_its_successor_starts():
    change = datetime(2026, 4, 15, 12, tzinfo=UTC)
    v1 = expectation(datetime(2026, 3, 2, 9, tzinfo=BERLIN), Phase(TWICE_A_WEEK, None), end=change)
    v2 = expectation(change.astimezone(BERLIN), Phase(WEEKLY, None), number=2)
    events = parse(feed(v1, v2))
    assert [e["rrule"].get("UNTIL") is not None for e in events] == [True, False]
    assert max(expand(events[0], change + timedelta(days=30))) < change
    assert min(expand(events[1], change + timedelta(days=30))) == change
    assert_recurrences_match([v1, v2], datetime(2026, 9, 1, tzinfo=UTC))


def test_a_response_time_has_no_recurring_event():
    incidents = expectation(datetime(2026, 3, 2, 9, tzinfo=UTC), Phase(ResponseTime(4), None))
    assert parse(feed(incidents)) == []
    # A response-time phase in a taper only drops that phase.
    mixed = expectation(datetime(2026, 3, 2, 9, tzinfo=UTC), Phase(ResponseTime(4), 7), Phase(WEEKLY, None))
    (event,) = parse(feed(mixed))
    assert event.decoded("dtstart") == datetime(2026, 3, 9, 9, tzinfo=UTC)


def test_point_people_attend_and_the_description_holds_the_agenda():
    version = agreed(agenda="Cut-over status, open defects, store readiness.",
                     escalation=[{"person_id": BOB.id, "respond_within_hours": 8}])
    weekly = expectation(datetime(2026, 3, 2, 9, tzinfo=UTC), Phase(DAILY, 14), Phase(WEEKLY, None))
    events = parse(feed(weekly, version=version))
    assert len(events) == 2
    for event in events:
        attendees = event.get("attendee")
        assert sorted(str(a) for a in attendees) == ["mailto:alice@northwind.example", "mailto:carla@contoso.example"]
        assert sorted(a.params["CN"] for a in attendees) == ["Alice Supplier", "Carla Customer"]
        description = str(event["description"])
        assert "Cut-over status, open defects, store readiness." in description
        assert "Channel: video." in description
        assert "Bob Backup" in description and "8 h" in description
        assert "POS migration" in str(event["summary"]) and "executive review" in str(event["summary"])
        assert event.decoded("duration") > timedelta(0)
    assert len({str(e["uid"]) for e in events}) == 2


# --- feeds from the database --------------------------------------------------------------


def terms(world, **overrides) -> dict:
    values = dict(
        cadence={"every": 1, "unit": "weeks"},
        phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14},
                {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}, "days": 28}],
        channel="video",
        supplier_point_person_id=world.id("alice"),
        customer_point_person_id=world.id("carla"),
        backup_ids=[world.id("sam")],
        agenda="Cut-over status, open defects, store readiness.",
        escalation=[{"person_id": world.id("bob"), "respond_within_hours": 8}],
        timezone="Europe/Berlin",
    )
    values.update(overrides)
    return values


def agree(world, protocol_id: int, number: int) -> None:
    services.transition_version(world.actor("alice"), world.clock, protocol_id, number, trigger="propose")
    world.clock.advance(minutes=5)
    services.acknowledge(world.actor("alice"), world.clock, protocol_id, version=number)
    world.clock.advance(minutes=5)
    services.acknowledge(world.actor("carla"), world.clock, protocol_id, version=number)


def stored_expectations(protocol_id: int):
    protocol = queries.get_protocol(None, protocol_id)
    versions = queries.versions_of([protocol_id])[protocol_id]
    return compliance.expectations(protocol, versions, queries.activations_of([protocol_id])[protocol_id])


def test_a_protocol_feed_from_the_database_matches_its_windows(world):
    protocol = services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects["contoso"].id,
                                        scenario="onboarding", **terms(world))
    agree(world, protocol.id, 1)
    body = feeds.protocol_feed(world.actor("carla"), world.clock, protocol.id)

    events = parse(body)
    assert len(events) == 3  # daily, twice a week, weekly
    for event in events:
        assert event["dtstart"].params["TZID"] == "Europe/Berlin"
        assert sorted(str(a) for a in event.get("attendee")) == [
            "mailto:alice@northwind.example", "mailto:carla@contoso.example"]
        assert "Cut-over status, open defects, store readiness." in str(event["description"])
    horizon = world.clock.now() + timedelta(days=300)
    expected = window_starts(stored_expectations(protocol.id), horizon)
    assert occurrences(body, horizon) == expected
    assert expected[0] == world.clock.now()  # the daily phase starts when the second company acknowledges


def test_re_agreeing_a_protocol_changes_the_feed(world):
    protocol = services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects["contoso"].id,
                                        scenario="routine", **terms(world, phases=[]))
    agree(world, protocol.id, 1)
    before = occurrences(feeds.protocol_feed(world.actor("alice"), world.clock, protocol.id),
                         world.clock.now() + timedelta(days=120))
    world.clock.advance(days=20)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, phases=[], cadence={"every": 1, "unit": "weeks", "weekdays": ["tue", "fri"]}))
    agree(world, protocol.id, 2)
    change = world.clock.now()

    body = feeds.protocol_feed(world.actor("alice"), world.clock, protocol.id)
    horizon = change + timedelta(days=100)
    after = occurrences(body, horizon)
    assert after != before
    assert [m for m in after if m < change] == [m for m in before if m < change]
    assert {m.astimezone(BERLIN).strftime("%a") for m in after if m >= change} == {"Tue", "Fri"}
    assert after == window_starts(stored_expectations(protocol.id), horizon)


def test_a_persons_feed_holds_the_protocols_naming_them(world):
    contoso = services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects["contoso"].id,
                                       scenario="routine", **terms(world, phases=[]))
    agree(world, contoso.id, 1)
    fabrikam = services.create_protocol(
        world.actor("bob"), world.clock, project_id=world.projects["fabrikam"].id, scenario="routine",
        **terms(world, phases=[], supplier_point_person_id=world.id("bob"),
                customer_point_person_id=world.id("frank"), backup_ids=[], escalation=[]))
    services.transition_version(world.actor("bob"), world.clock, fabrikam.id, 1, trigger="propose")
    services.acknowledge(world.actor("bob"), world.clock, fabrikam.id, version=1)
    services.acknowledge(world.actor("frank"), world.clock, fabrikam.id, version=1)

    def uids(person):
        return {str(e["uid"]).split("-v")[0] for e in parse(feeds.person_feed(world.actor(person), world.clock))}

    assert uids("carla") == {f"protocol-{contoso.id}"}
    assert uids("sam") == {f"protocol-{contoso.id}"}  # a backup
    assert uids("frank") == {f"protocol-{fabrikam.id}"}
    assert uids("dev") == set()


def test_a_person_replaced_by_a_re_agreed_version_keeps_only_the_past_events(world):
    protocol = services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects["contoso"].id,
                                        scenario="routine", **terms(world, phases=[]))
    agree(world, protocol.id, 1)
    world.clock.advance(days=10)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, phases=[], customer_point_person_id=world.id("dev")))
    agree(world, protocol.id, 2)
    change = world.clock.now()
    horizon = change + timedelta(days=60)

    carla = parse(feeds.person_feed(world.actor("carla"), world.clock))
    assert all(max(expand(e, horizon), default=change) < change for e in carla)
    dev = parse(feeds.person_feed(world.actor("dev"), world.clock))
    assert dev and min(m for e in dev for m in expand(e, horizon)) >= change
    for event in dev:
        assert "mailto:dev@contoso.example" in {str(a) for a in event.get("attendee")}
