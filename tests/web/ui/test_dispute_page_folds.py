"""The dispute page leads with what its reader does next: the form that takes their next
step is open, and every secondary form (turning the dispute back, withdrawing it, parties
and mediators, stories for others, commitments, notes) folds away under a summary that
names it, until asked for or sent back with its errors."""

from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import main
from tests.web.ui.pages import send


def folds(page) -> dict[str, bool]:
    """Each fold's summary, and whether it is open."""
    return {details.find("summary").text: "open" in details.attrs
            for details in page.find_all("details", class_="fold")}


def test_in_resolution_turning_back_and_withdrawing_fold_away_behind_their_names(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    page = dispute_page(browser_as("alice"), dispute.id)

    forms = {summary: opened for summary, opened in folds(page).items() if not summary.startswith("Show the")}
    assert forms == {"Revisit the options": False, "Withdraw the dispute": False,
                     "Add a party or change the mediators": False, "Record a commitment": False,
                     "Add a note": False}
    withdraw = page.by_id("transition-withdraw")
    assert withdraw.tag == "details" and withdraw.find("button").text == "Withdraw the dispute"


def test_the_form_of_the_readers_own_next_step_is_open(world, browser_as):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    assert folds(dispute_page(browser_as("carla"), dispute.id))["Record a story"], "Carla has not told hers"
    assert not folds(dispute_page(browser_as("dev"), dispute.id)).get("Record a story"), "Dev is no party"
    options = world.drive(world.open_dispute(), "option_generation")
    assert folds(dispute_page(browser_as("alice"), options.id))["Propose an option"]
    assert not folds(dispute_page(browser_as("alice"), dispute.id))["Record a story"], \
        "the step waits on the parties: Alice records theirs only when asked"


def test_a_folded_form_sent_back_with_its_errors_is_open_at_them(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    alice = browser_as("alice")

    response = send(alice, dispute.id, "note", text=" ")

    assert response.status_code == 422
    page = main(response)
    assert folds(page)["Add a note"] and not folds(page)["Record a commitment"]


def test_only_the_latest_three_events_stay_in_view_and_the_earlier_ones_fold(world, browser_as):
    dispute = world.drive(world.open_dispute(), "resolution")
    page = dispute_page(browser_as("alice"), dispute.id)
    history = page.by_id("history")

    (earlier,) = history.find_all("details", class_="fold")
    shown = [ol for ol in history.find_all("ol", class_="timeline") if ol not in earlier.find_all("ol")]
    assert len(shown[0].find_all("li")) == 3
    assert earlier.find("summary").text == f"Show the {len(earlier.find_all('li'))} earlier events"
    assert "open" not in earlier.attrs
