"""Protocols as iCalendar feeds: one recurring event per phase of each agreed version,
so point people can subscribe and see when contact is due."""

from datetime import timedelta
from datetime import timezone

from icalendar import Calendar
from icalendar import Event
from icalendar import vCalAddress
from icalendar import vRecur

from protocols.cadence import WEEKDAYS
from protocols.cadence import Periodic
from protocols.cadence import occurrences
from protocols.cadence import phase_spans

FREQUENCIES = {"hours": "HOURLY", "days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY"}
EVENT_LENGTH = timedelta(minutes=30)


def rrule(cadence: Periodic, first, until) -> vRecur:
    rule = vRecur(FREQ=FREQUENCIES[cadence.unit], INTERVAL=cadence.every)
    if cadence.weekdays:
        rule["BYDAY"] = [WEEKDAYS[d][:2].upper() for d in cadence.weekdays]
    if cadence.unit == "months" and first.day > 28:
        # The cadence falls on the month's last day when it is shorter: pick the latest
        # of the days from the 28th up to the anchor's that the month has.
        rule["BYMONTHDAY"] = list(range(28, first.day + 1))
        rule["BYSETPOS"] = -1
    if until is not None:
        rule["UNTIL"] = until
    return rule


def _attendee(person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    address.params["ROLE"] = "REQ-PARTICIPANT"
    return address


def events_for(protocol, project_name: str, version, expectation, people: dict) -> list[Event]:
    """The recurring events of one agreed version over one interval it is in force."""
    events = []
    spans = phase_spans(expectation.phases, expectation.start, expectation.end)
    for index, (phase, span_start, span_end) in enumerate(spans):
        if not isinstance(phase.cadence, Periodic):
            continue
        # Hours count elapsed time (protocols.cadence): written in UTC, a calendar expands
        # them the same way; the other units keep the local time of day in the zone.
        zone = timezone.utc if phase.cadence.unit == "hours" else span_start.tzinfo
        first = next(occurrences(phase.cadence, span_start)).astimezone(zone)
        if span_end is not None and first >= span_end:
            continue
        event = Event()
        event.add("uid", f"protocol-{protocol.id}-v{version.number}-{first:%Y%m%dT%H%M%S}-{index}@accord")
        event.add("summary", f"{project_name}: {protocol.scenario.replace('_', ' ')} ({version.channel})")
        event.add("dtstart", first)
        event.add("duration", EVENT_LENGTH)
        event.add("dtstamp", version.in_force_from)
        until = (span_end - timedelta(seconds=1)).astimezone(timezone.utc) if span_end else None
        event.add("rrule", rrule(phase.cadence, first, until))
        description = [version.agenda or "No agenda agreed.", f"Channel: {version.channel}."]
        for step in version.escalation:
            person = people.get(step["person_id"])
            if person:
                description.append(f"Escalate to {person.name} (answer within {step['respond_within_hours']} h).")
        event.add("description", "\n".join(description))
        for person_id in (version.supplier_point_person_id, version.customer_point_person_id):
            if person_id in people:
                event.add("attendee", _attendee(people[person_id]))
        event.add("categories", [protocol.scenario])
        events.append(event)
    return events


def calendar(name: str, events: list[Event]) -> bytes:
    feed = Calendar()
    feed.add("prodid", "-//Accord//Communication protocols//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    for event in events:
        feed.add_component(event)
    feed.add_missing_timezones()
    return feed.to_ical()
