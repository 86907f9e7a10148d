"""The dispute page's record forms: each shown only in the states its service accepts it,
refused input shown next to its fields with what was typed, and what the page shows of
stories, options, commitments and the escalation protocol."""

import pytest

from mediation import services
from mediation.disputes import Dispute
from tests.conftest import table_counts
from tests.protocols.test_escalation import agreed_escalation
from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import field_error
from tests.web.ui.pages import main
from tests.web.ui.pages import post_forms
from tests.web.ui.pages import send

RECORD_FORMS = {
    "intake": ["party", "mediators", "story", "note"],
    "story_gathering": ["party", "mediators", "story", "note"],
    "option_generation": ["mediators", "option", "note"],
    "resolution": ["mediators", "accept", "commitment", "note"],
    "resolved": ["commitment", "note"],
    "withdrawn": ["note"],
}


@pytest.mark.parametrize("state", list(RECORD_FORMS))
def test_each_record_form_shows_only_in_the_states_its_service_accepts(world, browser_as, state):
    dispute = world.open_dispute()
    if state != "intake":
        world.drive(dispute, state)
    page = dispute_page(browser_as("alice"), dispute.id)
    forms = [form.attrs["id"] for form in post_forms(page) if not form.attrs["action"].endswith("/transitions")]
    assert forms == RECORD_FORMS[state]


def test_an_option_out_of_range_is_refused_next_to_its_fields_with_what_was_typed(world, browser_as):
    dispute = world.drive(world.open_dispute(), "option_generation")
    alice = browser_as("alice")
    before = table_counts()

    response = send(alice, dispute.id, "option", summary="", value_to_supplier="9", value_to_customer="two")

    assert response.status_code == 422
    assert table_counts() == before
    form = main(response).by_id("option")
    assert field_error(form, "option-summary") == "This field is required."
    assert field_error(form, "option-value_to_supplier") == (
        "Must be greater than or equal to -5 and less than or equal to 5.")
    assert field_error(form, "option-value_to_customer") == "Not a valid integer."
    assert form.by_id("option-value_to_supplier").attrs["value"] == "9"
    assert form.by_id("option-value_to_customer").attrs["value"] == "two"


def test_a_story_with_neither_text_nor_declining_is_refused_by_the_service_next_to_the_text(world, browser_as):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    response = send(browser_as("carla"), dispute.id, "story", party_id=str(world.id("carla")), text="")
    assert response.status_code == 422
    form = main(response).by_id("story")
    assert field_error(form, "story-text") == "tell the story, or mark the party as declining"


def test_a_declined_story_is_shown_as_declined_to_tell(world, browser_as):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    alice = browser_as("alice")
    response = send(alice, dispute.id, "story", party_id=str(world.id("sam")), declined="on")
    assert response.status_code == 302
    stories = dispute_page(alice, dispute.id).by_id("stories")
    assert "Sam · Northwind Systems" in stories.text
    assert "Declined to tell." in stories.text


def test_only_participants_accept_and_a_second_acceptance_for_a_company_is_refused(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = services.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    accepting = {"option_id": str(option.id)}
    response = browser_as("contoso_admin").post(f"/disputes/{dispute.id}/acceptances", data=accepting)
    assert response.status_code == 403
    response = browser_as("carla").post(f"/disputes/{dispute.id}/acceptances", data=accepting)
    assert response.status_code == 409
    assert "Contoso Retail has already accepted" in main(response).find("div", id="problem").text


def test_the_accept_form_offers_only_options_the_company_has_not_accepted(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    options = services.details(world.actor("alice"), dispute)["options"]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=options[0].id)
    form = dispute_page(browser_as("carla"), dispute.id).by_id("accept")
    assert [o.text for o in form.find_all("option")] == [options[1].summary]


def test_a_party_and_mediators_are_added_from_the_page(world, browser_as):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    alice = browser_as("alice")
    assert send(alice, dispute.id, "party", person_id=str(world.id("carla"))).status_code == 302
    assert send(alice, dispute.id, "mediators", mediator_id=str(world.id("alice")),
                co_mediator_id=str(world.id("carla"))).status_code == 302
    page = dispute_page(alice, dispute.id)
    assert "Carla · Contoso Retail (customer)" in page.by_id("people").text
    assert page.by_id("transition-gather_stories").find("form") is not None
    current = Dispute.get_by_id(dispute.id)
    assert (current.mediator_id, current.co_mediator_id) == (world.id("alice"), world.id("carla"))


def test_a_commitment_past_its_due_date_is_flagged_overdue(world, browser_as, clock):
    dispute = world.drive(world.open_dispute(), "resolved")
    alice = browser_as("alice")
    response = send(alice, dispute.id, "commitment", person_id=str(world.id("sam")),
                    description="Send the corrected invoice", due_at="2026-03-03")
    assert response.status_code == 302
    row = dispute_page(alice, dispute.id).by_id("commitments").find("tbody").find("tr")
    assert [td.text for td in row.find_all("td")[:4]] == [
        "Sam", "Send the corrected invoice", "3 Mar 2026, 23:59 UTC", "Open"]

    clock.advance(days=2)
    row = dispute_page(browser_as("alice"), dispute.id).by_id("commitments").find("tbody").find("tr")
    assert row.find_all("td")[3].text == "Open Overdue"
    assert [b.text for b in row.find_all("button")] == ["Mark kept: Send the corrected invoice",
                                                      "Mark broken: Send the corrected invoice"]


def test_a_commitment_without_a_date_is_refused_next_to_the_date(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolved")
    response = send(browser_as("alice"), dispute.id, "commitment", person_id=str(world.id("sam")),
                    description="Send the corrected invoice", due_at="")
    assert response.status_code == 422
    form = main(response).by_id("commitment")
    assert field_error(form, "commitment-due_at") == "This field is required."
    assert form.by_id("commitment-description").text == "Send the corrected invoice"


def test_a_dispute_left_in_intake_is_flagged_stale(world, browser_as, clock):
    dispute = world.open_dispute()
    clock.advance(hours=25)
    page = dispute_page(browser_as("alice"), dispute.id)
    assert "Stale: in intake for over a day" in page.find("p", class_="badges").text


def test_the_projects_escalation_protocol_is_linked_and_said_to_be_in_force(world, browser_as):
    protocol = agreed_escalation(world)
    dispute = world.open_dispute(project_id=world.projects["contoso"].id)
    page = dispute_page(browser_as("carla"), dispute.id)
    link = page.find("a", href=f"/protocols/{protocol.id}")
    assert link.text == "Escalation protocol"
    assert "(in force for this dispute)" in page.find("dl", class_="facts").text


def test_the_timeline_says_who_did_what_and_the_words_that_matter(world, browser_as):
    dispute = world.open_dispute()
    world.drive(dispute, "withdrawn")
    entries = dispute_page(browser_as("carla"), dispute.id).by_id("history").find_all("li")
    assert [li.text for li in entries][-1].startswith("State changed · Alice · 2 Mar 2026, 09:00 UTC")
    assert "Intake → Withdrawn" in entries[-1].text
    assert "Withdraw the dispute · Reason: settled outside the process" in entries[-1].text
