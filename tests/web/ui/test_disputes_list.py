"""The list of disputes: filters as a GET form, columns whose headings sort by them, cursor
pagination that keeps the filters and the order, choices limited to what the viewer may
see, and an empty state that says what to do next."""

from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from tests.web.ui.pages import label_texts
from tests.web.ui.pages import main


def listed(response) -> list[str]:
    """The titles in the table, in order."""
    assert response.status_code == 200, response.get_data(as_text=True)
    table = main(response).find("table")
    if table is None:
        return []
    return [row.find("td").text for row in table.find("tbody").find_all("tr")]


def test_the_list_shows_each_dispute_with_its_account_project_severity_state_and_last_change(world, browser_as):
    world.open_dispute(title="Overtime above the cap", project_id=world.projects["contoso"].id, severity="critical")
    page = main(browser_as("alice").get("/disputes"))

    headers = [th.text for th in page.find("thead").find_all("th")]
    assert headers == ["Title", "Account", "Project", "Severity", "State", "Stale", "Last change"]
    assert all(th.attrs.get("scope") == "col" for th in page.find("thead").find_all("th"))
    cells = [td.text for td in page.find("tbody").find("tr").find_all("td")]
    assert cells == ["Overtime above the cap", "Contoso account", "POS migration", "Critical severity", "Intake",
                     "No", "2 Mar 2026, 09:00 UTC"]
    link = page.find("tbody").find("a")
    assert link.attrs["href"].startswith("/disputes/")


@pytest.fixture
def spread(world, clock):
    """Disputes in several states, severities, accounts and projects; one left in intake."""
    stale = world.open_dispute(title="Left in intake", severity="low")
    clock.advance(hours=25)
    moving = world.open_dispute(title="Being heard", project_id=world.projects["contoso"].id, severity="high")
    world.drive(moving, "story_gathering")
    world.open_dispute(title="Fresh", severity="critical")
    world.open_dispute(account="fabrikam", title="Warehouse delays", severity="high")
    return stale


@pytest.mark.parametrize("query, titles", [
    ("", ["Left in intake", "Being heard", "Fresh", "Warehouse delays"]),
    ("state=story_gathering", ["Being heard"]),
    ("severity=high", ["Being heard", "Warehouse delays"]),
    ("account_id={fabrikam}", ["Warehouse delays"]),
    ("project_id={pos_migration}", ["Being heard"]),
    ("stale=true", ["Left in intake"]),
    ("stale=false&severity=critical", ["Fresh"]),
    ("state=intake&account_id={contoso}&stale=", ["Left in intake", "Fresh"]),
])
def test_filters_narrow_the_list(world, spread, browser_as, query, titles):
    ids = {"contoso": world.accounts["contoso"].id, "fabrikam": world.accounts["fabrikam"].id,
           "pos_migration": world.projects["contoso"].id}
    assert listed(browser_as("alice").get(f"/disputes?{query.format(**ids)}")) == titles


def test_the_filter_form_keeps_the_chosen_filters_selected(spread, browser_as):
    page = main(browser_as("alice").get("/disputes?state=intake&stale=true"))
    form = page.find("form", method="get")
    assert label_texts(form) == ["State", "Customer", "Account", "Project", "Severity", "Stale", "Mine only"]
    assert form.by_id("state").find("option", selected="").attrs["value"] == "intake"
    assert form.by_id("stale").find("option", selected="").attrs["value"] == "true"
    assert page.find("a", href="/disputes").text == "Clear filters"


def test_a_stale_dispute_is_flagged_in_the_list(spread, browser_as):
    rows = main(browser_as("alice").get("/disputes")).find("tbody").find_all("tr")
    flags = {row.find("td").text: row.find_all("td")[5].text for row in rows}
    assert flags["Left in intake"] == "Stale"
    assert flags["Fresh"] == "No"


def test_a_bad_filter_is_shown_next_to_its_field(world, browser_as):
    response = browser_as("alice").get("/disputes?state=bogus")
    assert response.status_code == 422
    page = main(response)
    assert page.by_id("state").attrs.get("aria-invalid") == "true"
    assert "Must be one of" in page.by_id("state-error").text


def test_pages_hold_25_disputes_and_the_next_page_link_keeps_the_filters(world, browser_as):
    for n in range(30):
        world.open_dispute(title=f"High {n:02}", severity="high")
    world.open_dispute(title="Low one", severity="low")
    alice = browser_as("alice")

    first = alice.get("/disputes?severity=high")
    assert listed(first) == [f"High {n:02}" for n in range(25)]
    next_link = main(first).find("nav", class_="pagination").find("a")
    assert next_link.text == "Next page"
    query = parse_qs(urlsplit(next_link.attrs["href"]).query)
    assert query["severity"] == ["high"]

    second = alice.get(next_link.attrs["href"])
    assert listed(second) == [f"High {n:02}" for n in range(25, 30)]
    links = [a.text for a in main(second).find("nav", class_="pagination").find_all("a")]
    assert links == ["First page"]


def test_account_and_project_choices_are_only_those_the_viewer_may_see(world, browser_as):
    page = main(browser_as("carla").get("/disputes"))
    accounts = [o.text for o in page.by_id("account_id").find_all("option")]
    projects = [o.text for o in page.by_id("project_id").find_all("option")]
    assert accounts == ["Any account", "Contoso account"]
    assert projects == ["Any project", "POS migration (Contoso account)"]


def test_a_customer_lists_only_its_own_disputes(world, browser_as):
    world.open_dispute(title="Contoso matter")
    world.open_dispute(account="fabrikam", title="Fabrikam matter")
    assert listed(browser_as("frank").get("/disputes")) == ["Fabrikam matter"]
    assert listed(browser_as("frank").get(f"/disputes?account_id={world.accounts['contoso'].id}")) == []


def test_an_account_manager_with_no_disputes_is_told_to_open_one(world, browser_as):
    page = main(browser_as("alice").get("/disputes"))
    assert page.find("table") is None
    assert "No disputes yet" in page.find("div", class_="empty-state").text
    assert [a.text for a in page.find_all("a", href="/disputes/new")] == ["Open a dispute", "Open a dispute"]


def test_a_person_who_cannot_open_disputes_is_told_nothing_needs_them(world, browser_as):
    page = main(browser_as("carla").get("/disputes"))
    assert "nothing needs you here" in page.find("div", class_="empty-state").text
    assert page.find("a", href="/disputes/new") is None


def test_filters_that_match_nothing_offer_to_show_every_dispute(world, browser_as):
    world.open_dispute()
    page = main(browser_as("alice").get("/disputes?state=resolved"))
    empty = page.find("div", class_="empty-state")
    assert "No dispute matches these filters" in empty.text
    assert empty.find("a").attrs["href"] == "/disputes"


def test_an_anonymous_visitor_is_sent_to_sign_in(browser):
    response = browser.get("/disputes?state=intake")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/disputes?state%3Dintake"


# --- sorting, mine, customer -------------------------------------------------------------------


def sort_links(page) -> dict[str, str]:
    return {th.text: th.find("a").attrs["href"] for th in page.find("thead").find_all("th")}


def test_each_heading_sorts_by_its_column_keeping_the_filters(world, spread, browser_as):
    page = main(browser_as("alice").get("/disputes?severity=high"))

    links = sort_links(page)
    assert list(links) == ["Title", "Account", "Project", "Severity", "State", "Stale", "Last change"]
    assert parse_qs(urlsplit(links["Title"]).query) == {"severity": ["high"], "sort": ["title"], "order": ["asc"]}
    assert parse_qs(urlsplit(links["Last change"]).query)["sort"] == ["updated_at"]
    assert not any(th.attrs.get("aria-sort") for th in page.find("thead").find_all("th"))


def test_the_sorted_heading_says_so_and_sorts_the_other_way_next(world, spread, browser_as):
    alice = browser_as("alice")

    ascending = main(alice.get("/disputes?sort=title&order=asc"))
    assert listed_page(ascending) == ["Being heard", "Fresh", "Left in intake", "Warehouse delays"]
    title = ascending.find("thead").find("th")
    assert title.attrs["aria-sort"] == "ascending"
    assert parse_qs(urlsplit(title.find("a").attrs["href"]).query)["order"] == ["desc"]
    assert "sorted by title, ascending" in ascending.find("caption").text

    descending = main(alice.get("/disputes?sort=title&order=desc"))
    assert listed_page(descending) == ["Warehouse delays", "Left in intake", "Fresh", "Being heard"]
    assert descending.find("thead").find("th").attrs["aria-sort"] == "descending"


@pytest.mark.parametrize("query, titles", [
    ("sort=severity&order=desc", ["Fresh", "Warehouse delays", "Being heard", "Left in intake"]),
    ("sort=state", ["Left in intake", "Fresh", "Warehouse delays", "Being heard"]),
    ("sort=stale&order=desc", ["Left in intake", "Warehouse delays", "Fresh", "Being heard"]),
    ("sort=account&order=desc", ["Warehouse delays", "Fresh", "Being heard", "Left in intake"]),
    ("sort=colour", ["Left in intake", "Being heard", "Fresh", "Warehouse delays"]),
    ("sort=title&order=sideways", ["Being heard", "Fresh", "Left in intake", "Warehouse delays"]),
])
def test_columns_sort_in_their_own_order_and_an_unknown_sort_keeps_the_usual_one(world, spread, browser_as, query,
                                                                                   titles):
    response = browser_as("alice").get(f"/disputes?{query}")
    assert response.status_code == 200
    assert listed(response) == titles


def test_filtering_keeps_the_sort_and_clearing_the_filters_too(world, spread, browser_as):
    page = main(browser_as("alice").get("/disputes?sort=state&order=desc&severity=high"))
    form = page.find("form", method="get")
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
    assert hidden == {"sort": "state", "order": "desc"}
    assert page.find("a", href="/disputes?sort=state&order=desc").text == "Clear filters"


def test_the_next_page_keeps_the_sort_and_the_filters(world, browser_as):
    for n in range(30):
        world.open_dispute(title=f"High {n:02}", severity="high")
    alice = browser_as("alice")

    first = alice.get("/disputes?severity=high&sort=title&order=desc")
    assert listed(first) == [f"High {n:02}" for n in range(29, 4, -1)]
    next_link = main(first).find("nav", class_="pagination").find("a")
    query = parse_qs(urlsplit(next_link.attrs["href"]).query)
    assert (query["severity"], query["sort"], query["order"]) == (["high"], ["title"], ["desc"])
    second = alice.get(next_link.attrs["href"])
    assert listed(second) == [f"High {n:02}" for n in range(4, -1, -1)]
    first_page = main(second).find("nav", class_="pagination").find("a")
    assert parse_qs(urlsplit(first_page.attrs["href"]).query) == {"severity": ["high"], "sort": ["title"],
                                                                  "order": ["desc"]}


def test_mine_only_keeps_the_disputes_the_viewer_is_part_of(world, browser_as):
    world.open_dispute(title="Sam's", parties=["sam", "carla"])
    world.open_dispute(title="Not Sam's", parties=["dev", "carla"])
    world.open_dispute(account="fabrikam", title="Fabrikam, with Sam", parties=["sam", "frank"])

    sam = browser_as("sam")
    assert listed(sam.get("/disputes?mine=true")) == ["Sam's", "Fabrikam, with Sam"]
    assert main(sam.get("/disputes?mine=true")).by_id("mine").attrs.get("checked") == ""
    assert listed(browser_as("carla").get("/disputes?mine=true")) == ["Sam's", "Not Sam's"]
    assert listed(browser_as("dev").get("/disputes?mine=true")) == ["Not Sam's"]


def test_the_customer_choices_are_the_customers_the_viewer_sees(world, browser_as):
    assert [o.text for o in main(browser_as("alice").get("/disputes")).by_id("customer_id").find_all("option")] == [
        "Any customer", "Contoso Retail", "Fabrikam Logistics"]
    assert [o.text for o in main(browser_as("frank").get("/disputes")).by_id("customer_id").find_all("option")] == [
        "Any customer", "Fabrikam Logistics"]


def test_the_customer_filter_keeps_that_customers_disputes(world, spread, browser_as):
    fabrikam = world.orgs["fabrikam"].id
    assert listed(browser_as("alice").get(f"/disputes?customer_id={fabrikam}")) == ["Warehouse delays"]
    assert listed(browser_as("carla").get(f"/disputes?customer_id={fabrikam}")) == []


def listed_page(page) -> list[str]:
    return [row.find("td").text for row in page.find("tbody").find_all("tr")]
