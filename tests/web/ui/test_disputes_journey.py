"""A dispute from intake to resolved through the pages alone: Alice (account manager) as
mediator, Carla (the customer's point person) telling her story and accepting for Contoso
in her own browser; then a broken commitment reopens it."""

from mediation import dispute_queries
from mediation.disputes import Dispute
from mediation.ledger import AuditEvent
from tests.web.ui.pages import act
from tests.web.ui.pages import buttons
from tests.web.ui.pages import dispute_page
from tests.web.ui.pages import label_texts
from tests.web.ui.pages import option_row
from tests.web.ui.pages import press
from tests.web.ui.pages import send


def followed(browser, response, status=302) -> str:
    """The page a successful form redirects to, as text."""
    assert response.status_code == status, response.get_data(as_text=True)
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def option_ids(world, dispute_id) -> dict[str, int]:
    dispute = dispute_queries.get_dispute(world.actor("alice"), dispute_id)
    return {o.summary: o.id for o in dispute_queries.details(world.actor("alice"), dispute)["options"]}


def test_alice_and_carla_take_a_dispute_from_intake_to_resolved_through_the_pages(world, browser_as):
    alice, carla = browser_as("alice"), browser_as("carla")

    # Alice opens it, naming Sam and Carla; she becomes the mediator.
    response = alice.post("/disputes/new", data={
        "title": "Overtime billed above the cap",
        "summary": "March invoice bills 60 hours above the agreed monthly cap.",
        "account_id": str(world.accounts["contoso"].id),
        "severity": "high",
        "party_ids": [str(world.id("sam")), str(world.id("carla"))],
        "mediator_id": str(world.id("alice")),
    })
    assert response.status_code == 302
    did = int(response.headers["Location"].split("#")[0].rsplit("/", 1)[1])

    page = dispute_page(alice, did)
    assert page.find("h1").text == "Overtime billed above the cap"
    assert "Start gathering stories" in buttons(page.by_id("transition-gather_stories"))
    assert "Withdraw the dispute" in buttons(page.by_id("transition-withdraw"))
    assert "moved to Story gathering" in followed(alice, act(alice, did, "gather_stories"))

    # Alice records Sam's story; Carla tells her own, and may only tell her own.
    story_form = dispute_page(alice, did).by_id("story")
    assert label_texts(story_form) == ["Whose story (required)", "Story", "Who may read it",
                                       "This party declines to tell their story", "Declining"]
    assert "Story recorded." in followed(alice, send(
        alice, did, "story", party_id=str(world.id("sam")), text="We logged the hours the rollout took.",
        visibility="shared"))
    carla_form = dispute_page(carla, did).by_id("story")
    assert [o.text for o in carla_form.by_id("story-party_id").find_all("option")] == ["Carla (Contoso Retail)"]
    assert carla_form.by_id("story-visibility") is None
    assert carla_form.find("button").text == "Record story"
    assert "Story recorded." in followed(carla, send(
        carla, did, "story", party_id=str(world.id("carla")), text="The cap was agreed in the contract."))
    assert carla.post(f"/disputes/{did}/transitions", data={
        "trigger": "generate_options", "expected_version": "4"}).status_code == 403

    assert "moved to Option generation" in followed(alice, act(alice, did, "generate_options"))

    # Two options, one of them one-sided.
    assert "Option proposed." in followed(alice, send(
        alice, did, "option", summary="Bill the overtime at half rate", value_to_supplier="2", value_to_customer="2"))
    followed(alice, send(alice, did, "option", summary="Write the overtime off",
                         value_to_supplier="-3", value_to_customer="4"))
    rows = dispute_page(alice, did).by_id("options").find("tbody").find_all("tr")
    assert [(r.attrs["class"], r.find("td").find(class_="badge").text) for r in rows] == [
        ("mutual", "Value to both companies"), ("one-sided", "Value to one company only"),
    ]
    assert buttons(dispute_page(alice, did).by_id("transition-start_resolution")) == ["Start resolution"]
    assert "moved to Resolution" in followed(alice, act(alice, did, "start_resolution"))

    # Each company accepts the mutual option, Carla in her own browser.
    half_rate = option_ids(world, did)["Bill the overtime at half rate"]
    row = option_row(dispute_page(carla, did), "Bill the overtime at half rate")
    assert buttons(row) == ["Accept for Contoso Retail: \u201cBill the overtime at half rate\u201d"]
    assert "Accepted for Contoso Retail." in followed(carla, press(carla, row))
    row = option_row(dispute_page(alice, did), "Bill the overtime at half rate")
    assert "Awaits Northwind Systems" in row.text
    assert "Accepted for Northwind Systems." in followed(alice, press(alice, row))
    accepted = dispute_page(alice, did).by_id("options").find("tbody").find("tr").find_all("td")[3].text
    assert accepted == "Contoso Retail (Carla); Northwind Systems (Alice)"

    # Alice resolves it with that option and a summary, and records a commitment.
    resolve = dispute_page(alice, did).by_id("transition-resolve")
    assert [o.text for o in resolve.find("select").find_all("option")] == ["Bill the overtime at half rate"]
    assert "moved to Resolved" in followed(alice, act(
        alice, did, "resolve", option_id=str(half_rate), summary="Overtime billed at half rate from April."))
    assert "Commitment recorded." in followed(alice, send(
        alice, did, "commitment", person_id=str(world.id("sam")), description="Send the corrected invoice",
        due_at="2026-03-09"))

    dispute = Dispute.get_by_id(did)
    assert (dispute.state, dispute.resolution_option_id) == ("resolved", half_rate)
    assert dispute.resolution_summary == "Overtime billed at half rate from April."

    page = dispute_page(carla, did)
    assert "Reopen the dispute" not in buttons(page)
    timeline = [li.find("strong").text for li in page.by_id("history").find_all("li")]
    assert timeline == [
        "Dispute opened", "State changed", "Story told", "Story told", "State changed", "Option proposed",
        "Option proposed", "State changed", "Option accepted", "Option accepted", "State changed",
        "Commitment recorded",
    ]
    assert len(timeline) == AuditEvent.select().where(
        (AuditEvent.subject_type == "dispute") & (AuditEvent.subject_id == did)).count()

    # The commitment is broken: Alice marks it and reopens the dispute.
    commitment = dispute_queries.details(world.actor("alice"), dispute)["commitments"][0]
    response = alice.post(f"/disputes/{did}/commitments/{commitment.id}", data={"status": "broken"})
    assert "Commitment marked broken." in followed(alice, response)
    assert "moved to Story gathering" in followed(alice, act(
        alice, did, "reopen", reason="The corrected invoice never came."))
