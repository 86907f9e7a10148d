"""The caller's notifications and settings through the API (DESIGN.md, "Notifications and
webhooks"): newest first and paged, marked read one by one or all at once, settings read
and changed field by field; nobody reaches anyone else's."""

from tests.conftest import assert_problem
from tests.conftest import table_counts
from tests.outreach.helpers import tell


def test_the_list_is_newest_first_with_a_link_to_the_older_page(api, world):
    dispute = tell(world, "carla", 4)
    first = api.get("/api/v1/me/notifications?limit=3", as_="carla").get_json()
    assert [item["title"] for item in first["items"]] == ["Update 3", "Update 2", "Update 1"]
    item = first["items"][0]
    assert set(item) == {"id", "kind", "subject", "title", "url", "created_at", "read_at"}
    assert item["kind"] == "dispute_update" and item["subject"] == {"type": "dispute", "id": dispute.id}
    assert item["url"] == f"http://localhost/disputes/{dispute.id}" and item["read_at"] is None
    assert "before=" in first["next"]
    rest = api.get(first["next"], as_="carla").get_json()
    assert [item["title"] for item in rest["items"]] == ["Update 0"]
    assert rest["next"] is None


def test_links_lead_to_the_configured_address(api, app, world):
    tell(world, "carla", 1)
    app.config["BASE_URL"] = "https://accord.example.com/"
    item = api.get("/api/v1/me/notifications", as_="carla").get_json()["items"][0]
    assert item["url"].startswith("https://accord.example.com/disputes/")


def test_one_is_marked_read_then_all(api, world):
    tell(world, "carla", 3)
    items = api.get("/api/v1/me/notifications", as_="carla").get_json()["items"]
    marked = api.post(f"/api/v1/me/notifications/{items[0]['id']}/read", as_="carla")
    assert marked.status_code == 200 and marked.get_json()["read_at"] is not None
    unread = api.get("/api/v1/me/notifications?unread=true", as_="carla").get_json()["items"]
    assert len(unread) == len(items) - 1
    assert api.post("/api/v1/me/notifications/read", as_="carla").get_json() == {"marked": len(items) - 1}
    assert api.get("/api/v1/me/notifications?unread=true", as_="carla").get_json()["items"] == []


def test_nobody_reaches_anyone_elses_notifications(api, world):
    tell(world, "carla", 1)
    theirs = api.get("/api/v1/me/notifications", as_="carla").get_json()["items"][0]
    assert api.get("/api/v1/me/notifications", as_="frank").get_json()["items"] == []
    before = table_counts()
    assert_problem(api.post(f"/api/v1/me/notifications/{theirs['id']}/read", as_="frank"), 404)
    assert table_counts() == before
    assert_problem(api.get("/api/v1/me/notifications", as_=None), 401)


def test_settings_are_read_and_changed_field_by_field(api, world):
    settings = api.get("/api/v1/me/notification-settings", as_="carla").get_json()
    assert settings == {"kinds": {"waiting_on_you": "immediate", "stale_dispute": "immediate",
                                  "touchpoint_due": "daily", "dispute_update": "daily", "protocol_update": "daily",
                                  "webhook_disabled": "immediate"},
                        "digest_hour": 8, "timezone": "UTC", "quiet_hours": None}
    changed = api.put("/api/v1/me/notification-settings", as_="carla", json={
        "kinds": {"dispute_update": "weekly"}, "timezone": "Europe/Berlin",
        "quiet_hours": {"from": "20:00", "to": "07:00"}})
    assert changed.status_code == 200
    assert changed.get_json()["kinds"]["dispute_update"] == "weekly"
    assert changed.get_json()["quiet_hours"] == {"from": "20:00", "to": "07:00"}
    assert api.get("/api/v1/me/notification-settings", as_="carla").get_json() == changed.get_json()
    assert api.get("/api/v1/me/notification-settings", as_="frank").get_json() == settings


def test_a_setting_that_breaks_a_rule_is_refused_naming_its_field(api, signed_in):
    before = table_counts()
    for body, field in (({"kinds": {"dispute_update": "hourly"}}, "kinds"),
                        ({"digest_hour": 24}, "digest_hour"),
                        ({"timezone": "Mars/Olympus"}, "timezone"),
                        ({"quiet_hours": {"from": "9", "to": "17:00"}}, "quiet_hours"),
                        ({"colour": "blue"}, "colour")):
        problem = assert_problem(api.put("/api/v1/me/notification-settings", as_="carla", json=body), 422)
        assert field in str(problem), (body, problem)
    assert table_counts() == before
