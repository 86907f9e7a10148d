"""The relationship with one customer (issue 13, "The relationship view"): the whole view
assembled from disputes and protocols, who may read it, what a customer's people see of
internal records (nothing), the timeline, and a number of queries that does not grow with
the number of disputes."""

from datetime import timedelta

import pytest

from mediation import services as mediation_services
from mediation.errors import Invalid
from mediation.errors import NotFound
from protocols import compliance_reading
from protocols import relationship as relationships
from protocols import services
from tests.mediation.test_balance import resolve_with
from tests.web.test_api_protocols import counting_queries

WEEKLY = {"every": 1, "unit": "weeks"}


def agreed_protocol(world, scenario="routine"):
    """A weekly Contoso protocol between alice and carla, in force from now."""
    alice, carla = world.actor("alice"), world.actor("carla")
    protocol = services.create_protocol(
        alice, world.clock, project_id=world.projects["contoso"].id, scenario=scenario, cadence=WEEKLY, phases=[],
        channel="video", supplier_point_person_id=world.id("alice"), customer_point_person_id=world.id("carla"),
        backup_ids=[], agenda="Status.", escalation=[], timezone="UTC")
    services.transition_version(alice, world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(alice, world.clock, protocol.id, version=1)
    services.acknowledge(carla, world.clock, protocol.id, version=1)
    return protocol


def touch(world, protocol, when, initiated_by=None):
    return services.log_touchpoint(world.actor("alice"), world.clock, protocol.id, occurred_at=when, channel="video",
                                   supplier_person_id=world.id("alice"), customer_person_id=world.id("carla"),
                                   summary="Status call.", initiated_by=initiated_by)


def view(world, who="alice", account="contoso", **period):
    return relationships.relationship(world.actor(who), world.clock, world.accounts[account].id, **period)


def test_an_empty_account_has_its_last_twelve_months_and_nothing_in_them(world):
    found = view(world)
    assert found.end == world.clock.now() and found.end - found.start == timedelta(days=365)
    assert found.value.balance == "too_few" and found.value.resolutions == 0
    assert found.communication.protocols_in_force == 0 and found.communication.protocols == []
    assert found.communication.initiated == {"supplier": 0, "customer": 0, "unknown": 0}
    assert [q.quarter for q in found.trend] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert sum(q.resolutions + q.touchpoints for q in found.trend) == 0
    assert found.account.supplier.name == "Northwind Systems" and found.account.customer.name == "Contoso Retail"


def test_communication_counts_windows_status_and_who_started_each_contact(world):
    start = world.clock.now()
    protocol = agreed_protocol(world)
    began = world.clock.now()
    world.clock.advance(weeks=3, hours=1)
    touch(world, protocol, began + timedelta(hours=2), "supplier")
    touch(world, protocol, began + timedelta(weeks=2, hours=2), "customer")
    touch(world, protocol, began + timedelta(weeks=2, hours=3))
    found = view(world, start=start)
    communication = found.communication
    assert (communication.protocols_in_force, communication.on_track, communication.overdue) == (1, 1, 0)
    assert (communication.missed_windows, communication.over_windows) == (1, 0)
    assert communication.initiated == {"supplier": 1, "customer": 1, "unknown": 1}
    (entry,) = communication.protocols
    assert (entry.protocol_id, entry.status, entry.touchpoints, entry.missed_windows) == (protocol.id, "on_track", 3, 1)
    assert entry.name == "Routine protocol of POS migration"
    assert sum(q.touchpoints for q in found.trend) == 3 and sum(q.missed_windows for q in found.trend) == 1


def test_value_and_trend_come_from_the_one_rule_of_mediation_balance(world):
    start = world.clock.now()
    for values in ((1, 4), (0, 5), (2, 3)):
        resolve_with(world, *values)
    found = view(world, start=start)
    value = found.value
    assert (value.resolutions, value.to_supplier, value.to_customer) == (3, 3, 12)
    assert value.one_sided == {"supplier": 0, "customer": 1} and value.balance == "leans_customer"
    (quarter,) = [q for q in found.trend if q.resolutions]
    assert (quarter.quarter, quarter.to_supplier, quarter.to_customer) == ("2026-Q1", 3, 12)


def test_a_range_that_is_not_one_is_refused(world):
    with pytest.raises(Invalid):
        view(world, start=world.clock.now(), end=world.clock.now() - timedelta(days=1))


READERS = [("admin", True), ("auditor", True), ("alice", True), ("bob", True), ("sam", True),
           ("carla", True), ("dev", True), ("frank", False), ("gina", False)]


@pytest.mark.parametrize("who, sees", READERS)
def test_who_may_read_the_contoso_relationship(world, who, sees):
    if sees:
        assert view(world, who).account.id == world.accounts["contoso"].id
        assert relationships.timeline(world.actor(who), world.accounts["contoso"].id).events == []
    else:
        with pytest.raises(NotFound):
            view(world, who)
        with pytest.raises(NotFound):
            relationships.timeline(world.actor(who), world.accounts["contoso"].id)


def internal_records(world):
    """A Contoso dispute with an internal story and an internal note beside shared ones."""
    alice = world.actor("alice")
    dispute = world.open_dispute()
    mediation_services.record_story(alice, world.clock, dispute.id, party_id=world.id("sam"),
                                    text="Internal: our margin is thin", visibility="internal")
    mediation_services.add_note(alice, world.clock, dispute.id, text="Internal: hold out for more",
                                visibility="internal")
    mediation_services.add_note(alice, world.clock, dispute.id, text="Shared: call on Monday")
    return dispute


def test_a_customer_sees_the_same_figures_and_no_internal_event(world):
    internal_records(world)
    resolve_with(world, 2, 2)
    supplier, customer = view(world, "alice"), view(world, "carla")
    assert supplier == customer, "internal records weigh in nothing"
    theirs = relationships.timeline(world.actor("carla"), world.accounts["contoso"].id, limit=100).events
    ours = relationships.timeline(world.actor("alice"), world.accounts["contoso"].id, limit=100).events
    assert len(ours) - len(theirs) == 2
    seen = {(event.at, event.kind, event.subject_id) for event in theirs}
    assert all(event.kind in ("story_recorded", "note_added") for event in ours
               if (event.at, event.kind, event.subject_id) not in seen)


def test_the_timeline_is_newest_first_and_read_in_pages_without_internal_events_for_customers(world):
    protocol = agreed_protocol(world)
    for _ in range(3):
        internal_records(world)
        world.clock.advance(minutes=1)
    carla = world.actor("carla")
    account_id = world.accounts["contoso"].id
    first = relationships.timeline(carla, account_id, limit=4)
    assert [e.position for e in first.events] == sorted((e.position for e in first.events), reverse=True)
    assert first.older == first.events[-1].position
    seen = list(first.events)
    page = first
    while page.older:
        page = relationships.timeline(carla, account_id, before=page.older, limit=4)
        seen += page.events
    assert len({e.position for e in seen}) == len(seen)
    assert {e.subject for e in seen} >= {"Invoice dispute", "Routine protocol of POS migration"}
    assert len([e for e in seen if e.kind == "note_added"]) == 3, "the shared notes only"
    assert not [e for e in seen if e.kind == "story_recorded"], "the only stories told are internal"
    assert protocol.id in {e.subject_id for e in seen if e.subject_type == "protocol"}


def grow(world, disputes: int) -> None:
    """`disputes` more Contoso disputes: a tenth resolved, one reopened, the rest open."""
    for number in range(disputes):
        if number % 10 == 0:
            resolved = resolve_with(world, 1 + number % 3, 2)
            if number == 0:
                mediation_services.transition(world.actor("alice"), world.clock, resolved.id, trigger="reopen",
                                              reason="Broken", expected_version=resolved.version)
        else:
            world.open_dispute()
        world.clock.advance(hours=1)


def test_the_view_reads_the_same_number_of_queries_at_10_and_at_100_disputes(world):
    protocol = agreed_protocol(world)
    world.clock.advance(days=1)
    touch(world, protocol, world.clock.now() - timedelta(hours=1), "customer")
    counts = []
    for more in (10, 90):
        grow(world, more)
        with counting_queries() as statements:
            view(world)
            relationships.timeline(world.actor("carla"), world.accounts["contoso"].id)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_a_range_ending_more_than_two_years_ahead_is_refused_before_any_window_is_counted(world):
    with pytest.raises(Invalid) as refused:
        view(world, start=world.clock.now() + timedelta(days=3 * 365))
    assert list(refused.value.errors) == ["to"]


def test_each_protocols_figures_are_those_of_its_own_compliance(world):
    start = world.clock.now()
    protocol = agreed_protocol(world)
    began = world.clock.now()
    world.clock.advance(weeks=5)
    for week in (0, 1, 1, 1, 4):
        touch(world, protocol, began + timedelta(weeks=week, hours=3))
    end = world.clock.now()
    (entry,) = view(world, start=start, end=end).communication.protocols
    own = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id, start=start, end=end)
    assert (entry.status, entry.touchpoints, entry.missed_windows, entry.over_windows) == (
        own.status, own.touchpoints, own.missed, own.over)
    assert own.over == 1 and own.missed == 2


def test_an_incident_answered_late_is_a_missed_window_of_its_protocol(world):
    start = world.clock.now()
    protocol = agreed_protocol(world, scenario="incident")
    services.add_version(world.actor("alice"), world.clock, protocol.id, cadence={"respond_within_hours": 4},
                         phases=[], channel="phone", supplier_point_person_id=world.id("alice"),
                         customer_point_person_id=world.id("carla"), backup_ids=[], agenda="", escalation=[],
                         timezone="UTC")
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 2, trigger="propose")
    services.acknowledge(world.actor("alice"), world.clock, protocol.id, version=2)
    services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=2)
    world.clock.advance(hours=1)
    services.report_incident(world.actor("carla"), world.clock, protocol.id, started_at=world.clock.now(),
                             summary="Orders fail.")
    world.clock.advance(hours=6)
    (entry,) = view(world, start=start, end=world.clock.now()).communication.protocols
    assert entry.missed_windows == 1 and entry.status == "overdue"
