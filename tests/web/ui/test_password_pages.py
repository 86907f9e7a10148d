"""The invitation and reset pages, for people who are not signed in: the sign-in page
offers a reset, the answer is the same for a known and an unknown address, and a link
sets a password once."""

import re

from mediation import directory
from outreach.models import Mail
from tests.web.ui.pages import main

LINK = re.compile(r"/password/([A-Za-z0-9_-]+)")


def test_the_sign_in_page_offers_a_reset_that_answers_alike_for_any_address(browser, world):
    login = main(browser.get("/login"))
    assert [a.attrs["href"] for a in login.find_all("a") if a.text == "Forgot your password?"] == ["/password/forgot"]
    token = browser.csrf_from("/password/forgot")
    known = browser.client.post("/password/forgot", data={"email": "carla@contoso.example", "csrf_token": token})
    unknown = browser.client.post("/password/forgot", data={"email": "nobody@contoso.example", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    assert main(known).find("p", class_="flash").text.replace("carla", "X") == \
        main(unknown).find("p", class_="flash").text.replace("nobody", "X")
    assert [m.to_address for m in Mail.select().where(Mail.kinds == "reset")] == ["carla@contoso.example"]
    assert browser.client.post("/password/forgot", data={"email": "carla@contoso.example"}).status_code == 400


def test_an_invited_person_sets_a_password_once_and_signs_in(browser, world):
    directory.create_person(None, world.clock, email="nina@contoso.example", name="Nina Berg", roles=[],
                            organization_id=world.orgs["contoso"].id)
    path = "/password/" + LINK.search(Mail.get(Mail.to_address == "nina@contoso.example").text_body).group(1)
    page = main(browser.get(path))
    assert page.find("h1").text == "Welcome to Accord, Nina Berg"
    token = browser.csrf_from(path)
    refused = browser.client.post(path, data={"password": "short", "repeated": "short", "csrf_token": token})
    assert refused.status_code == 422 and main(refused).by_id("password-error") is not None
    done = browser.client.post(path, data={"password": "a long new password", "repeated": "a long new password",
                                           "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == "/login?password_set=1"
    assert browser.get(path).status_code == 404
    signed = browser.client.post("/login", data={"email": "nina@contoso.example", "password": "a long new password",
                                                 "csrf_token": browser.csrf_from("/login")})
    assert signed.status_code == 302


def test_a_link_that_does_not_work_says_what_to_do(browser, world):
    response = browser.get("/password/not-a-link")
    assert response.status_code == 404 and "Forgot your password?" in response.get_data(as_text=True)


def test_a_person_added_through_the_api_or_the_admin_page_without_a_password_is_invited(api, browser_as, world):
    added = api.post("/api/v1/people", {"email": "nina@contoso.example", "name": "Nina Berg",
                                        "organization_id": world.orgs["contoso"].id, "roles": []}, as_="admin")
    assert added.status_code == 201
    admin = browser_as("admin")
    response = admin.post("/admin/people", data={"email": "omar@contoso.example", "name": "Omar Haddad",
                                                 "organization_id": str(world.orgs["contoso"].id)})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    invited = {m.to_address for m in Mail.select().where(Mail.subject == "You are invited to Accord")}
    assert {"nina@contoso.example", "omar@contoso.example"} <= invited
