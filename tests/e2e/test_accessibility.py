"""axe-core finds no serious or critical violation on Accord's main pages, each read by the
person it is for: the dispute pages in several states for the supplier and the customer,
the protocol pages, the auditor's and the administrator's pages, the diagrams, the error
pages; forms sent back with their errors. On a phone, the dispute page, the lists and the board also fit the
screen without scrolling sideways.

Each person signs in once for the module; every scan still gets a browser context of its own.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENS
from tests.e2e.helpers import screenshot
from tests.e2e.helpers import sideways_scroll
from tests.e2e.helpers import unfold

PHONE = SCREENS["phone"]

INTAKE = "Points not credited after outage"
OPTIONS = "Store staff training hours"
RESOLUTION = "Licence count true-up"
RESOLVED = "Disputed invoices for the March cut-over"

# What each scan reads: (person, page to start from, links to follow from there by name).
PAGES = {
    "disputes list": ("alice", "/disputes", []),
    "disputes list, customer": ("carla", "/disputes", []),
    "open a dispute": ("alice", "/disputes", ["Open a dispute"]),
    "dispute in intake": ("alice", "/disputes", [INTAKE]),
    "dispute in intake, customer": ("carla", "/disputes", [INTAKE]),
    "dispute in option generation": ("alice", "/disputes", [OPTIONS]),
    "dispute in resolution": ("bob", "/disputes", [RESOLUTION]),
    "dispute in resolution, customer": ("frank", "/disputes", [RESOLUTION]),
    "dispute resolved": ("alice", "/disputes", [RESOLVED]),
    "dispute resolved, customer": ("carla", "/disputes", [RESOLVED]),
    "board": ("alice", "/protocols", []),
    "protocol in force with its chart": ("alice", "/protocols", ["Onboarding"]),
    "protocol awaiting the customer": ("carla", "/", ["Point-of-sale migration: executive review"]),
    "a new protocol version": ("alice", "/protocols", ["Onboarding", "Draft a new version"]),
    "a project's protocols": ("alice", "/protocols", ["Loyalty platform"]),
    "relationships": ("alice", "/relationships", []),
    "the account team, kept by an administrator": ("admin", "/relationships", ["Contoso strategic account",
                                                                                "The team's page"]),
    "account managers side by side": ("audrey", "/relationships", ["Account managers as balanced advocates"]),
    "a flagged account manager": ("bob", "/relationships", ["You as a balanced advocate"]),
    "a relationship, customer": ("carla", "/relationships", ["Contoso strategic account"]),
    "who is in contact with whom": ("alice", "/relationships", ["Contoso strategic account",
                                                                 "Who is in contact with whom"]),
    "resolution histories": ("audrey", "/audit", []),
    "resolution history": ("audrey", "/audit", [RESOLVED]),
    "administration": ("admin", "/admin", []),
    "organizations": ("admin", "/admin/organizations", []),
    "people": ("admin", "/admin/people", []),
    "disabling a person, asked first": ("admin", "/admin/people", ["Disable Sam Lindqvist"]),
    "accounts": ("admin", "/admin/accounts", []),
    "projects": ("admin", "/admin/projects", []),
    "diagrams": ("carla", "/diagrams", []),
    "notifications": ("carla", "/notifications", []),
    "profile and notification settings": ("carla", "/profile", []),
    "outbox": ("admin", "/admin/outbox", []),
    "webhooks": ("admin", "/admin/webhooks", []),
    "page not found": ("alice", "/no-such-page", []),
    "not allowed": ("alice", "/admin", []),
    "asked for the wrong way": ("alice", "/logout", []),
    "search results": ("carla", "/search?q=invoices", []),
    "search, nothing found": ("carla", "/search?q=pineapple", []),
}
SCREENSHOTS = {"people": "admin-people", "diagrams": "diagrams", "notifications": "notifications",
               "outbox": "outbox", "a relationship, customer": "relationship", "who is in contact with whom": "contacts",
               "the account team, kept by an administrator": "team", "a flagged account manager": "advocacy"}

# Read on a phone as well: they must fit its screen.
PHONE_PAGES = {
    "notifications": ("carla", "/notifications", []),
    "dispute in resolution, customer": ("frank", "/disputes", [RESOLUTION]),
    "dispute resolved": ("alice", "/disputes", [RESOLVED]),
    "disputes list": ("frank", "/disputes", []),
    "board": ("frank", "/protocols", []),
    "a relationship": ("frank", "/relationships", ["Fabrikam strategic account"]),
    "a flagged account manager": ("bob", "/relationships", ["You as a balanced advocate"]),
    "who is in contact with whom, customer": ("carla", "/relationships", ["Contoso strategic account",
                                                                           "Who is in contact with whom"]),
    "people": ("admin", "/admin/people", []),
    "projects": ("admin", "/admin/projects", []),
    "search results": ("carla", "/search?q=invoices", []),
}
PHONE_SCREENSHOTS = {"dispute in resolution, customer": "dispute-phone"}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_serious_accessibility_violation(open_as, assert_accessible, name):
    page = open_as(*PAGES[name])

    assert_accessible(page)
    if name in SCREENSHOTS:
        screenshot(page, SCREENSHOTS[name])


def test_the_open_dispute_form_sent_back_with_its_errors_has_no_serious_violation(open_as, assert_accessible):
    page = open_as("alice", "/disputes/new")
    page.get_by_role("button", name="Open dispute").click()

    expect(page.get_by_role("alert")).to_contain_text("please correct the fields marked below")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_a_dispute_form_sent_back_with_its_errors_has_no_serious_violation(open_as, assert_accessible):
    page = open_as("alice", "/disputes", [OPTIONS])
    page.get_by_role("button", name="Propose option").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved: correct the fields marked below.")
    expect(page.get_by_label("Option summary")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_a_touchpoint_form_sent_back_with_its_errors_has_no_serious_violation(open_as, assert_accessible):
    page = open_as("carla", "/protocols", ["Onboarding"])
    unfold(page, "Log a touchpoint")
    page.get_by_role("button", name="Log touchpoint").click()

    expect(page.get_by_label("Summary")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_the_error_page_for_someone_not_signed_in_has_no_serious_violation(new_page, assert_accessible):
    page = new_page()
    page.goto("/no-such-page")

    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_on_a_phone_the_page_fits_the_screen_without_serious_violation(open_as, assert_accessible, name):
    page = open_as(*PHONE_PAGES[name], **PHONE)

    assert sideways_scroll(page) == 0, f"{name} is wider than a phone's screen"
    assert_accessible(page)
    if name in PHONE_SCREENSHOTS:
        screenshot(page, PHONE_SCREENSHOTS[name])
