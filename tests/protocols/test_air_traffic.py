"""Air traffic across an account's projects (issue 13): each person's contacts across
projects and protocols, per ISO week against the account's ceiling, the people of the other
company who made them, collisions of supplier people on one customer person's day, who may
read it, and a number of queries that does not grow with the touchpoints."""

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation import directory
from mediation.errors import NotFound
from protocols import air_traffic
from protocols import services
from tests.web.test_api_protocols import counting_queries

WEEKLY = {"every": 1, "unit": "weeks"}


def protocol_on(world, project):
    """A weekly protocol between alice and carla on `project`, agreed now."""
    alice, carla = world.actor("alice"), world.actor("carla")
    protocol = services.create_protocol(
        alice, world.clock, project_id=project.id, scenario="routine", cadence=WEEKLY, phases=[], channel="video",
        supplier_point_person_id=world.id("alice"), customer_point_person_id=world.id("carla"), backup_ids=[],
        agenda="Status.", escalation=[], timezone="UTC")
    services.transition_version(alice, world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(alice, world.clock, protocol.id, version=1)
    services.acknowledge(carla, world.clock, protocol.id, version=1)
    return protocol


@pytest.fixture
def lines(world):
    """Two Contoso projects with a protocol each, agreed on Monday 2 March 2026 at 09:00
    UTC; the clock then stands four weeks later."""
    loyalty = directory.create_project(None, world.clock, name="Loyalty", account_id=world.accounts["contoso"].id)
    found = {"pos": protocol_on(world, world.projects["contoso"]), "loyalty": protocol_on(world, loyalty)}
    world.clock.advance(weeks=4)
    return found


def touch(world, protocol, when, supplier="alice", customer="carla"):
    return services.log_touchpoint(world.actor("alice"), world.clock, protocol.id, occurred_at=when, channel="video",
                                   supplier_person_id=world.id(supplier), customer_person_id=world.id(customer),
                                   summary="Call.")


def traffic(world, who="alice", account="contoso", **period):
    return air_traffic.contacts(world.actor(who), world.clock, world.accounts[account].id, **period)


def at(day: int, hour: int = 12) -> datetime:
    """A moment of March 2026, UTC."""
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


def load_of(found, key_name):
    return next(load for load in found.people if load.person.name == key_name)


def test_an_account_without_touchpoints_has_its_weeks_and_no_one_in_them(world):
    found = traffic(world)
    assert found.ceiling_per_week == 5 and found.people == [] and found.collisions == []
    assert found.end - found.start == timedelta(days=365) and found.collisions_total == 0


def test_each_customer_person_has_their_contacts_by_whom_and_per_week_against_the_ceiling(world, lines):
    for day in (2, 3, 4, 5, 6, 7):  # six in the week of 2 March: one over the ceiling of five
        touch(world, lines["pos"], at(day, 10))
    touch(world, lines["loyalty"], at(10), supplier="sam")
    touch(world, lines["loyalty"], at(11), supplier="sam", customer="dev")
    found = traffic(world, start=at(2, 0), end=at(16, 0))
    carla = load_of(found, "Carla")
    assert (carla.side, carla.contacts) == ("customer", 7)
    assert [(c.person.name, c.contacts) for c in carla.by] == [("Alice", 6), ("Sam", 1)]
    assert [(w.week, w.contacts, w.over_ceiling) for w in carla.weeks] == [
        ("2026-W10", 6, True), ("2026-W11", 1, False)]
    assert [load.person.name for load in found.people] == ["Carla", "Dev", "Alice", "Sam"]


def test_the_supplier_people_show_who_of_the_customer_reached_them(world, lines):
    touch(world, lines["pos"], at(3))
    touch(world, lines["loyalty"], at(4), customer="dev")
    touch(world, lines["loyalty"], at(5), customer="dev")
    alice = load_of(traffic(world, start=at(2, 0), end=at(9, 0)), "Alice")
    assert (alice.side, alice.contacts) == ("supplier", 3)
    assert [(c.person.name, c.contacts) for c in alice.by] == [("Dev", 2), ("Carla", 1)]


def test_the_account_ceiling_decides_which_weeks_are_over(world, lines):
    for day in (3, 4):
        touch(world, lines["pos"], at(day))
    directory.set_contact_ceiling(world.actor("alice"), world.clock, account_id=world.accounts["contoso"].id,
                                  contact_ceiling_per_week=1)
    found = traffic(world, start=at(2, 0), end=at(9, 0))
    assert found.ceiling_per_week == 1
    assert [(w.contacts, w.over_ceiling) for w in load_of(found, "Carla").weeks] == [(2, True)]


def test_two_supplier_people_on_two_projects_the_same_day_collide(world, lines):
    first = touch(world, lines["pos"], at(5, 0))
    second = touch(world, lines["loyalty"], at(5, 23), supplier="sam")
    (collision,) = traffic(world).collisions
    assert (collision.customer_person.name, collision.day) == ("Carla", date(2026, 3, 5))
    assert [(t.id, t.project.name, t.supplier_person.name) for t in collision.touchpoints] == [
        (first.id, "POS migration", "Alice"), (second.id, "Loyalty", "Sam")]
    assert collision.touchpoints[0].protocol_id == lines["pos"].id


@pytest.mark.parametrize("second", [
    {"protocol": "loyalty", "supplier": "alice", "when": at(5, 15)},  # one supplier person on both projects
    {"protocol": "pos", "supplier": "sam", "when": at(5, 15)},  # two people, one project
    {"protocol": "loyalty", "supplier": "sam", "when": at(6, 0)},  # the next UTC day
    {"protocol": "loyalty", "supplier": "sam", "when": at(5, 15), "customer": "dev"},  # another customer person
])
def test_what_is_not_a_collision(world, lines, second):
    touch(world, lines["pos"], at(5, 10))
    touch(world, lines[second["protocol"]], second["when"], supplier=second["supplier"],
          customer=second.get("customer", "carla"))
    assert traffic(world).collisions == []


def test_a_collision_lists_only_the_touchpoints_taking_part(world, lines):
    touch(world, lines["pos"], at(5, 8))
    touch(world, lines["pos"], at(5, 9))  # alice twice on the point of sale
    touch(world, lines["loyalty"], at(5, 10))  # alice on loyalty as well: no one else's project
    sam = touch(world, lines["loyalty"], at(5, 11), supplier="sam")
    (collision,) = traffic(world).collisions
    assert [t.supplier_person.name for t in collision.touchpoints] == ["Alice", "Alice", "Sam"]
    assert sam.id == collision.touchpoints[-1].id


def test_collisions_come_latest_day_first(world, lines):
    for day in (4, 12):
        touch(world, lines["pos"], at(day, 9))
        touch(world, lines["loyalty"], at(day, 10), supplier="sam")
    assert [c.day.day for c in traffic(world).collisions] == [12, 4]


def test_the_period_bounds_what_counts(world, lines):
    touch(world, lines["pos"], at(3))
    touch(world, lines["pos"], at(10))
    assert load_of(traffic(world, start=at(9, 0), end=at(16, 0)), "Carla").contacts == 1


@pytest.mark.parametrize("who", ["admin", "auditor", "alice", "bob", "sam", "carla", "dev"])
def test_both_companies_read_the_same_air_traffic(world, lines, who):
    touch(world, lines["pos"], at(5, 9))
    touch(world, lines["loyalty"], at(5, 10), supplier="sam")
    assert traffic(world, who) == traffic(world)


@pytest.mark.parametrize("who", ["frank", "gina"])
def test_another_customers_people_find_no_such_account(world, who):
    with pytest.raises(NotFound):
        traffic(world, who)


def test_the_number_of_queries_does_not_grow_with_the_touchpoints(world, lines):
    counts = []
    for days in ((3,), (4, 5, 6, 9, 10, 11, 12, 13, 16, 17)):
        for day in days:
            touch(world, lines["pos"], at(day, 9))
            touch(world, lines["loyalty"], at(day, 10), supplier="sam", customer="dev")
        with counting_queries() as statements:
            traffic(world)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def pairwise(rows) -> set[tuple[tuple[int, date], int]]:
    """The reference: every touchpoint that has a partner of the same customer person and
    UTC day, with another supplier person and another project."""
    return {((a.customer, a.day), a.id) for a in rows for b in rows
            if a.customer == b.customer and a.day == b.day and a.supplier != b.supplier and a.project != b.project}


@dataclass(frozen=True)
class Touch:
    id: int
    supplier: int
    customer: int
    project: int
    day: date


touchpoints = st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 3)),
                       max_size=40)


@given(touchpoints)
def test_collisions_are_exactly_the_pairs_of_the_reference(found):
    rows = [Touch(ident, supplier, customer, project, date(2026, 3, 1) + timedelta(days=day))
            for ident, (supplier, customer, project, day) in enumerate(found, start=1)]
    days = defaultdict(Counter)
    for row in rows:
        days[row.customer, row.day][row.supplier, row.project] += 1
    collisions = air_traffic.colliding(days)
    taking_part = dict(collisions)
    assert {((r.customer, r.day), r.id) for r in rows
            if (r.supplier, r.project) in taking_part.get((r.customer, r.day), ())} == pairwise(rows)
    assert [key[1] for key, _ in collisions] == sorted((key[1] for key, _ in collisions), reverse=True)
