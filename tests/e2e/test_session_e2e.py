"""Signing in and out in a real browser: sessions, keyboard use, accessibility, headers."""

from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import screenshot
from tests.e2e.helpers import sign_in


def path_of(page) -> str:
    return urlsplit(page.url).path


def sent_to_login(page, coming_back_to: str) -> bool:
    parts = urlsplit(page.url)
    return parts.path == "/login" and parse_qs(parts.query).get("next") == [coming_back_to]


def test_signing_in_as_the_account_manager_lands_on_the_home_page(page_as):
    page = page_as("alice")

    assert path_of(page) == "/"
    expect(page.get_by_role("banner")).to_contain_text("Alice Moreau · Northwind Systems")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")).to_have_attribute(
        "aria-current", "page")
    screenshot(page, "home")


def test_a_wrong_password_shows_the_error_and_keeps_the_email(new_page):
    page = new_page()
    sign_in(page, "gina", password="not her password")

    assert path_of(page) == "/login"
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an active account.")
    expect(page.get_by_label("Email", exact=True)).to_have_value("gina@fabrikam.example")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


def test_a_visitor_sent_to_sign_in_comes_back_to_the_page_asked_for(new_page):
    page = new_page()
    page.goto("/disputes")
    assert sent_to_login(page, coming_back_to="/disputes"), page.url

    sign_in(page, "carla")

    assert path_of(page) == "/disputes"


def test_after_signing_out_back_and_reload_land_on_the_login_page(page_as):
    page = page_as("alice")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    page.go_back()
    page.reload()

    assert sent_to_login(page, coming_back_to="/"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Accord")


def test_a_session_cookie_kept_from_before_signing_out_is_refused(page_as, new_page):
    page = page_as("alice")
    kept = page.context.cookies()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    replay = new_page()
    replay.context.add_cookies(kept)
    replay.goto("/")

    assert sent_to_login(replay, coming_back_to="/"), replay.url


def test_the_session_cookie_is_http_only_and_same_site_lax(page_as):
    page = page_as("carla")

    [cookie] = [c for c in page.context.cookies() if c["name"] == "accord_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"


def test_the_keyboard_alone_reaches_skip_to_content_first_and_signs_in(new_page):
    page = new_page()
    page.goto("/login")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email", exact=True)).to_be_focused()
    page.keyboard.type("frank@fabrikam.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type("accord-demo-password")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert path_of(page) == "/"
    expect(page.get_by_role("banner")).to_contain_text("Frank Osei · Fabrikam Logistics")


def test_the_login_page_has_no_serious_accessibility_violation(new_page, assert_accessible):
    page = new_page()
    page.goto("/login")

    assert_accessible(page)
    screenshot(page, "login")


def test_the_login_page_with_its_error_has_no_serious_accessibility_violation(new_page, assert_accessible):
    page = new_page()
    sign_in(page, "dev", password="not his password")

    assert_accessible(page)


@pytest.mark.parametrize("person", ["alice", "carla", "audrey", "admin"])
def test_the_home_page_has_no_serious_accessibility_violation(page_as, assert_accessible, person):
    assert_accessible(page_as(person))


def test_the_home_page_on_a_phone_has_no_serious_accessibility_violation(page_as, assert_accessible):
    page = page_as("carla", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

    assert_accessible(page)


@pytest.mark.parametrize("person", [None, "alice"])
def test_pages_carry_the_security_headers(new_page, page_as, person):
    page = page_as(person) if person else new_page()
    response = page.goto("/" if person else "/login")

    headers = response.headers
    policy = [p.strip() for p in headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
