"""What a browser test does as a person: sign in through the form, take the README's
screenshots. The fixtures that need Chromium or axe-core live in conftest.py."""

import os
from pathlib import Path

from web.demo import DEMO_PASSWORD
from web.demo import PEOPLE

ROOT = Path(__file__).resolve().parents[2]
# The two screens every page is read on.
SCREENS = {
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
SCREENSHOTS = ROOT / "docs" / "screenshots"


def email_of(person: str) -> str:
    """A demo person's email from their key ("alice") or the email itself."""
    if "@" in person:
        return person
    emails = [email for email, *_ in PEOPLE if email.split("@")[0] == person]
    if not emails:
        raise KeyError(f"no demo person {person!r}; see web/demo.py PEOPLE")
    return emails[0]


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill the login form by its labels and send it, as a person would; waits for the
    page that answers (the next page, or the form again with its error)."""
    if not page.url.split("?")[0].endswith("/login"):
        page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email_of(email))
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def screenshot(page, name: str) -> Path | None:
    """A full-page PNG at docs/screenshots/<name>.png, only under ACCORD_SCREENSHOTS=1
    (`make screenshots`), so ordinary runs leave the tree as it was."""
    if os.environ.get("ACCORD_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def unfold(scope, label: str) -> None:
    """Open the folded form named `label` within `scope` (a page or a part of one) by
    clicking its summary, as a person would; a fold already open stays open."""
    summary = scope.locator("details.fold > summary").filter(has_text=label)
    if not summary.evaluate("summary => summary.parentElement.open"):
        summary.click()


def sideways_scroll(page) -> int:
    """How many pixels the page is wider than the screen (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
