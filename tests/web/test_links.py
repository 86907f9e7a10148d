"""Absolute links and what may be kept of a signed-in answer: links lead to ACCORD_BASE_URL
whatever Host a request claims, and nothing shown to a signed-in person is cached."""

import pytest

API = "/api/v1"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def based_app(db, database_url, clock):
    from web import create_app

    return create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True,
                       "BASE_URL": "https://accord.northwind.example"})


def test_a_calendar_link_leads_to_the_base_url_whatever_the_host_header(based_app, world):
    headers = {**EVIL, "Authorization": f"Bearer {world.token('carla')}"}
    body = based_app.test_client().post(f"{API}/me/calendar-token", headers=headers).json
    assert body["my_calendar_url"].startswith("https://accord.northwind.example/api/v1/me/calendar.ics?token=")


def test_the_base_url_setting_comes_from_the_environment(monkeypatch, db, database_url, clock):
    from web import create_app

    monkeypatch.setenv("ACCORD_BASE_URL", "https://accord.example/ ")
    app = create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True})
    assert app.config["BASE_URL"] == "https://accord.example"


def test_without_a_base_url_links_follow_the_request(api, world):
    body = api.post(f"{API}/me/calendar-token", as_="carla").json
    assert body["my_calendar_url"].startswith("http://localhost/api/v1/me/calendar.ics?token=")


def test_notification_links_lead_to_the_base_url_too(based_app, world):
    world.open_dispute()
    headers = {**EVIL, "Authorization": f"Bearer {world.token('carla')}"}
    items = based_app.test_client().get(f"{API}/me/notifications", headers=headers).json["items"]
    assert items and all(item["url"].startswith("https://accord.northwind.example/") for item in items)


@pytest.mark.parametrize("path", [f"{API}/me", f"{API}/disputes", f"{API}/me/tokens"])
def test_no_signed_in_api_answer_may_be_stored(api, world, path):
    assert api.get(path, as_="carla").headers["Cache-Control"] == "no-store"


def test_no_signed_in_page_may_be_stored_and_the_sign_in_page_is_left_alone(browser_as, client, world):
    carla = browser_as("carla")
    for path in ("/", "/disputes", "/protocols", "/notifications"):
        assert carla.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def test_a_calendar_feed_read_by_its_link_is_not_stored(api, world):
    token = api.post(f"{API}/me/calendar-token", as_="carla").json["token"]
    assert api.client.get(f"{API}/me/calendar.ics?token={token}").headers["Cache-Control"] == "no-store"

