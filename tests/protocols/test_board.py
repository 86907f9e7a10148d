"""The board arranged as a reader asks: sorted by a column either way, ties by protocol,
of one customer, or only the protocols whose version in force names the reader as a point
person or backup; without a sort, most urgent first as the board comes."""

import pytest

from protocols import services
from protocols.board import SORTS
from protocols.board import arranged
from protocols.board import board
from tests.protocols.test_agreement import agree
from tests.protocols.test_agreement import create


@pytest.fixture
def in_force(world):
    """Three protocols in force: Contoso's routine (alice and carla, with sam as a backup)
    left a week without contact, Contoso's onboarding by phone (alice and carla), and
    Fabrikam's routine (bob and frank)."""
    quiet = create(world, backup_ids=[world.id("sam")])
    agree(world, quiet.id, 1)
    world.clock.advance(days=8)
    phone = create(world, scenario="onboarding", channel="phone")
    agree(world, phone.id, 1)
    fabrikam = create(world, by="bob", project="fabrikam", supplier_point_person_id=world.id("bob"),
                      customer_point_person_id=world.id("frank"))
    services.transition_version(world.actor("bob"), world.clock, fabrikam.id, 1, trigger="propose")
    services.acknowledge(world.actor("bob"), world.clock, fabrikam.id, version=1)
    services.acknowledge(world.actor("frank"), world.clock, fabrikam.id, version=1)
    return {"quiet": quiet.id, "phone": phone.id, "fabrikam": fabrikam.id}


def ids(entries, in_force) -> list[str]:
    names = {ident: name for name, ident in in_force.items()}
    return [names[entry.protocol_id] for entry in entries]


def test_without_a_sort_the_board_stays_most_urgent_first(world, in_force):
    entries = board(world.actor("admin"), world.clock)
    assert ids(arranged(entries), in_force) == ids(entries, in_force)
    assert ids(entries, in_force)[0] == "quiet"


@pytest.mark.parametrize("sort, ascending", [
    ("project", ["quiet", "phone", "fabrikam"]),
    ("account", ["quiet", "phone", "fabrikam"]),
    ("scenario", ["phone", "quiet", "fabrikam"]),
    ("version", ["quiet", "phone", "fabrikam"]),
    ("channel", ["phone", "quiet", "fabrikam"]),
    ("status", ["quiet", "phone", "fabrikam"]),
])
def test_each_column_sorts_either_way_with_ties_by_protocol(world, in_force, sort, ascending):
    entries = board(world.actor("admin"), world.clock)

    assert ids(arranged(entries, sort=sort), in_force) == ascending
    assert ids(arranged(entries, sort=sort, order="desc"), in_force) == ascending[::-1]


def test_every_column_of_the_board_can_be_sorted_by():
    assert list(SORTS) == ["project", "account", "scenario", "version", "channel", "status", "next_due"]


def test_the_next_contact_due_sorts_soonest_first(world, in_force):
    entries = arranged(board(world.actor("admin"), world.clock), sort="next_due")
    due = [entry.compliance.next_due_at for entry in entries]
    assert due == sorted(due)


def test_mine_keeps_the_protocols_whose_version_in_force_names_the_reader(world, in_force):
    entries = board(world.actor("admin"), world.clock)

    assert ids(arranged(entries, naming=world.id("sam")), in_force) == ["quiet"]
    assert sorted(ids(arranged(entries, naming=world.id("carla")), in_force)) == ["phone", "quiet"]
    assert ids(arranged(entries, naming=world.id("frank")), in_force) == ["fabrikam"]
    assert arranged(entries, naming=world.id("admin")) == []


def test_the_customer_filter_keeps_that_customers_protocols(world, in_force):
    entries = board(world.actor("admin"), world.clock)

    assert ids(arranged(entries, customer_id=world.orgs["fabrikam"].id), in_force) == ["fabrikam"]
    assert ids(arranged(entries, customer_id=world.orgs["contoso"].id, sort="scenario"), in_force) == [
        "phone", "quiet"]
    assert arranged(board(world.actor("carla"), world.clock), customer_id=world.orgs["fabrikam"].id) == []
