"""After every action the page opens at what it did: the confirmation, or the summary of
every error, is inside the screen and holds the keyboard focus, on a laptop and on a
phone, without a script of ours."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENS
from tests.e2e.helpers import unfold

TRAINING = "Store staff training hours"


def in_view_and_focused(page, selector: str) -> dict:
    """Whether the element holds the focus and is wholly in view, once the browser has had
    the time to move the focus to the fragment it opened at (it does so after the load)."""
    expect(page.locator(selector)).to_be_focused()
    return page.evaluate("""(selector) => {
        const element = document.querySelector(selector);
        const box = element.getBoundingClientRect();
        return {focused: document.activeElement === element,
                inView: box.top > -1 && box.bottom <= window.innerHeight};
    }""", selector)


def open_dispute(page, title: str) -> None:
    page.goto("/disputes")
    page.get_by_role("main").get_by_role("link", name=title, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


@pytest.mark.parametrize("screen", SCREENS)
def test_a_note_added_at_the_foot_of_a_dispute_is_confirmed_in_view_and_focused(page_as, screen):
    alice = page_as("alice", **SCREENS[screen])
    open_dispute(alice, TRAINING)
    unfold(alice, "Add a note")
    alice.locator("#note-text").fill("Checked the rota with the store managers.")
    alice.get_by_role("button", name="Add note").click()
    expect(alice.locator("#feedback")).to_contain_text("Note added")
    assert alice.url.endswith("#feedback")
    assert in_view_and_focused(alice, "#feedback") == {"focused": True, "inView": True}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_form_sent_with_mistakes_opens_at_a_summary_of_every_error_linking_to_each_field(page_as, screen):
    carla = page_as("carla", **SCREENS[screen])
    carla.goto("/profile")
    carla.get_by_label("Your name").fill("   ")
    carla.get_by_role("button", name="Save your details").click()
    summary = carla.locator(".error-summary")
    expect(summary).to_contain_text("Name: must be 1 to 200 characters")
    assert in_view_and_focused(carla, ".error-summary") == {"focused": True, "inView": True}
    summary.get_by_role("link").first.click()
    expect(carla.locator("#name")).to_be_visible()
    assert carla.url.endswith("#name")
