"""Calendar feeds of protocols: one protocol, or every protocol a person is named in."""

from datetime import timedelta

from mediation.access import Actor
from mediation.parties import Person
from protocols import calendar
from protocols.compliance import expectations
from protocols.models import mentioned_people
from protocols.models import named_people
from protocols.queries import activations_of
from protocols.queries import get_protocol
from protocols.queries import versions_of
from protocols.queries import visible_protocols

RECENT = timedelta(days=90)


def _events(protocols, now, person_id: int | None = None) -> list:
    """Events of every version in force lately; with `person_id`, only of versions naming them."""
    ids = [p.id for p in protocols]
    versions = versions_of(ids)
    activations = activations_of(ids)
    mentioned = set()
    for version_list in versions.values():
        for v in version_list:
            mentioned |= mentioned_people(v)
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(mentioned)))} if mentioned else {}
    events = []
    for protocol in protocols:
        by_number = {v.number: v for v in versions[protocol.id]}
        for expectation in expectations(protocol, versions[protocol.id], activations[protocol.id]):
            if expectation.end is not None and expectation.end < now - RECENT:
                continue
            if person_id is not None and person_id not in named_people(by_number[expectation.version]):
                continue
            events += calendar.events_for(protocol, protocol.project.name, by_number[expectation.version],
                                          expectation, people)
    return events


def protocol_feed(actor: Actor, clock, protocol_id: int) -> bytes:
    protocol = get_protocol(actor, protocol_id)
    name = f"{protocol.project.name}: {protocol.scenario.replace('_', ' ')}"
    return calendar.calendar(name, _events([protocol], clock.now()))


def person_feed(actor: Actor, clock) -> bytes:
    """The events of every version in force lately that names the caller as a point person
    or a backup, across the protocols they may see."""
    name = f"Accord protocols of {actor.person.name}"
    return calendar.calendar(name, _events(list(visible_protocols(actor)), clock.now(), person_id=actor.person_id))
