"""Search in a real browser, with the keyboard alone: Carla (Contoso's point person) types
words into the search box of the page header, presses Enter, reads what her company may
read with the matching words marked, and opens a result; what Northwind wrote for itself
is not found."""

from playwright.sync_api import expect

RESOLVED = "Disputed invoices for the March cut-over"


def header_search(page):
    return page.get_by_role("banner").get_by_label("Search disputes and protocols", exact=True)


def test_a_person_searches_from_the_header_and_opens_a_result_with_the_keyboard(page_as):
    carla = page_as("carla")

    box = header_search(carla)
    box.focus()
    box.fill("duplicate SKUs")
    with carla.expect_navigation():
        box.press("Enter")
    expect(carla.get_by_role("heading", level=2)).to_have_text("Results for “duplicate SKUs”")
    results = carla.get_by_role("main").get_by_role("listitem")
    expect(results).to_have_count(1)
    expect(results.locator("mark")).to_have_text(["duplicate", "SKUs"])
    link = results.get_by_role("link", name=RESOLVED, exact=True)
    link.focus()
    with carla.expect_navigation():
        link.press("Enter")
    expect(carla.get_by_role("heading", level=1)).to_contain_text(RESOLVED)

    box = header_search(carla)
    box.fill("change-request process skipped")
    with carla.expect_navigation():
        box.press("Enter")
    expect(carla.get_by_role("main")).to_contain_text("Nothing you may read matches")
