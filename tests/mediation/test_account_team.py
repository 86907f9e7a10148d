"""The account team (issue 13): the people of each company who work on an account, each
with a function; each company's administrators keep their own side, on the record, and
everyone who sees the account sees the whole team."""

import pytest

from mediation import account_team
from mediation import directory
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import history
from tests.conftest import table_counts
from tests.mediation.test_directory import refused


def add(world, who, whom, function="engineering", account="contoso"):
    return account_team.add_member(world.actor(who), world.clock, account_id=world.accounts[account].id,
                                   person_id=world.id(whom), function=function)


def team(world, who="alice", account="contoso"):
    return [(m.person.name, m.side, m.function) for m in account_team.team_of(world.actor(who),
                                                                             world.accounts[account].id)]


def events(world, kind):
    return [e for e in history("account", world.accounts["contoso"].id) if e.kind == kind]


def test_each_companys_administrators_put_their_own_people_on_the_team(world):
    add(world, "admin", "sam", "support")
    add(world, "admin", "alice", "executive sponsor")
    add(world, "contoso_admin", "dev", "  finance  ")
    assert team(world) == [("Alice", "supplier", "executive sponsor"), ("Sam", "supplier", "support"),
                           ("Dev", "customer", "finance")]
    (event, *_) = events(world, "team_member_added")
    assert event.data == {"person_id": world.id("sam"), "name": "Sam", "function": "support", "company": "supplier"}
    assert event.actor_person_id == world.id("admin") and event.actor_role == "admin"


@pytest.mark.parametrize("who", ["admin", "alice", "sam", "auditor", "carla", "dev", "contoso_admin",
                                 "contoso_auditor"])
def test_everyone_who_sees_the_account_sees_the_whole_team(world, who):
    add(world, "admin", "sam")
    add(world, "contoso_admin", "carla", "executive sponsor")
    assert team(world, who) == [("Sam", "supplier", "engineering"), ("Carla", "customer", "executive sponsor")]


@pytest.mark.parametrize("who", ["frank", "gina"])
def test_another_customers_people_find_no_such_account(world, who):
    with pytest.raises(NotFound):
        team(world, who)


@pytest.mark.parametrize("who, whom, error", [
    ("alice", "sam", Forbidden),  # an account manager is not an administrator
    ("auditor", "sam", Forbidden),
    ("contoso_auditor", "dev", Forbidden),
    ("carla", "dev", Forbidden),
    ("admin", "carla", Invalid),  # the other company's side
    ("contoso_admin", "sam", Invalid),
    ("admin", "frank", Invalid),
])
def test_no_one_keeps_a_side_that_is_not_their_own(world, who, whom, error):
    with refused(error):
        add(world, who, whom)


def test_another_customers_administrator_finds_no_such_account(world):
    world.people["fabrikam_admin"] = directory.create_person(
        None, world.clock, email="admin@fabrikam.example", name="Fabrikam Admin",
        organization_id=world.orgs["fabrikam"].id, roles=["admin"])
    with refused(NotFound):
        add(world, "fabrikam_admin", "frank")


@pytest.mark.parametrize("function", ["", "   ", "x" * 41])
def test_a_function_is_one_to_forty_characters(world, function):
    with refused(Invalid) as caught:
        add(world, "admin", "sam", function)
    assert list(caught.value.errors) == ["function"]


def test_a_person_is_on_a_team_once(world):
    add(world, "admin", "sam")
    with refused(Conflict):
        add(world, "admin", "sam", "support")


def test_a_disabled_person_is_not_put_on_a_team(world):
    directory.disable_person(None, world.clock, person_id=world.id("sam"))
    with refused(Invalid):
        add(world, "admin", "sam")


def test_a_side_has_at_most_fifty_people(world, monkeypatch):
    monkeypatch.setattr(account_team, "MAX_SIDE", 1)
    add(world, "admin", "sam")
    with refused(Conflict):
        add(world, "admin", "bob")
    add(world, "contoso_admin", "dev")  # the other side counts on its own


def test_a_function_changes_on_the_record_and_the_same_again_records_nothing(world):
    add(world, "admin", "sam")
    contoso = world.accounts["contoso"].id
    account_team.change_function(world.actor("admin"), world.clock, account_id=contoso, person_id=world.id("sam"),
                                 function="support")
    assert team(world) == [("Sam", "supplier", "support")]
    (event,) = events(world, "team_function_changed")
    assert event.data["from"] == "engineering" and event.data["function"] == "support"
    before = table_counts()
    account_team.change_function(world.actor("admin"), world.clock, account_id=contoso, person_id=world.id("sam"),
                                 function="support")
    assert table_counts() == before


def test_a_member_is_taken_off_the_team_on_the_record(world):
    add(world, "admin", "sam")
    account_team.remove_member(world.actor("admin"), world.clock, account_id=world.accounts["contoso"].id,
                               person_id=world.id("sam"))
    assert team(world) == []
    (event,) = events(world, "team_member_removed")
    assert event.data["person_id"] == world.id("sam")


@pytest.mark.parametrize("who, whom, error", [("contoso_admin", "sam", Forbidden), ("admin", "dev", Forbidden),
                                              ("admin", "bob", NotFound), ("alice", "sam", Forbidden)])
def test_only_the_members_own_company_changes_or_removes_them(world, who, whom, error):
    add(world, "admin", "sam")
    add(world, "contoso_admin", "dev")
    contoso = world.accounts["contoso"].id
    with refused(error):
        account_team.change_function(world.actor(who), world.clock, account_id=contoso, person_id=world.id(whom),
                                     function="legal")
    with refused(error):
        account_team.remove_member(world.actor(who), world.clock, account_id=contoso, person_id=world.id(whom))
