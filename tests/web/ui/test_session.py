"""Signing in and out of the pages: revocable sessions, CSRF, throttling, security headers."""

import pytest

from mediation import directory
from mediation.sessions import FREE_FAILURES_PER_EMAIL
from mediation.sessions import AccessEvent
from tests.conftest import CSRF_FIELD
from tests.conftest import PASSWORD

COOKIE = "accord_session"
DEVICE = "accord_device"


def _kinds():
    return [e.kind for e in AccessEvent.select().order_by(AccessEvent.id)]


def test_anonymous_people_are_sent_to_sign_in_and_come_back_afterwards(browser):
    response = browser.get("/disputes?state=intake")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/disputes?state%3Dintake"
    browser.sign_in("alice")
    browser.post("/logout")
    token = browser.csrf_from("/login?next=/disputes?state%3Dintake")
    response = browser.client.post("/login", data={"email": "alice@northwind.example", "password": PASSWORD,
                                                   "next": "/disputes?state=intake", "csrf_token": token})
    assert response.headers["Location"] == "/disputes?state=intake"


def test_signing_in_leads_to_the_page_asked_for_and_never_off_site(browser, world):
    browser.sign_in("alice")
    browser.post("/logout")
    token = browser.csrf_from("/login")
    for target, expected in (("/disputes", "/disputes"), ("https://evil.example/", "/"), ("//evil.example", "/")):
        response = browser.client.post("/login", data={"email": world.people["alice"].email, "password": PASSWORD,
                                                       "next": target, "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] == expected
        browser.token = browser.csrf_from("/")
        browser.post("/logout")
        token = browser.csrf_from("/login")


def test_a_wrong_password_is_refused_with_the_email_kept(browser, world):
    response = browser.sign_in("alice", password="not the password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "do not match an active account" in html
    assert 'value="alice@northwind.example"' in html
    assert browser.get("/").status_code == 302
    assert _kinds() == ["login_failed"]


def test_after_repeated_failures_a_new_browser_waits_and_is_told_why_and_how_long(browser):
    for _ in range(FREE_FAILURES_PER_EMAIL):
        assert browser.sign_in("alice", password="not the password").status_code == 401
    response = browser.sign_in("alice")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    text = response.get_data(as_text=True)
    assert "failed from browsers it has not used before" in text and "Try again in 1 second." in text
    assert "15 minutes" not in text


def test_a_browser_that_signed_in_before_keeps_a_device_cookie_and_is_not_held_back(app, browser, world):
    response = browser.sign_in("alice")
    cookie = browser.client.get_cookie(DEVICE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert "accord_device=" in response.headers["Set-Cookie"] and "Max-Age=" in response.headers["Set-Cookie"]
    browser.post("/logout")

    stranger = app.test_client()
    for _ in range(FREE_FAILURES_PER_EMAIL + 3):
        token = CSRF_FIELD.search(stranger.get("/login").get_data(as_text=True)).group(1)
        stranger.post("/login", data={"email": "alice@northwind.example", "password": "guess",
                                      "csrf_token": token})

    assert browser.sign_in("alice").status_code == 302
    assert browser.client.get_cookie(DEVICE).value == cookie.value, "the browser keeps its key"


def test_a_forged_device_cookie_is_no_key_at_all(app, browser, world):
    browser.client.set_cookie(DEVICE, "not a key; injected")
    assert browser.sign_in("alice").status_code == 302
    assert len(browser.client.get_cookie(DEVICE).value) == 43


def test_sign_in_without_a_csrf_token_is_refused(browser, world):
    response = browser.client.post("/login", data={"email": world.people["alice"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    response = browser.client.post("/login", data={"email": world.people["alice"].email, "password": PASSWORD,
                                                   "csrf_token": "forged"})
    assert response.status_code == 400
    assert _kinds() == ["csrf_refused", "csrf_refused"]


def test_every_form_post_needs_the_csrf_token(browser_as):
    alice = browser_as("alice")
    assert alice.post("/logout", data={"csrf_token": ""}).status_code == 400
    assert alice.get("/").status_code == 200, "a refused sign-out leaves the session alone"


def test_each_sign_in_starts_a_new_session_identifier(browser):
    browser.get("/login")
    before = browser.client.get_cookie(COOKIE).value
    browser.sign_in("alice")
    first = browser.client.get_cookie(COOKIE).value
    browser.post("/logout")
    browser.sign_in("alice")
    second = browser.client.get_cookie(COOKIE).value
    assert len({before, first, second}) == 3


def test_a_cookie_replayed_after_signing_out_is_refused(browser):
    browser.sign_in("alice")
    stolen = browser.client.get_cookie(COOKIE).value
    assert browser.post("/logout").headers["Location"].startswith("/login")
    assert browser.get("/").status_code == 302
    browser.client.set_cookie(COOKIE, stolen)
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _kinds() == ["login", "logout"]


def test_disabling_a_person_ends_their_open_sessions(browser_as, world, clock):
    carla = browser_as("carla")
    assert carla.get("/").status_code == 200
    directory.disable_person(world.actor("admin"), clock, person_id=world.id("carla"))
    response = carla.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert carla.sign_in("carla").status_code == 401


def test_an_idle_session_expires(browser_as, clock):
    alice = browser_as("alice")
    clock.advance(minutes=31)
    assert alice.get("/").status_code == 302


def test_signing_out_needs_a_post(browser_as):
    alice = browser_as("alice")
    assert alice.get("/logout").status_code == 405
    assert alice.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/login", "/", "/api/v1/me"])
def test_security_headers_are_on_every_response(browser_as, path):
    response = browser_as("alice").get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_http_only_and_same_site_lax(browser, world):
    response = browser.sign_in("alice")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app, world):
    client = app.test_client()
    response = client.get("/login", base_url="https://accord.example")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Secure" in cookie


def test_refused_access_is_recorded(browser_as):
    carla = browser_as("carla")
    assert carla.get("/admin").status_code == 403
    refused = AccessEvent.select().where(AccessEvent.kind == "access_refused").get()
    assert refused.path == "/admin" and refused.person_id is not None


def test_the_session_cookie_can_be_forced_secure_behind_a_proxy(database_url, clock, world, monkeypatch):
    from web import create_app

    monkeypatch.setenv("ACCORD_SECURE_COOKIES", "1")
    app = create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True})
    response = app.test_client().get("/login")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Secure" in cookie


def test_signed_in_pages_are_never_cached(browser_as, browser):
    assert browser_as("alice").get("/disputes").headers["Cache-Control"] == "no-store"
    assert "no-store" not in browser.get("/static/style.css").headers.get("Cache-Control", "")


def test_signing_in_over_a_live_session_ends_the_old_one(browser, browser_as, world):
    browser_as("carla")
    browser.sign_in("alice")
    alices = browser.client.get_cookie(COOKIE).value
    token = browser.csrf_from("/")
    response = browser.client.post("/login", data={"email": world.people["carla"].email, "password": PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 302
    browser.client.set_cookie(COOKIE, alices)
    assert browser.get("/").status_code == 302


# POST routes outside the API that take no CSRF token, and why that is safe.
WITHOUT_CSRF_TOKEN = {
    "/unsubscribe/<token>": "RFC 8058 one-click unsubscribe: a mail program posts it without cookies; the random "
                            "token of the link is the credential (tests/web/ui/test_mail_pages.py)",
}


def test_every_page_form_refuses_a_post_without_its_csrf_token(app, browser_as):
    """Walks every POST route outside the API: none may change anything without the token."""
    alice = browser_as("alice")
    alice.token = None
    routes = [rule for rule in app.url_map.iter_rules()
              if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.rule not in WITHOUT_CSRF_TOKEN]
    assert len(routes) > 20
    for rule in routes:
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        response = alice.post(path, data={})
        assert response.status_code == 400, f"{rule.rule} answered {response.status_code}"
