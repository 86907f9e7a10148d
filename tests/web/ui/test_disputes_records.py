"""The dispute page's record forms: each shown only in the states its service accepts it,
refused input shown next to its fields with what was typed, and what the page shows of
stories, options, commitments and the escalation protocol."""

import pytest

from mediation import dispute_queries
from mediation import services
from mediation.disputes import Acceptance
from mediation.disputes import Dispute
from tests.conftest import table_counts
from tests.protocols.test_escalation import agreed_escalation
from tests.web.ui.pages import Element
from tests.web.ui.pages import buttons
from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import field_error
from tests.web.ui.pages import main
from tests.web.ui.pages import option_row
from tests.web.ui.pages import press
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
    found = [form.attrs.get("id") or ("accept" if form.attrs["action"].endswith("/acceptances") else "retract")
             for form in post_forms(page) if not form.attrs["action"].endswith("/transitions")]
    assert sorted(set(found)) == sorted(RECORD_FORMS[state])


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


def test_once_a_party_is_heard_the_story_form_no_longer_offers_them(world, browser_as):
    dispute = world.drive(world.open_dispute(parties=["sam", "carla", "dev"]), "story_gathering")
    services.record_story(world.actor("carla"), world.clock, dispute.id, party_id=world.id("carla"), text="Ours.")
    assert dispute_page(browser_as("carla"), dispute.id).by_id("story") is None, "nothing left for Carla to tell"
    form = dispute_page(browser_as("alice"), dispute.id).by_id("story")
    assert [o.text for o in form.by_id("story-party_id").find_all("option")] == [
        "Sam (Northwind Systems)", "Dev (Contoso Retail)"]


def test_only_participants_accept_and_a_second_acceptance_for_a_company_is_refused(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    accepting = {"option_id": str(option.id)}
    response = browser_as("contoso_admin").post(f"/disputes/{dispute.id}/acceptances", data=accepting)
    assert response.status_code == 403
    response = browser_as("carla").post(f"/disputes/{dispute.id}/acceptances", data=accepting)
    assert response.status_code == 409
    assert "Contoso Retail has already accepted" in main(response).find("div", id="problem").text


def test_each_option_offers_to_accept_it_for_the_company_or_to_take_the_acceptance_back(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    options = dispute_queries.details(world.actor("alice"), dispute)["options"]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=options[0].id)
    page = dispute_page(browser_as("carla"), dispute.id)
    accepted, other = option_row(page, options[0].summary), option_row(page, options[1].summary)
    assert "Accepted" in accepted.text and [b.split(" the")[0] for b in buttons(accepted)] == ["Take back"]
    assert buttons(other) == [f"Accept for Contoso Retail: \u201c{options[1].summary}\u201d"]
    assert "Awaits Northwind Systems" in option_row(dispute_page(browser_as("alice"), dispute.id),
                                                    options[0].summary).text


def test_accepting_another_option_than_the_other_companys_asks_first(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    first, second = dispute_queries.details(world.actor("alice"), dispute)["options"]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=first.id)
    alice = browser_as("alice")
    before = table_counts()
    asked = press(alice, option_row(dispute_page(alice, dispute.id), second.summary))
    assert asked.status_code == 200 and table_counts() == before
    page = main(asked)
    assert page.find("h1").text == "Accept a different option?"
    assert f"The other company accepted \u201c{first.summary}\u201d" in page.text
    response = press(alice, page)
    assert response.status_code == 302
    assert {a.option_id for a in Acceptance.select().where(Acceptance.organization == world.orgs["northwind"].id)} \
        == {second.id}


def test_taking_an_acceptance_back_from_the_page(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    first = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=first.id)
    carla = browser_as("carla")
    response = press(carla, option_row(dispute_page(carla, dispute.id), first.summary))
    assert response.status_code == 302
    assert "Acceptance taken back for Contoso Retail." in carla.get(response.headers["Location"]).get_data(as_text=True)
    assert not Acceptance.select().where(Acceptance.dispute == dispute.id).exists()


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


# --- long disputes: the history and the notes in pages, latest first ---------------------------


def _notes(world, dispute, count, visibility="shared"):
    for n in range(1, count + 1):
        services.add_note(world.actor("alice"), world.clock, dispute.id, text=f"{visibility} note {n}",
                          visibility=visibility)


def _follow(browser, page, label: str) -> Element:
    (link,) = [a for a in page.find_all("a") if a.text == label]
    return main(browser.get(link.attrs["href"]))


def test_a_long_history_shows_its_latest_events_and_pages_back_to_the_opening(world, browser_as):
    dispute = world.open_dispute()
    _notes(world, dispute, 119)  # with the opening, 120 events: pages of 50, 50 and 20
    alice = browser_as("alice")

    latest = dispute_page(alice, dispute.id)
    history = latest.by_id("history")
    assert [li.text for li in history.find_all("li")][-1].startswith("Note added")
    assert "shared note 119" in history.find_all("li")[-1].text
    assert "shared note 70" in history.find_all("li")[0].text and len(history.find_all("li")) == 50
    assert [a.text for a in history.find("nav").find_all("a")] == ["Earlier events"]

    middle = _follow(alice, history, "Earlier events").by_id("history")
    assert "shared note 20" in middle.find_all("li")[0].text and "shared note 69" in middle.find_all("li")[-1].text
    assert [a.text for a in middle.find("nav").find_all("a")] == ["Earlier events", "Latest events"]

    first = _follow(alice, middle, "Earlier events").by_id("history")
    assert first.find_all("li")[0].text.startswith("Dispute opened") and len(first.find_all("li")) == 20
    assert [a.text for a in first.find("nav").find_all("a")] == ["Latest events"]
    assert "shared note 119" in _follow(alice, first, "Latest events").by_id("history").find_all("li")[-1].text


def test_a_short_history_has_no_pages(world, browser_as):
    dispute = world.open_dispute()
    _notes(world, dispute, 3)
    history = dispute_page(browser_as("alice"), dispute.id).by_id("history")
    assert len(history.find_all("li")) == 4 and history.find("nav") is None


def test_the_notes_show_the_latest_twenty_and_page_back(world, browser_as):
    dispute = world.open_dispute()
    _notes(world, dispute, 45)
    alice = browser_as("alice")
    notes = dispute_page(alice, dispute.id).by_id("notes")
    assert [li.find("p", class_="text").text for li in notes.find_all("li")] == [
        f"shared note {n}" for n in range(26, 46)]
    notes = _follow(alice, notes, "Earlier notes").by_id("notes")
    assert notes.find_all("li")[0].find("p", class_="text").text == "shared note 6"
    notes = _follow(alice, notes, "Earlier notes").by_id("notes")
    assert [li.find("p", class_="text").text for li in notes.find_all("li")] == [f"shared note {n}" for n in range(1, 6)]
    assert [a.text for a in notes.find("nav").find_all("a")] == ["Latest notes"]


def test_a_customer_pages_through_what_they_may_read_only(world, browser_as):
    """Internal notes and their events are left out before the page is cut, so a customer's
    pages are full and hold nothing internal."""
    dispute = world.open_dispute()
    _notes(world, dispute, 30, visibility="internal")
    _notes(world, dispute, 25)
    carla = browser_as("carla")
    page = dispute_page(carla, dispute.id)
    assert "internal" not in page.by_id("notes").text and "internal" not in page.by_id("history").text
    assert len(page.by_id("notes").find_all("li")) == 20
    assert len(page.by_id("history").find_all("li")) == 26  # the opening and 25 shared notes
    earlier = _follow(carla, page.by_id("notes"), "Earlier notes").by_id("notes")
    assert [li.find("p", class_="text").text for li in earlier.find_all("li")] == [f"shared note {n}" for n in range(1, 6)]


@pytest.mark.parametrize("query", ["history_before=1", "notes_before=1", "history_before=x&notes_before=-3",
                                   "history_before=99999999999"])
def test_a_cursor_before_everything_or_nonsense_is_a_page_not_an_error(world, browser_as, query):
    dispute = world.open_dispute()
    _notes(world, dispute, 2)
    response = browser_as("alice").get(f"/disputes/{dispute.id}?{query}")
    assert response.status_code == 200


def test_paging_the_notes_keeps_the_page_of_the_history_and_the_reverse(world, browser_as):
    dispute = world.open_dispute()
    _notes(world, dispute, 60)
    alice = browser_as("alice")
    page = _follow(alice, dispute_page(alice, dispute.id).by_id("history"), "Earlier events")
    page = _follow(alice, page.by_id("notes"), "Earlier notes")
    assert "shared note 10" in page.by_id("history").find_all("li")[-1].text, "still the earlier events"
    assert page.by_id("notes").find_all("li")[-1].find("p", class_="text").text == "shared note 40"
    page = _follow(alice, page.by_id("history"), "Latest events")
    assert page.by_id("notes").find_all("li")[-1].find("p", class_="text").text == "shared note 40", "still the earlier notes"


@pytest.mark.parametrize(("who", "said", "yours"), [
    ("alice", "Waits on you to start gathering stories.", True),
    ("carla", "Waits on the mediators to start gathering stories.", False),
    ("auditor", "Waits on the mediators to start gathering stories.", False),
])
def test_the_top_of_the_page_says_what_the_dispute_waits_on_for_every_reader(world, browser_as, who, said, yours):
    dispute = world.open_dispute()
    page = dispute_page(browser_as(who), dispute.id)
    section = [s for s in page.find_all("section") if s.attrs.get("aria-labelledby") == "next-heading"][0]
    assert said in section.text
    assert (section.find("a", href="#transition-gather_stories") is not None) == yours


def test_a_party_is_sent_to_their_story_and_a_resolved_dispute_waits_on_no_one(world, browser_as):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    page = dispute_page(browser_as("carla"), dispute.id)
    section = [s for s in page.find_all("section") if s.attrs.get("aria-labelledby") == "next-heading"][0]
    assert "Waits on you to tell your side of the story, or decline." in section.text
    assert section.find("a", href="#story").text == "Tell your side"
    world.drive(dispute, "resolved")
    page = dispute_page(browser_as("carla"), dispute.id)
    section = [s for s in page.find_all("section") if s.attrs.get("aria-labelledby") == "next-heading"][0]
    assert "Resolved: nothing waits on anyone." in section.text
