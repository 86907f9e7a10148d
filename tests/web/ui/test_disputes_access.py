"""Who sees and does what on a dispute page: customers never see the supplier's internal
stories and notes, another customer's dispute does not exist, auditors read and change
nothing, anonymous visitors sign in first, and every form needs its CSRF token."""

import pytest

from mediation import dispute_queries
from mediation import services
from tests.conftest import table_counts
from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import main
from tests.web.ui.pages import post_forms


@pytest.fixture
def with_internal(world):
    """A dispute in story gathering with an internal story and an internal note of the supplier."""
    dispute = world.drive(world.open_dispute(), "story_gathering")
    alice = world.actor("alice")
    services.record_story(alice, world.clock, dispute.id, party_id=world.id("sam"),
                          text="Between us: the rollout ran late on our side.", visibility="internal")
    services.add_note(alice, world.clock, dispute.id, text="Margins on this account are thin.", visibility="internal")
    services.add_note(alice, world.clock, dispute.id, text="Call scheduled for Friday.")
    return dispute


def test_the_supplier_sees_internal_stories_and_notes_clearly_marked(with_internal, browser_as):
    page = dispute_page(browser_as("alice"), with_internal.id)
    internal = page.find_all(class_="internal-block")
    texts = " ".join(block.text for block in internal)
    assert "Between us: the rollout ran late on our side." in texts
    assert "Margins on this account are thin." in texts
    assert all(block.find("span", class_="internal") is not None for block in internal)
    assert "Call scheduled for Friday." not in texts


def test_a_customer_never_sees_internal_stories_or_notes(with_internal, browser_as):
    response = browser_as("carla").get(f"/disputes/{with_internal.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Between us" not in html
    assert "Margins on this account" not in html
    assert "internal-block" not in html
    assert "Call scheduled for Friday." in html
    note_form = main(response).by_id("note")
    assert note_form.find("select", name="visibility") is None


def test_another_customers_dispute_does_not_exist(world, browser_as):
    dispute = world.open_dispute()
    frank = browser_as("frank")
    assert frank.get(f"/disputes/{dispute.id}").status_code == 404
    before = table_counts()
    assert frank.post(f"/disputes/{dispute.id}/notes", data={"text": "Hello?"}).status_code == 404
    assert frank.post(f"/disputes/{dispute.id}/transitions",
                      data={"trigger": "withdraw", "expected_version": "1", "reason": "x"}).status_code == 404
    assert table_counts() == before


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
def test_an_auditor_reads_the_dispute_but_is_offered_no_form(world, browser_as, auditor):
    dispute = world.drive(world.open_dispute(), "resolution")
    page = dispute_page(browser_as(auditor), dispute.id)
    assert page.by_id("actions") is None
    assert post_forms(page) == []
    assert page.by_id("options").find("tbody") is not None


@pytest.mark.parametrize("path, data", [
    ("transitions", {"trigger": "withdraw", "expected_version": "8", "reason": "Auditors cannot."}),
    ("notes", {"text": "Auditors cannot."}),
    ("stories", {"party_id": "1", "text": "Auditors cannot."}),
    ("acceptances", {"option_id": "1"}),
])
def test_an_auditor_is_refused_every_change(world, browser_as, path, data):
    dispute = world.drive(world.open_dispute(), "resolution")
    auditor = browser_as("auditor")
    before = table_counts()
    assert auditor.post(f"/disputes/{dispute.id}/{path}", data=data).status_code == 403
    after = table_counts()
    assert after.pop("access_event") == before.pop("access_event") + 1
    assert after == before


def test_a_party_without_a_role_tells_a_story_and_writes_notes_but_runs_nothing(world, browser_as):
    dispute = world.drive(world.open_dispute(parties=["sam", "carla", "dev"]), "story_gathering")
    page = dispute_page(browser_as("dev"), dispute.id)
    assert page.by_id("actions") is None
    assert [form.attrs["id"] for form in post_forms(page)] == ["story", "note"]


def test_an_anonymous_visitor_is_sent_to_sign_in(world, browser):
    dispute = world.open_dispute()
    response = browser.get(f"/disputes/{dispute.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/disputes/{dispute.id}"
    response = browser.post(f"/disputes/{dispute.id}/notes", data={"text": "Hello"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_form_without_its_csrf_token_is_refused(world, browser_as, token):
    dispute = world.open_dispute()
    alice = browser_as("alice")
    data = {"trigger": "withdraw", "expected_version": "1", "reason": "No token."}
    if token:
        data["csrf_token"] = token
    before = dispute_queries.get_dispute(world.actor("alice"), dispute.id).version
    response = alice.client.post(f"/disputes/{dispute.id}/transitions", data=data)
    assert response.status_code == 400
    assert dispute_queries.get_dispute(world.actor("alice"), dispute.id).version == before
