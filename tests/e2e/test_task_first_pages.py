"""Each person's pages, read on a 1280×800 laptop and a 390×844 phone, lead with what the
reader does next: the "Next step" and the button to take it are in the first screen, no
page scrolls sideways, and with the secondary forms folded a dispute in resolution is at
most 2,000 px tall on the laptop, a protocol in force at most 2,500 px."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENS
from tests.e2e.helpers import sideways_scroll

INTAKE = "Points not credited after outage"
OPTIONS = "Store staff training hours"
RESOLUTION = "Licence count true-up"
RESOLVED = "Disputed invoices for the March cut-over"
EXECUTIVE_REVIEW = "Point-of-sale migration: executive review"

# What each person reads: (person, start, links to follow by name, the button of their next
# step, or None when nothing waits on them).
STEP_PAGES = {
    "dispute in intake, its mediator": ("alice", "/disputes", [INTAKE], "See what you can do"),
    "dispute in intake, the customer": ("carla", "/disputes", [INTAKE], None),
    "dispute in option generation, its mediator": ("alice", "/disputes", [OPTIONS], "Propose an option"),
    "dispute in option generation, the customer": ("carla", "/disputes", [OPTIONS], None),
    "dispute in resolution, its account manager": ("bob", "/disputes", [RESOLUTION], "Choose an option to accept"),
    "dispute in resolution, the customer": ("frank", "/disputes", [RESOLUTION], "Choose an option to accept"),
    "dispute in resolution, an auditor": ("audrey", "/disputes", [RESOLUTION], None),
    "dispute resolved": ("alice", "/disputes", [RESOLVED], None),
    "protocol in force, the supplier's point person": ("alice", "/protocols", ["Onboarding"], None),
    "protocol in force, the customer's point person": ("carla", "/protocols", ["Onboarding"], None),
    "protocol in force, an auditor": ("audrey", "/protocols", ["Onboarding"], None),
    "protocol awaiting the customer": ("carla", "/", [EXECUTIVE_REVIEW], "Go to version 1"),
}
# The tallest a page may be on the laptop, its forms folded.
LIMITS = {"dispute in resolution": 2000, "protocol in force": 2500}
OTHER_PAGES = {
    "home, account manager": ("alice", "/"),
    "home, customer": ("carla", "/"),
    "home, auditor": ("audrey", "/"),
    "disputes": ("alice", "/disputes"),
    "board": ("carla", "/protocols"),
    "search": ("carla", "/search?q=invoices"),
    "profile": ("carla", "/profile"),
    "notifications": ("carla", "/notifications"),
    "resolution histories": ("audrey", "/audit"),
    "people": ("admin", "/admin/people"),
    "new protocol version": ("alice", "/protocols", ["Onboarding", "Draft a new version"]),
}


def in_first_screen(locator) -> bool:
    """Whether the element is wholly inside the first screen of the page, unscrolled."""
    return locator.evaluate("e => { const b = e.getBoundingClientRect();"
                            " return b.top >= 0 && b.bottom <= window.innerHeight; }")


def height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def assert_next_step_leads(page, button: str | None) -> None:
    step = page.get_by_role("region", name="Next step", exact=True)
    expect(step).to_be_visible()
    assert in_first_screen(step), f"the next step is below the first screen of {page.url}"
    if button is None:
        expect(step.get_by_role("link")).to_have_count(0)
        return
    take = step.get_by_role("link", name=button, exact=True)
    assert in_first_screen(take), f"“{button}” is below the first screen"
    take.click()
    target = page.locator(page.evaluate("() => location.hash"))
    expect(target).to_be_visible()
    assert not target.evaluate("e => !!e.closest('details:not([open])')"), "the step's form is folded"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", STEP_PAGES)
def test_a_dispute_or_protocol_page_opens_at_the_readers_next_step_and_fits_the_screen(open_as, screen, name):
    person, start, links, button = STEP_PAGES[name]
    page = open_as(person, start, links, **SCREENS[screen])

    assert sideways_scroll(page) == 0
    limit = next((pixels for kind, pixels in LIMITS.items() if name.startswith(kind)), None)
    if screen == "laptop" and limit:
        assert height(page) <= limit, f"{height(page)} px tall"
    assert_next_step_leads(page, button)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", OTHER_PAGES)
def test_every_other_page_fits_the_screen(open_as, screen, name):
    page = open_as(*OTHER_PAGES[name], **SCREENS[screen])

    assert sideways_scroll(page) == 0, f"{name} is wider than the screen"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("person", ["alice", "carla", "frank"])
def test_the_first_thing_waiting_on_a_person_is_in_the_first_screen_of_their_home(open_as, screen, person):
    page = open_as(person, "/", **SCREENS[screen])

    first = page.get_by_role("region", name="Waiting on you", exact=True).get_by_role("listitem").first
    expect(first).to_be_visible()
    assert in_first_screen(first.get_by_role("link").first)
