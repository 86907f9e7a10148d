"""The "open dispute" form: who may use it, its choices, errors next to their fields with
what was typed kept, and the dispute it opens."""

import pytest

from mediation import dispute_queries
from mediation.disputes import Dispute
from tests.conftest import table_counts
from tests.web.ui.pages import field_error
from tests.web.ui.pages import label_texts
from tests.web.ui.pages import main


def form_of(response):
    page = main(response)
    return page.find("form", action="/disputes/new")


def test_the_form_offers_the_managed_accounts_people_who_take_part_and_the_caller_as_mediator(world, browser_as):
    """Neither auditors nor administrators without another role are offered: they take no part."""
    response = browser_as("alice").get("/disputes/new")
    assert response.status_code == 200
    form = form_of(response)
    assert label_texts(form) == [
        "Title (required)", "Summary (required)", "Account (required)", "Project", "Severity (required)",
        "Alice (Northwind Systems)", "Bob (Northwind Systems)", "Sam (Northwind Systems)",
        "Carla (Contoso Retail)", "Dev (Contoso Retail)",
        "Mediator", "Co-mediator", "Parties: the people involved, from both companies",
    ]
    assert [o.text for o in form.by_id("account_id").find_all("option")] == ["Choose an account", "Contoso account"]
    assert form.by_id("account_id").find("option", selected="").text == "Contoso account"
    assert [o.text for o in form.by_id("project_id").find_all("option")] == [
        "No project", "POS migration (Contoso account)",
    ]
    assert form.by_id("mediator_id").find("option", selected="").text == "Alice"
    assert [o.text for o in form.by_id("co_mediator_id").find_all("option")] == [
        "No co-mediator", "Carla (Contoso Retail)", "Dev (Contoso Retail)",
    ]
    assert form.find("button").text == "Open dispute"


def test_a_supplier_admin_may_open_on_every_account_without_being_made_mediator(world, browser_as):
    form = form_of(browser_as("admin").get("/disputes/new"))
    assert [o.text for o in form.by_id("account_id").find_all("option")] == [
        "Choose an account", "Contoso account", "Fabrikam account",
    ]
    assert form.by_id("mediator_id").find("option", selected="") is None
    assert "Frank (Fabrikam Logistics)" in label_texts(form)


@pytest.mark.parametrize("person", ["carla", "sam", "auditor", "contoso_admin", "frank"])
def test_people_who_may_not_open_disputes_get_403_for_the_form_and_for_sending_it(world, browser_as, person):
    browser = browser_as(person)
    assert browser.get("/disputes/new").status_code == 403
    before = Dispute.select().count()
    response = browser.post("/disputes/new", data={
        "title": "Mine", "summary": "x", "account_id": str(world.accounts["contoso"].id), "severity": "low",
    })
    assert response.status_code == 403
    assert Dispute.select().count() == before


def test_only_people_who_may_open_see_the_link(world, browser_as):
    assert main(browser_as("alice").get("/disputes")).find("a", href="/disputes/new") is not None
    assert main(browser_as("sam").get("/disputes")).find("a", href="/disputes/new") is None


def test_schema_errors_show_next_to_their_fields_and_what_was_typed_is_kept(world, browser_as):
    alice = browser_as("alice")
    before = table_counts()
    response = alice.post("/disputes/new", data={
        "title": "   ",
        "summary": "Hours billed above the cap.",
        "account_id": str(world.accounts["contoso"].id),
        "severity": "",
        "party_ids": [str(world.id("sam")), str(world.id("carla"))],
    })
    assert response.status_code == 422
    assert table_counts() == before
    page = main(response)
    assert page.find("div", class_="error-summary") is not None
    assert field_error(page, "title") == "This field is required."
    assert field_error(page, "severity") == "This field is required."
    form = form_of(response)
    assert form.by_id("summary").text == "Hours billed above the cap."
    checked = [box.attrs["value"] for box in form.find_all("input", type="checkbox") if "checked" in box.attrs]
    assert checked == [str(world.id("sam")), str(world.id("carla"))]


def test_rules_of_the_service_show_next_to_their_fields_too(world, browser_as):
    response = browser_as("alice").post("/disputes/new", data={
        "title": "Cross-tenant party",
        "summary": "Frank is not a person of this account.",
        "account_id": str(world.accounts["contoso"].id),
        "project_id": str(world.projects["fabrikam"].id),
        "severity": "high",
        "party_ids": [str(world.id("sam")), str(world.id("frank"))],
    })
    assert response.status_code == 422
    page = main(response)
    assert "not a project of this account" in field_error(page, "project_id")
    assert "not people of this account's two companies" in page.by_id("party_ids-error").text
    assert page.by_id("title").attrs["value"] == "Cross-tenant party"


def test_opening_a_dispute_redirects_to_its_page_with_a_message(world, browser_as):
    alice = browser_as("alice")
    response = alice.post("/disputes/new", data={
        "title": "Overtime billed above the cap",
        "summary": "March invoice bills 60 hours above the agreed monthly cap.",
        "account_id": str(world.accounts["contoso"].id),
        "project_id": str(world.projects["contoso"].id),
        "severity": "high",
        "party_ids": [str(world.id("sam")), str(world.id("carla"))],
        "mediator_id": str(world.id("alice")),
        "co_mediator_id": str(world.id("carla")),
    })
    assert response.status_code == 302
    dispute = Dispute.select().order_by(Dispute.id.desc()).first()
    assert response.headers["Location"] == f"/disputes/{dispute.id}#feedback", "it opens at its message"
    assert (dispute.title, dispute.state, dispute.severity) == ("Overtime billed above the cap", "intake", "high")
    assert (dispute.mediator_id, dispute.co_mediator_id) == (world.id("alice"), world.id("carla"))
    assert dispute.project_id == world.projects["contoso"].id
    parties = dispute_queries.details(world.actor("alice"), dispute)["parties"]
    assert [p.person.id for p in parties] == [world.id("sam"), world.id("carla")]

    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dispute “Overtime billed above the cap” opened." in page


def test_an_empty_project_and_mediator_leave_them_unset(world, browser_as):
    response = browser_as("admin").post("/disputes/new", data={
        "title": "Admin opened", "summary": "No mediator yet.", "account_id": str(world.accounts["fabrikam"].id),
        "project_id": "", "severity": "low", "mediator_id": "", "co_mediator_id": "",
    })
    assert response.status_code == 302
    dispute = Dispute.select().order_by(Dispute.id.desc()).first()
    assert (dispute.project_id, dispute.mediator_id, dispute.co_mediator_id) == (None, None, None)
