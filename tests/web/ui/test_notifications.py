"""The notifications page and the profile's settings: the unread count in the navigation,
the newest first, opening one marks it read and leads to its page, and settings are saved
or refused with the fault next to its field. Each person sees only their own."""

from outreach.settings import settings_of
from tests.outreach.helpers import tell
from tests.web.ui.pages import main
from tests.web.ui.pages import parse


def _nav(response):
    return parse(response.get_data(as_text=True)).find("nav").text


def test_the_navigation_counts_what_is_unread(browser_as, world):
    carla = browser_as("carla")
    assert _nav(carla.get("/")).endswith("Notifications")
    tell(world, "carla", 3)
    assert "Notifications 3 unread" in _nav(carla.get("/"))
    assert "Notifications 1 unread" in _nav(browser_as("sam").get("/"))


def test_the_page_lists_the_newest_first_and_opening_one_leads_to_it_read(browser_as, world):
    dispute = tell(world, "carla", 2)
    carla = browser_as("carla")
    page = main(carla.get("/notifications"))
    titles = [button.text for button in page.find_all("button", class_="title")]
    assert titles == ["Unread: Update 1", "Unread: Update 0"]
    opened = page.find_all("form", class_="open")[0].attrs["action"]
    response = carla.post(opened)
    assert response.status_code == 302 and response.headers["Location"] == f"/disputes/{dispute.id}"
    assert "Notifications 1 unread" in _nav(carla.get("/"))
    marked = carla.post("/notifications/read", follow_redirects=True)
    assert "1 notification marked as read." in marked.get_data(as_text=True)
    assert "Notifications 1 unread" not in _nav(carla.get("/"))
    assert "Nothing unread" in carla.get("/notifications?show=unread").get_data(as_text=True)


def test_with_nothing_to_tell_the_page_says_what_will_appear(browser_as):
    assert "No notifications yet" in browser_as("carla").get("/notifications").get_data(as_text=True)


def test_a_long_list_pages_to_older_notifications(browser_as, world):
    tell(world, "carla", 30)
    carla = browser_as("carla")
    page = main(carla.get("/notifications"))
    assert len(page.find_all("button", class_="title")) == 25
    older = [a for a in page.find_all("a") if a.text == "Older notifications"]
    rest = main(carla.get(older[0].attrs["href"]))
    assert [b.text for b in rest.find_all("button", class_="title")] == [f"Unread: Update {n}" for n in range(4, -1, -1)]
    assert not [a for a in rest.find_all("a") if a.text == "Older notifications"]


def test_nobody_opens_or_marks_anyone_elses(browser_as, world):
    tell(world, "carla", 1)
    carla = browser_as("carla")
    action = main(carla.get("/notifications")).find_all("form", class_="open")[0].attrs["action"]
    frank = browser_as("frank")
    assert frank.post(action).status_code == 404
    assert "Notifications 1 unread" in _nav(carla.get("/"))


def test_settings_are_saved_from_the_profile(browser_as, world):
    carla = browser_as("carla")
    page = main(carla.get("/profile"))
    assert page.find("select", id="kind-dispute_update") is not None
    response = carla.post("/profile/notifications", data={
        "kind-waiting_on_you": "immediate", "kind-stale_dispute": "immediate", "kind-touchpoint_due": "off",
        "kind-dispute_update": "weekly", "kind-protocol_update": "daily", "kind-webhook_disabled": "immediate",
        "digest_hour": "7", "quiet_from": "21:00", "quiet_to": "06:30"}, follow_redirects=True)
    assert "Your notification settings are saved." in response.get_data(as_text=True)
    chosen = settings_of(world.id("carla"))
    assert chosen.frequencies["touchpoint_due"] == "off" and chosen.frequencies["dispute_update"] == "weekly"
    assert (chosen.digest_hour, chosen.timezone, chosen.quiet_from, chosen.quiet_to) == (7, "UTC", "21:00", "06:30")
    shown = main(carla.get("/profile"))
    assert shown.find("option", value="7").attrs.get("selected") is not None


def test_a_setting_at_fault_is_shown_next_to_its_field_and_nothing_is_saved(browser_as, world):
    carla = browser_as("carla")
    response = carla.post("/profile/notifications", data={
        "kind-dispute_update": "hourly", "digest_hour": "8", "quiet_from": "21:00", "quiet_to": ""})
    assert response.status_code == 422
    page = main(response)
    assert page.by_id("kind-dispute_update-error") is not None
    assert page.by_id("quiet_to-error") is not None
    assert settings_of(world.id("carla")).frequencies["dispute_update"] != "hourly"
