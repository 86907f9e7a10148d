"""The API reference page: the OpenAPI description made readable for every signed-in
person, grouped by area, each operation with its parameters, body fields and responses,
all read from the generated description."""

import copy

import pytest

from tests.web.ui.pages import main
from tests.web.ui.pages import parse

API = "/api/v1"


@pytest.fixture
def described(client) -> dict:
    return client.get(f"{API}/openapi.json").json


@pytest.fixture
def page(browser_as):
    response = browser_as("carla").get("/api-reference")
    assert response.status_code == 200
    return main(response)


def operations(described):
    for path, item in described["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def anchor(operation) -> str:
    return "op-" + operation["operationId"].replace(".", "-")


def rows(table) -> dict[str, list[str]]:
    """The table's rows by the text of their header cell."""
    return {row.find("th").text: [cell.text for cell in row.find_all("td")]
            for row in table.find("tbody").find_all("tr")}


def table_under(article, heading_start: str):
    heading = next(h for h in article.find_all("h4") if h.text.startswith(heading_start))
    return article.find("table", **{"aria-labelledby": heading.attrs["id"]})


@pytest.mark.parametrize("who", ["alice", "sam", "carla", "dev", "frank", "auditor", "contoso_auditor", "admin"])
def test_every_signed_in_person_reads_the_reference(browser_as, who):
    response = browser_as(who).get("/api-reference")
    assert response.status_code == 200
    assert "<h1>API reference</h1>" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(browser, world):
    response = browser.get("/api-reference")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_the_footer_of_every_page_links_to_it(browser_as):
    footer = parse(browser_as("dev").get("/").get_data(as_text=True)).find("footer")
    assert footer.find("a", href="/api-reference").text == "API reference"


def test_every_operation_of_the_description_is_on_the_page_in_the_section_of_its_area(page, described):
    count = 0
    for path, method, operation in operations(described):
        tag = operation["tags"][0]
        section = page.find("section", **{"aria-labelledby": f"tag-{tag}"})
        article = section.by_id(anchor(operation))
        assert article is not None, (method, path)
        assert article.find("h3").text == f"{method.upper()} {path}"
        assert operation["summary"] in article.text
        assert page.find("nav").find("a", href=f"#{anchor(operation)}") is not None
        count += 1
    assert count == len(list(operations(described))) > 40
    headings = [s.find("h2").text for s in page.find_all("section")]
    assert headings[:4] == ["Directory", "Disputes", "Protocols", "Audit"]


def test_parameters_show_where_they_go_their_type_and_constraints(page, described):
    listing = page.by_id("op-disputes-list_disputes")
    parameters = rows(table_under(listing, "Parameters"))
    assert list(parameters) == ["after", "limit", "state", "account_id", "project_id", "severity", "stale",
                                "customer_id", "mine", "sort", "order"]
    assert parameters["sort"][2].startswith("one of: title, account, project")
    assert parameters["limit"] == ["integer in the query", "no", "from 1 to 200; default 50"]
    assert parameters["state"][2].startswith("one of: intake, story_gathering")
    reading = rows(table_under(page.by_id("op-disputes-get_dispute"), "Parameters"))
    assert reading["dispute_id"] == ["integer in the path", "yes", "from 1 to 2147483647"]


def test_request_body_fields_show_type_required_and_constraints(page):
    body = rows(table_under(page.by_id("op-disputes-open_dispute"), "Request body"))
    assert list(body) == ["title", "summary", "account_id", "project_id", "severity", "party_ids", "mediator_id",
                          "co_mediator_id"]
    assert body["title"] == ["string", "yes", "1 to 200 characters; not blank; no NUL characters"]
    assert body["project_id"][:2] == ["integer or null", "no"]
    assert body["severity"] == ["string", "yes", "one of: low, medium, high, critical"]
    assert body["party_ids"] == ["array of integers", "no", "at most 100 items; each from 1 to 2147483647"]


def test_nested_fields_are_listed_under_their_parent(page):
    body = rows(table_under(page.by_id("op-protocols-create_protocol"), "Request body"))
    assert body["cadence"][:2] == ["object or null", "no"]
    assert body["cadence.unit"] == ["string", "no", "one of: hours, days, weeks, months"]
    assert body["phases[].cadence"][:2] == ["object", "yes"]
    assert body["escalation[].respond_within_hours"] == ["integer", "yes", "from 1 to 8784"]
    assert "a moment from 1900 to 8999" in body["effective_from"][2]


def test_responses_list_each_status_with_its_meaning(page, described):
    for path, method, operation in operations(described):
        replies = rows(table_under(page.by_id(anchor(operation)), "Responses"))
        assert list(replies) == list(operation["responses"]), (method, path)
    opened = rows(table_under(page.by_id("op-disputes-open_dispute"), "Responses"))
    assert opened["201"] == ["Created", "DisputeDetailOut"]
    assert opened["409"][0].startswith("Not possible now")
    assert opened["422"][1] == "problem (application/problem+json)"
    assert rows(table_under(page.by_id("op-disputes-list_disputes"), "Responses"))["200"] == ["OK",
                                                                                             "list of DisputeOut"]
    assert rows(table_under(page.by_id("op-protocols-my_calendar"), "Responses"))["200"] == ["OK", "text/calendar"]


def test_access_and_next_steps_are_stated(page):
    assert "No token needed." in page.by_id("op-openapi-description").text
    assert "calendar token as ?token=" in page.by_id("op-protocols-protocol_calendar").text
    assert "bearer token in the Authorization header" in page.by_id("op-disputes-get_dispute").text
    steps = page.by_id("op-disputes-open_dispute").find("ul")
    assert steps.find("a", href="#op-disputes-record_story").text == f"POST {API}/disputes/{{dispute_id}}/stories"


def test_the_page_is_read_from_the_description(app, browser_as, described):
    changed = copy.deepcopy(described)
    changed["paths"][f"{API}/disputes"]["get"]["summary"] = "Every dispute, filtered"
    app.extensions["accord_openapi"] = changed
    page = main(browser_as("carla").get("/api-reference"))
    assert "Every dispute, filtered" in page.by_id("op-disputes-list_disputes").text


def test_the_page_needs_no_script_and_no_inline_style(browser_as):
    html = browser_as("carla").get("/api-reference").get_data(as_text=True)
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


def test_tables_are_labelled_regions_a_keyboard_can_scroll(page):
    for region in page.find_all("div", class_="table-wrap"):
        assert region.attrs["tabindex"] == "0" and region.attrs["role"] == "region"
        label = region.attrs["aria-labelledby"]
        assert page.by_id(label) is not None
        assert region.find("table").attrs["aria-labelledby"] == label
