"""The profile page: a person's own name, time zone, password, tokens and calendar links."""

from mediation import sessions
from mediation.credentials import ApiToken
from mediation.credentials import person_for_token
from mediation.ledger import AuditEvent
from mediation.parties import Person
from outreach.settings import settings_of
from tests.conftest import PASSWORD
from tests.conftest import table_counts
from tests.web.ui.pages import main

TOKEN_SHOWN = "acc_"


def test_the_profile_shows_each_part_in_turn(browser_as):
    page = main(browser_as("carla").get("/profile"))
    assert [h.text for h in page.find_all("h2")] == [
        "Your details", "Notifications by mail", "Password", "API tokens and calendar links"]
    assert page.by_id("name").attrs["value"] == "Carla"
    zones = [o.attrs["value"] for o in page.by_id("timezone").find_all("option")]
    assert zones[0] == "UTC" and "Europe/Berlin" in zones and "America/Argentina/Buenos_Aires" in zones
    assert not [z for z in zones if z.startswith(("Etc/", "US/"))], "no legacy aliases"


def test_a_person_renames_themselves_and_chooses_their_time_zone(browser_as, world):
    carla = browser_as("carla")
    response = carla.post("/profile/details", data={"name": "  Carla   Jimenez ", "timezone": "Europe/Madrid"},
                          follow_redirects=True)
    assert "Your details are saved." in response.get_data(as_text=True)
    assert Person.get_by_id(world.id("carla")).name == "Carla Jimenez"
    assert settings_of(world.id("carla")).timezone == "Europe/Madrid"
    event = AuditEvent.select().where(AuditEvent.kind == "person_renamed").get()
    assert event.data == {"email": "carla@contoso.example", "from": "Carla", "to": "Carla Jimenez"}


def test_bad_details_are_all_named_and_nothing_changes(browser_as, world):
    carla = browser_as("carla")
    before = table_counts()
    response = carla.post("/profile/details", data={"name": "   ", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    page = main(response)
    assert page.by_id("name-error") is not None and page.by_id("timezone-error") is not None
    assert table_counts() == before
    assert Person.get_by_id(world.id("carla")).name == "Carla"


def test_changing_the_password_needs_the_current_one_and_signs_out_every_other_browser(app, browser_as, world):
    carla, elsewhere = browser_as("carla"), browser_as("carla")
    refused = carla.post("/profile/password", data={"current": "not it", "password": "short",
                                                    "repeated": "different"})
    assert refused.status_code == 422
    page = main(refused)
    assert {"current-error", "password-error"} <= {p.attrs["id"] for p in page.find_all("p", class_="error")}

    response = carla.post("/profile/password", data={"current": PASSWORD, "password": "a brand new passphrase",
                                                     "repeated": "a brand new passphrase"}, follow_redirects=True)

    assert "Your password is changed. 1 other sign-in ended." in response.get_data(as_text=True)
    assert carla.get("/").status_code == 200, "this browser stays signed in"
    assert elsewhere.get("/").status_code == 302, "the other is signed out"
    assert sessions.sign_in("carla@contoso.example", "a brand new passphrase", world.clock.now()).key


def test_a_person_makes_a_token_sees_it_once_and_revokes_it(browser_as, world):
    carla = browser_as("carla")
    shown = carla.post("/profile/tokens", data={"label": "Nightly report"})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    plain = main(shown).find("code", class_="subscription").text
    assert plain.startswith(TOKEN_SHOWN) and person_for_token(plain).id == world.id("carla")

    page = main(carla.get("/profile"))
    row = [r for r in page.find_all("tr") if "Nightly report" in r.text][0]
    assert plain not in page.text and "API token" in row.text
    action = row.find("form").attrs["action"]
    response = carla.post(action, follow_redirects=True)
    assert "\u201cNightly report\u201d is revoked" in response.get_data(as_text=True)
    assert person_for_token(plain) is None
    assert "Revoked" in [r for r in main(carla.get("/profile")).find_all("tr") if "Nightly report" in r.text][0].text


def test_nobody_revokes_anothers_token_from_their_profile(browser_as, world):
    browser_as("carla").post("/profile/tokens", data={"label": "Mine"})
    token = ApiToken.get(ApiToken.label == "Mine")
    frank = browser_as("frank")
    before = table_counts()
    assert frank.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert table_counts() == before


def test_an_auditor_is_offered_no_token_form(browser_as):
    page = main(browser_as("auditor").get("/profile"))
    assert page.find("form", action="/profile/tokens") is None
    assert "an administrator gives you a token" in page.text
