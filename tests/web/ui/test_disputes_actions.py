"""The dispute page's actions: guards read before the page is drawn and shown in words
(never by the names the API gives them), refused transitions that change nothing, version conflicts and triggers no
longer possible shown over the dispute as it is now."""

from mediation import dispute_queries
from mediation import services
from mediation.disputes import Dispute
from tests.conftest import table_counts
from tests.web.ui.pages import act
from tests.web.ui.pages import buttons
from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import field_error
from tests.web.ui.pages import label_texts
from tests.web.ui.pages import main


def test_an_action_whose_guards_are_unmet_names_each_missing_condition_and_offers_no_button(world, browser_as):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-gather_stories")

    assert card.find("h3").text == "Start gathering stories"
    assert card.find("form") is None
    assert [li.text for li in card.find("ul", class_="conditions").find_all("li")] == [
        "Name at least one party from each company.",
        "Assign a mediator.",
    ]


def test_sending_an_action_whose_guards_are_unmet_lists_them_and_changes_nothing(world, browser_as):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    alice = browser_as("alice")
    before = table_counts()

    response = alice.post(f"/disputes/{dispute.id}/transitions",
                          data={"trigger": "gather_stories", "expected_version": str(dispute.version)})

    assert response.status_code == 409
    assert table_counts() == before
    assert Dispute.get_by_id(dispute.id).state == "intake"
    page = main(response)
    assert "“Start gathering stories” is not possible yet" in page.find("div", id="problem").text
    assert "Name at least one party from each company." in page.by_id("transition-gather_stories").text
    assert "Assign a mediator." in page.by_id("transition-gather_stories").text


def test_stories_still_missing_are_named_on_the_story_gathering_page(world, browser_as):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    services.record_story(world.actor("alice"), world.clock, dispute.id, party_id=world.id("sam"), declined=True)
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-generate_options")
    assert [li.text for li in card.find_all("li")] == [
        "Someone from each company must have told their story (declining does not count).",
        "Every party must have told their story or be marked as declining to tell it.",
    ]
    assert card.find("form") is None


def test_a_reason_the_form_asks_for_is_shown_as_what_the_form_supplies(world, browser_as):
    dispute = world.open_dispute()
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-withdraw")
    assert [li.text for li in card.find("ul", class_="conditions").find_all("li")] == ["Give a reason."]
    assert label_texts(card.find("form")) == ["Reason (required)"]
    assert buttons(card) == ["Withdraw the dispute"]


def test_a_blank_reason_is_refused_next_to_its_field_and_nothing_changes(world, browser_as):
    dispute = world.open_dispute()
    alice = browser_as("alice")
    before = table_counts()

    response = act(alice, dispute.id, "withdraw", reason="   ")

    assert response.status_code == 409
    assert table_counts() == before
    page = main(response)
    card = page.by_id("transition-withdraw")
    assert field_error(card, "transition-withdraw-reason") == "Give a reason."
    assert "Give a reason." in card.find("div", class_="error-summary").text


def test_without_an_option_of_mutual_value_starting_resolution_asks_why(world, browser_as):
    dispute = world.drive(world.open_dispute(), "option_generation")
    for summary in ("Credit note", "Free training"):
        services.propose_option(world.actor("alice"), world.clock, dispute.id, summary=summary,
                                value_to_supplier=-1, value_to_customer=3)
    alice = browser_as("alice")
    card = dispute_page(alice, dispute.id).by_id("transition-start_resolution")
    assert label_texts(card.find("form")) == [
        "Why go ahead without an option that gives value to both companies? (required)",
    ]
    assert "An option must give value to both companies, or you must explain why you go ahead without one." \
        in card.text

    response = act(alice, dispute.id, "start_resolution", override_reason="Keeping the account matters more.")
    assert response.status_code == 302
    assert Dispute.get_by_id(dispute.id).override_reason == "Keeping the account matters more."


def test_resolving_needs_an_option_both_companies_accepted(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("alice"), world.clock, dispute.id, option_id=option.id)
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-resolve")
    assert card.find("form") is None
    assert "The chosen option must be accepted by someone from each company." in card.text

    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-resolve")
    assert label_texts(card.find("form")) == ["Option accepted by both companies (required)",
                                              "Resolution summary (required)"]
    assert [choice.text for choice in card.find("select").find_all("option")] == [option.summary]


def test_the_resolve_form_lists_only_what_is_still_unmet(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    for person in ("alice", "carla"):
        services.accept_option(world.actor(person), world.clock, dispute.id, option_id=option.id)
    card = dispute_page(browser_as("alice"), dispute.id).by_id("transition-resolve")
    assert [li.text for li in card.find("ul", class_="conditions").find_all("li")] == [
        "Write a summary of the resolution.",
    ]


def test_a_stale_version_shows_the_current_dispute_and_keeps_what_was_typed(world, browser_as):
    dispute = world.open_dispute()
    alice = browser_as("alice")
    page = dispute_page(alice, dispute.id)
    rendered = page.by_id("transition-withdraw").find("input", name="expected_version").attrs["value"]
    services.record_story(world.actor("carla"), world.clock, dispute.id, party_id=world.id("carla"),
                          text="We expect an answer this week.")
    before = table_counts()

    response = alice.post(f"/disputes/{dispute.id}/transitions", data={
        "trigger": "withdraw", "expected_version": rendered, "reason": "Settled by phone."})

    assert response.status_code == 409
    assert table_counts() == before
    page = main(response)
    assert page.find("div", id="problem").text.startswith(
        "Someone else changed this dispute while you were looking at it; here is its current state; "
        "check and try again.")
    card = page.by_id("transition-withdraw")
    assert card.find("input", name="expected_version").attrs["value"] == str(int(rendered) + 1)
    assert card.find("textarea").text == "Settled by phone."
    assert "We expect an answer this week." in page.by_id("stories").text


def test_a_trigger_not_possible_in_the_current_state_says_so(world, browser_as):
    dispute = world.open_dispute()
    alice = browser_as("alice")
    before = table_counts()
    response = alice.post(f"/disputes/{dispute.id}/transitions", data={
        "trigger": "resolve", "expected_version": str(dispute.version)})
    assert response.status_code == 409
    assert table_counts() == before
    assert "not possible while the dispute is in Intake" in main(response).find("div", id="problem").text


def test_a_closed_dispute_offers_no_action(world, browser_as):
    dispute = world.drive(world.open_dispute(), "withdrawn")
    section = dispute_page(browser_as("alice"), dispute.id).by_id("actions")
    assert "no action is possible any more" in section.text
    assert section.find("form") is None
