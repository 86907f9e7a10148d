"""GET /api/v1/accounts/{id}/relationship (issue 13): the figures both companies share, the
period asked for, the tenant rule (404 for another customer's account) and nothing internal
in what a customer's people read."""

from datetime import timedelta
from urllib.parse import quote

import pytest

from mediation import directory
from mediation import services
from tests.conftest import assert_problem
from tests.mediation.test_balance import resolve_with
from tests.protocols.test_air_traffic import at
from tests.protocols.test_air_traffic import protocol_on
from tests.protocols.test_air_traffic import touch

API = "/api/v1"


def path(world, account="contoso", **query):
    params = "&".join(f"{name}={quote(value.isoformat())}" for name, value in query.items())
    return f"{API}/accounts/{world.accounts[account].id}/relationship" + (f"?{params}" if params else "")


def test_the_relationship_answers_the_contract_of_the_design(api, world):
    for values in ((1, 4), (0, 5), (2, 3)):
        resolve_with(world, *values)
    world.clock.advance(minutes=1)
    body = api.get(path(world)).json
    assert set(body) == {"account", "from", "to", "disputes", "value", "commitments", "communication", "trend"}
    assert body["value"] == {"resolutions": 3, "to_supplier": 3, "to_customer": 12,
                             "one_sided": {"supplier": 0, "customer": 1}, "overrides": 0,
                             "balance": "leans_customer"}
    assert body["disputes"]["resolved"] == 3 and body["disputes"]["open"]["intake"] == 0
    assert body["commitments"]["supplier"] == {"kept": 0, "missed": 0, "open": 0}
    assert body["communication"]["initiated"] == {"supplier": 0, "customer": 0, "unknown": 0}
    assert body["trend"][-1]["quarter"] == "2026-Q1" and body["trend"][-1]["resolutions"] == 3
    assert body["account"]["customer"]["name"] == "Contoso Retail"


def test_the_period_defaults_to_the_last_twelve_months_and_may_be_named(api, world):
    now = world.clock.now()
    body = api.get(path(world)).json
    assert (body["from"], body["to"]) == ((now - timedelta(days=365)).isoformat(), now.isoformat())
    body = api.get(path(world, **{"from": now - timedelta(days=30)})).json
    assert body["to"] == (now - timedelta(days=30) + timedelta(days=365)).isoformat()


@pytest.mark.parametrize("query, field", [("from=soon", "from"), ("from=2026-03-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                                                                   "from"),
                                          ("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")])
def test_a_bad_period_is_422_naming_the_parameter(api, world, query, field):
    response = api.get(f"{API}/accounts/{world.accounts['contoso'].id}/relationship?{query}")
    assert field in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("who, status", [("admin", 200), ("auditor", 200), ("alice", 200), ("bob", 200),
                                         ("sam", 200), ("carla", 200), ("dev", 200), ("frank", 404),
                                         ("gina", 404)])
def test_who_may_read_it(api, world, who, status):
    response = api.get(path(world), as_=who)
    assert response.status_code == status
    if status == 404:
        assert_problem(response, 404)


def test_an_unknown_account_is_404(api, world):
    assert_problem(api.get(f"{API}/accounts/999999/relationship"), 404)


def test_internal_stories_and_notes_never_reach_nor_count_in_a_customers_answer(api, world):
    alice = world.actor("alice")
    dispute = world.open_dispute()
    services.record_story(alice, world.clock, dispute.id, party_id=world.id("sam"),
                          text="Internal: our margin is thin", visibility="internal")
    services.add_note(alice, world.clock, dispute.id, text="Internal: hold out for more", visibility="internal")
    theirs = api.get(path(world), as_="carla")
    assert "Internal" not in theirs.get_data(as_text=True)
    assert theirs.json == api.get(path(world), as_="alice").json


# --- the air traffic ------------------------------------------------------------------------


def contacts_path(world, account="contoso"):
    return f"{API}/accounts/{world.accounts[account].id}/contacts"


def test_the_air_traffic_answers_the_contract_of_the_design(api, world):
    loyalty = directory.create_project(None, world.clock, name="Loyalty", account_id=world.accounts["contoso"].id)
    pos, other = protocol_on(world, world.projects["contoso"]), protocol_on(world, loyalty)
    world.clock.advance(weeks=1)
    first, second = touch(world, pos, at(5, 9)), touch(world, other, at(5, 10), supplier="sam")
    body = api.get(contacts_path(world)).json
    assert set(body) == {"account", "from", "to", "ceiling_per_week", "people", "collisions", "collisions_total"}
    assert body["ceiling_per_week"] == 5 and body["collisions_total"] == 1
    carla = body["people"][0]
    assert (carla["person"], carla["side"], carla["contacts"]) == ({"id": world.id("carla"), "name": "Carla"},
                                                                   "customer", 2)
    assert carla["by"] == [{"person": {"id": world.id("alice"), "name": "Alice"}, "contacts": 1},
                           {"person": {"id": world.id("sam"), "name": "Sam"}, "contacts": 1}]
    assert {"week": "2026-W10", "contacts": 2, "over_ceiling": False} in carla["weeks"]
    (collision,) = body["collisions"]
    assert collision["day"] == "2026-03-05" and collision["customer_person"]["name"] == "Carla"
    assert [(t["id"], t["protocol_id"], t["project"]["name"], t["supplier_person"]["name"])
            for t in collision["touchpoints"]] == [(first.id, pos.id, "POS migration", "Alice"),
                                                   (second.id, other.id, "Loyalty", "Sam")]
    assert collision["touchpoints"][0]["occurred_at"] == at(5, 9).isoformat()
    assert api.get(contacts_path(world), as_="carla").json == body


@pytest.mark.parametrize("who, status", [("admin", 200), ("auditor", 200), ("alice", 200), ("bob", 200),
                                         ("sam", 200), ("carla", 200), ("dev", 200), ("frank", 404),
                                         ("gina", 404)])
def test_who_may_read_the_air_traffic(api, world, who, status):
    assert api.get(contacts_path(world), as_=who).status_code == status


def test_a_bad_period_of_air_traffic_is_422_naming_the_parameter(api, world):
    response = api.get(contacts_path(world) + "?from=2026-03-01T00:00:00Z&to=2026-01-01T00:00:00Z")
    assert "from" in assert_problem(response, 422)["errors"]


# --- the contact ceiling ----------------------------------------------------------------------


def account_path(world, account="contoso"):
    return f"{API}/accounts/{world.accounts[account].id}"


def test_an_accounts_manager_changes_its_contact_ceiling(api, world):
    assert api.get(account_path(world)).json["contact_ceiling_per_week"] == 5
    response = api.patch(account_path(world), json={"contact_ceiling_per_week": 3})
    assert response.status_code == 200 and response.json["contact_ceiling_per_week"] == 3
    assert api.get(contacts_path(world), as_="carla").json["ceiling_per_week"] == 3


@pytest.mark.parametrize("who, status", [("admin", 200), ("alice", 200), ("bob", 403), ("auditor", 403),
                                         ("carla", 403), ("contoso_admin", 403), ("frank", 404)])
def test_who_may_change_the_contact_ceiling(api, world, who, status):
    response = api.patch(account_path(world), json={"contact_ceiling_per_week": 7}, as_=who)
    assert response.status_code == status
    assert api.get(account_path(world)).json["contact_ceiling_per_week"] == (7 if status == 200 else 5)


@pytest.mark.parametrize("body", [{}, {"contact_ceiling_per_week": 0}, {"contact_ceiling_per_week": 101},
                                  {"contact_ceiling_per_week": "5"}, {"contact_ceiling_per_week": 2.5}])
def test_a_bad_contact_ceiling_is_422_and_changes_nothing(api, world, body):
    assert "contact_ceiling_per_week" in assert_problem(api.patch(account_path(world), json=body), 422)["errors"]
    assert api.get(account_path(world)).json["contact_ceiling_per_week"] == 5


# --- the account team -----------------------------------------------------------------------


def team_path(world, account="contoso", person=None):
    return f"{API}/accounts/{world.accounts[account].id}/team" + (f"/{world.id(person)}" if person else "")


def test_each_company_keeps_its_side_of_the_team_and_both_read_it_whole(api, world):
    added = api.post(team_path(world), {"person_id": world.id("sam"), "function": "support"}, as_="admin")
    assert added.status_code == 201
    assert {key: added.json[key] for key in ("person", "side", "function")} == {
        "person": {"id": world.id("sam"), "name": "Sam"}, "side": "supplier", "function": "support"}
    assert api.post(team_path(world), {"person_id": world.id("carla"), "function": "executive sponsor"},
                    as_="contoso_admin").status_code == 201
    items = api.get(team_path(world), as_="dev").json["items"]
    assert [(m["person"]["name"], m["side"], m["function"]) for m in items] == [
        ("Sam", "supplier", "support"), ("Carla", "customer", "executive sponsor")]
    changed = api.patch(team_path(world, person="carla"), {"function": "finance"}, as_="contoso_admin")
    assert changed.status_code == 200 and changed.json["function"] == "finance"
    assert api.delete(team_path(world, person="sam"), as_="admin").status_code == 204
    assert [m["person"]["name"] for m in api.get(team_path(world)).json["items"]] == ["Carla"]


@pytest.mark.parametrize("who, status", [("admin", 201), ("alice", 403), ("auditor", 403), ("carla", 403),
                                         ("contoso_admin", 422), ("frank", 403)])
def test_who_may_put_sam_on_the_team(api, world, who, status):
    response = api.post(team_path(world), {"person_id": world.id("sam"), "function": "support"}, as_=who)
    assert response.status_code == status
    assert len(api.get(team_path(world), as_="admin").json["items"]) == (1 if status == 201 else 0)


@pytest.mark.parametrize("body, field", [({"function": "support"}, "person_id"),
                                         ({"person_id": 1}, "function"),
                                         ({"person_id": 1, "function": "x" * 41}, "function"),
                                         ({"person_id": "1", "function": "support"}, "person_id")])
def test_a_bad_member_is_422_and_changes_nothing(api, world, body, field):
    assert field in assert_problem(api.post(team_path(world), body, as_="admin"), 422)["errors"]
    assert api.get(team_path(world)).json["items"] == []


def test_a_person_already_on_the_team_is_409(api, world):
    body = {"person_id": world.id("sam"), "function": "support"}
    api.post(team_path(world), body, as_="admin")
    assert_problem(api.post(team_path(world), body, as_="admin"), 409)


def test_the_other_companys_member_is_403_and_one_not_on_the_team_404(api, world):
    api.post(team_path(world), {"person_id": world.id("sam"), "function": "support"}, as_="admin")
    assert_problem(api.patch(team_path(world, person="sam"), {"function": "legal"}, as_="contoso_admin"), 403)
    assert_problem(api.delete(team_path(world, person="sam"), as_="contoso_admin"), 403)
    assert_problem(api.delete(team_path(world, person="bob"), as_="admin"), 404)
    assert_problem(api.get(team_path(world), as_="frank"), 404)


# --- the balanced advocate ------------------------------------------------------------------


def test_an_account_managers_advocacy_answers_the_contract(api, world):
    for values in ((1, 4), (1, 4), (1, 3), (2, 4)):
        resolve_with(world, *values)
    resolve_with(world, 0, 3, "Goodwill before the renewal.")
    world.clock.advance(minutes=1)
    body = api.get(f"{API}/people/{world.id('alice')}/advocacy").json
    assert set(body) == {"person", "from", "to", "value", "flag", "overrides", "accounts"}
    assert body["person"] == {"id": world.id("alice"), "name": "Alice"}
    assert body["value"] == {"resolutions": 5, "to_supplier": 5, "to_customer": 18,
                             "one_sided": {"supplier": 0, "customer": 1}, "overrides": 1,
                             "balance": "leans_customer"}
    assert body["flag"] == "forgot_who_they_work_for"
    (override,) = body["overrides"]
    assert (override["reason"], override["to_supplier"], override["to_customer"], override["account"]) == (
        "Goodwill before the renewal.", 0, 3, "Contoso account")
    assert body["accounts"] == [{"account_id": world.accounts["contoso"].id, "name": "Contoso account",
                                 "resolutions": 5, "to_supplier": 5, "to_customer": 18}]
    side_by_side = api.get(f"{API}/advocacy", as_="admin").json
    assert [(i["person"]["name"], i["flag"]) for i in side_by_side["items"]] == [
        ("Alice", "forgot_who_they_work_for"), ("Bob", None)]


@pytest.mark.parametrize("who, status", [("alice", 200), ("admin", 200), ("auditor", 200), ("bob", 403),
                                         ("sam", 403), ("carla", 404), ("contoso_admin", 404), ("frank", 404)])
def test_who_may_read_alices_advocacy(api, world, who, status):
    assert api.get(f"{API}/people/{world.id('alice')}/advocacy", as_=who).status_code == status


@pytest.mark.parametrize("who, status", [("admin", 200), ("auditor", 200), ("alice", 403), ("sam", 403),
                                         ("carla", 404), ("contoso_auditor", 404)])
def test_who_may_see_the_managers_side_by_side(api, world, who, status):
    assert api.get(f"{API}/advocacy", as_=who).status_code == status


def test_someone_who_is_not_an_account_manager_has_no_advocacy(api, world):
    assert_problem(api.get(f"{API}/people/{world.id('sam')}/advocacy", as_="admin"), 404)
    assert_problem(api.get(f"{API}/people/999999/advocacy", as_="admin"), 404)
