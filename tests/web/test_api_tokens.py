"""A person's own API tokens and calendar links through the API: listed without the
secret, made once, revoked at once; nobody else's is reachable."""

import pytest

from mediation.credentials import ApiToken
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_person_makes_a_token_that_is_shown_once_and_works(api, world, signed_in):
    response = api.post(f"{API}/me/tokens", {"label": "Nightly report"}, as_="carla")

    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.json
    assert made["label"] == "Nightly report" and made["scope"] == "api" and made["revoked_at"] is None
    assert made["token"].startswith(made["hint"])
    assert api.client.get(f"{API}/me", headers=bearer(made["token"])).json["email"] == "carla@contoso.example"
    listed = api.get(f"{API}/me/tokens", as_="carla").json
    assert listed["next"] is None
    assert [t["label"] for t in listed["items"]] == ["Nightly report", "test"]
    assert all("token" not in t and "token_hash" not in t for t in listed["items"])


def test_the_list_holds_only_the_callers_tokens_newest_first_in_pages(api, world, signed_in):
    old = api.post(f"{API}/me/tokens", {"label": "Old script"}, as_="alice").json
    world.clock.advance(minutes=1)
    api.post(f"{API}/me/tokens", {"label": "New script"}, as_="alice")
    api.post(f"{API}/me/tokens/{old['id']}/revoke", as_="alice")
    api.post(f"{API}/me/calendar-token", as_="alice")

    items = api.get(f"{API}/me/tokens", as_="alice").json["items"]

    assert [(t["label"], t["scope"], t["revoked_at"] is None) for t in items] == [
        ("calendar: all my protocols", "calendar", True), ("New script", "api", True),
        ("Old script", "api", False), ("test", "api", True)]
    first = api.get(f"{API}/me/tokens?limit=3", as_="alice").json
    assert [t["label"] for t in first["items"]] == [t["label"] for t in items[:3]]
    assert [t["label"] for t in api.get(first["next"], as_="alice").json["items"]] == ["test"]
    assert "Old script" not in [t["label"] for t in api.get(f"{API}/me/tokens", as_="bob").json["items"]]


def test_a_revoked_token_and_calendar_link_stop_working_at_once(api, world, signed_in):
    made = api.post(f"{API}/me/tokens", {"label": "CI job"}, as_="carla").json
    calendar = api.post(f"{API}/me/calendar-token", as_="carla").json
    calendar_id = next(t["id"] for t in api.get(f"{API}/me/tokens", as_="carla").json["items"]
                       if t["scope"] == "calendar")

    revoked = api.post(f"{API}/me/tokens/{made['id']}/revoke", as_="carla")
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None
    assert api.post(f"{API}/me/tokens/{calendar_id}/revoke", as_="carla").status_code == 200

    assert_problem(api.client.get(f"{API}/me", headers=bearer(made["token"])), 401)
    assert_problem(api.client.get(f"{API}/me/calendar.ics?token={calendar['token']}"), 401)
    assert_problem(api.post(f"{API}/me/tokens/{made['id']}/revoke", as_="carla"), 409)


@pytest.mark.parametrize("who", ["frank", "contoso_admin", "admin"])
def test_nobody_revokes_or_sees_another_persons_token(api, world, signed_in, who):
    made = api.post(f"{API}/me/tokens", {"label": "Carla's script"}, as_="carla").json
    before = table_counts()
    assert_problem(api.post(f"{API}/me/tokens/{made['id']}/revoke", as_=who), 404)
    assert table_counts() == before
    assert ApiToken.get_by_id(made["id"]).revoked_at is None


@pytest.mark.parametrize(("who", "body", "status"), [
    ("auditor", {"label": "Audit export"}, 403),
    ("contoso_auditor", {"label": "Audit export"}, 403),
    ("carla", {}, 422),
    ("carla", {"label": "   "}, 422),
    ("carla", {"label": "x", "scope": "calendar"}, 422),
])
def test_tokens_are_refused_to_auditors_and_without_a_label(api, world, signed_in, who, body, status):
    before = table_counts()
    assert_problem(api.post(f"{API}/me/tokens", body, as_=who), status)
    assert table_counts() == before


def test_a_person_holds_at_most_fifty_live_tokens(api, world, signed_in):
    for number in range(49):
        assert api.post(f"{API}/me/tokens", {"label": f"script {number}"}, as_="carla").status_code == 201
    before = table_counts()
    problem = assert_problem(api.post(f"{API}/me/tokens", {"label": "one too many"}, as_="carla"), 422)
    assert "revoke one first" in problem["errors"]["label"][0]
    assert table_counts() == before


def test_a_full_api_token_is_never_taken_from_a_url(api, world, signed_in):
    """Only a calendar token belongs in a URL: one kept in a log or a calendar app reads no
    more than the calendar."""
    api_token = world.token("carla")
    assert_problem(api.client.get(f"{API}/me/calendar.ics?token={api_token}"), 401)
    assert_problem(api.client.get(f"{API}/protocols/1/calendar.ics?token={api_token}"), 401)
    calendar = api.post(f"{API}/me/calendar-token", as_="carla").json["token"]
    assert api.client.get(f"{API}/me/calendar.ics?token={calendar}").status_code == 200
