"""Disputes through the JSON API: the whole process from intake to resolved and back,
guards that name every unmet condition, optimistic versions, the history, and the list
with its filters and pagination."""

import re
from datetime import timedelta

import pytest

from mediation import dispute_queries
from mediation import services
from mediation.ledger import AuditEvent
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def get_dispute(api, dispute_id, as_="alice") -> dict:
    response = api.get(f"{API}/disputes/{dispute_id}", as_=as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def fire(api, dispute_id, trigger, as_="alice", version=None, **data):
    """POST a transition with the dispute's current version unless one is given."""
    if version is None:
        version = get_dispute(api, dispute_id, as_=as_)["version"]
    body = {"trigger": trigger, "expected_version": version, **data}
    return api.post(f"{API}/disputes/{dispute_id}/transitions", body, as_=as_)


# --- the whole process --------------------------------------------------------------------


def test_a_dispute_goes_from_intake_to_resolved_and_is_reopened_purely_through_the_api(api, world):
    ids = world.id
    contoso = world.accounts["contoso"]

    # open: the account manager becomes the mediator
    response = api.post(f"{API}/disputes", {
        "title": "Overtime billed above the cap",
        "summary": "March invoice bills 60 hours above the agreed monthly cap.",
        "account_id": contoso.id,
        "project_id": world.projects["contoso"].id,
        "severity": "high",
        "party_ids": [ids("sam"), ids("carla")],
    }, as_="alice")
    assert response.status_code == 201, response.get_data(as_text=True)
    dispute = response.json
    did = dispute["id"]
    assert response.headers["Location"] == f"{API}/disputes/{did}"
    assert dispute["state"] == "intake"
    assert dispute["version"] == 1
    assert dispute["mediator_id"] == ids("alice")
    assert dispute["opened_by_id"] == ids("alice")
    assert dispute["co_mediator_id"] is None
    assert dispute["project_id"] == world.projects["contoso"].id
    assert sorted(dispute["available_triggers"]) == ["gather_stories", "withdraw"]
    assert [(p["person_id"], p["company"]) for p in dispute["parties"]] == [
        (ids("sam"), "supplier"), (ids("carla"), "customer"),
    ]
    assert dispute["stories"] == dispute["options"] == dispute["acceptances"] == []
    assert api.get(f"{API}/disputes/{did}").json == dispute

    # another party, and the customer's point person as co-mediator
    response = api.post(f"{API}/disputes/{did}/parties", {"person_id": ids("dev"), "expected_version": 1})
    assert response.status_code == 201
    assert response.json["version"] == 2
    assert [p["person_id"] for p in response.json["parties"]] == [ids("sam"), ids("carla"), ids("dev")]

    response = api.post(f"{API}/disputes/{did}/mediators", {"co_mediator_id": ids("carla")})
    assert response.status_code == 200
    assert response.json["co_mediator_id"] == ids("carla")
    assert response.json["mediator_id"] == ids("alice")
    assert response.json["version"] == 3

    response = fire(api, did, "gather_stories", version=3)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == "story_gathering"
    assert response.json["version"] == 4
    assert sorted(response.json["available_triggers"]) == ["generate_options", "withdraw"]

    # stories: the mediator records one, a party tells her own, a party declines
    response = api.post(f"{API}/disputes/{did}/stories",
                        {"party_id": ids("sam"), "text": "The cap excluded on-call hours."})
    assert response.status_code == 201
    assert response.json["recorded_by_id"] == ids("alice")
    assert response.json["visibility"] == "shared"
    assert response.json["dispute_version"] == 5

    response = api.post(f"{API}/disputes/{did}/stories",
                        {"party_id": ids("carla"), "text": "On-call was never mentioned.",
                         "expected_version": 5}, as_="carla")
    assert response.status_code == 201
    assert response.json["recorded_by_id"] == ids("carla")
    assert response.json["dispute_version"] == 6

    response = api.post(f"{API}/disputes/{did}/stories", {"party_id": ids("dev"), "declined": True})
    assert response.status_code == 201
    assert response.json["declined"] is True
    assert response.json["text"] is None

    response = fire(api, did, "generate_options")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == "option_generation"
    assert [s["party_id"] for s in response.json["stories"]] == [ids("sam"), ids("carla"), ids("dev")]

    # options, scored for both companies
    response = api.post(f"{API}/disputes/{did}/options",
                        {"summary": "Bill on-call at half rate from April", "value_to_supplier": 2,
                         "value_to_customer": 3})
    assert response.status_code == 201
    assert response.json["mutual_value"] is True
    assert response.json["accepted_by"] == []
    mutual = response.json["id"]
    response = api.post(f"{API}/disputes/{did}/options",
                        {"summary": "Credit the whole overage", "value_to_supplier": -2,
                         "value_to_customer": 4}, as_="carla")
    assert response.status_code == 201
    assert response.json["mutual_value"] is False
    assert response.json["proposed_by_id"] == ids("carla")

    response = fire(api, did, "start_resolution")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == "resolution"
    assert response.json["resolution"]["override_reason"] is None

    # each company accepts for itself
    response = api.post(f"{API}/disputes/{did}/acceptances", {"option_id": mutual}, as_="alice")
    assert response.status_code == 201
    assert response.json["company"] == "supplier"
    assert response.json["organization_id"] == world.orgs["northwind"].id
    response = api.post(f"{API}/disputes/{did}/acceptances", {"option_id": mutual}, as_="carla")
    assert response.status_code == 201
    assert response.json["company"] == "customer"
    assert response.json["person_id"] == ids("carla")

    dispute = get_dispute(api, did)
    assert [o["accepted_by"] for o in dispute["options"]] == [["customer", "supplier"], []]
    assert len(dispute["acceptances"]) == 2

    response = fire(api, did, "resolve", option_id=mutual, summary="Half rate for on-call from April.")
    assert response.status_code == 200, response.get_data(as_text=True)
    resolved = response.json
    assert resolved["state"] == "resolved"
    assert resolved["resolution"] == {
        "option_id": mutual, "summary": "Half rate for on-call from April.", "override_reason": None,
    }
    assert resolved["available_triggers"] == ["reopen"]

    # commitments are recorded and settled
    due = world.clock.now() + timedelta(days=7)
    response = api.post(f"{API}/disputes/{did}/commitments",
                        {"person_id": ids("carla"), "description": "Send the corrected timesheets",
                         "due_at": due.isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    timesheets = response.json
    assert timesheets["status"] == "open"
    assert timesheets["overdue"] is False
    assert timesheets["settled_at"] is None
    response = api.post(f"{API}/disputes/{did}/commitments",
                        {"person_id": ids("sam"), "description": "Issue the April credit note",
                         "due_at": (due + timedelta(days=7)).isoformat()})
    assert response.status_code == 201
    credit = response.json

    world.clock.advance(days=8)
    overdue = {c["id"]: c["overdue"] for c in get_dispute(api, did)["commitments"]}
    assert overdue == {timesheets["id"]: True, credit["id"]: False}

    response = api.post(f"{API}/disputes/{did}/commitments/{timesheets['id']}", {"status": "kept"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["status"] == "kept"
    assert response.json["overdue"] is False
    assert response.json["settled_at"] is not None
    world.clock.advance(days=7)
    response = api.post(f"{API}/disputes/{did}/commitments/{credit['id']}", {"status": "broken"})
    assert response.status_code == 200
    assert response.json["status"] == "broken"
    response = api.post(f"{API}/disputes/{did}/commitments/{credit['id']}", {"status": "kept"})
    assert_problem(response, 409)

    # a broken commitment reopens the dispute
    response = fire(api, did, "reopen", reason="The credit note was never issued.")
    assert response.status_code == 200, response.get_data(as_text=True)
    reopened = response.json
    assert reopened["state"] == "story_gathering"
    assert reopened["resolution"] == {"option_id": None, "summary": None, "override_reason": None}
    assert reopened["version"] == resolved["version"] + 5
    assert {c["status"] for c in reopened["commitments"]} == {"kept", "broken"}


def test_every_change_through_the_api_bumps_the_version_by_one(api, world):
    dispute = world.open_dispute()
    versions = [get_dispute(api, dispute.id)["version"]]
    api.post(f"{API}/disputes/{dispute.id}/stories", {"party_id": world.id("sam"), "text": "Billed as logged."})
    versions.append(get_dispute(api, dispute.id)["version"])
    api.post(f"{API}/disputes/{dispute.id}/parties", {"person_id": world.id("dev")})
    versions.append(get_dispute(api, dispute.id)["version"])
    fire(api, dispute.id, "gather_stories")
    versions.append(get_dispute(api, dispute.id)["version"])
    assert versions == [1, 2, 3, 4]


def test_an_option_without_mutual_value_needs_a_recorded_override_reason(api, world, signed_in):
    dispute = world.open_dispute()
    world.drive(dispute, "story_gathering")
    # reach option_generation, then propose only one-sided options
    for party in ("sam", "carla"):
        api.post(f"{API}/disputes/{dispute.id}/stories", {"party_id": world.id(party), "text": "My side."})
    assert fire(api, dispute.id, "generate_options").status_code == 200
    for supplier, customer in ((3, -1), (-2, 4)):
        api.post(f"{API}/disputes/{dispute.id}/options",
                 {"summary": f"{supplier}/{customer}", "value_to_supplier": supplier, "value_to_customer": customer})

    body = assert_problem(fire(api, dispute.id, "start_resolution"), 409, "guards-unmet")
    assert body["unmet"] == ["mutual_value_option_or_override"]

    response = fire(api, dispute.id, "start_resolution", override_reason="The customer needs it this week.")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == "resolution"
    assert response.json["resolution"]["override_reason"] == "The customer needs it this week."


def test_acceptances_by_one_company_do_not_resolve_and_a_company_accepts_only_once(api, world, signed_in):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = get_dispute(api, dispute.id)["options"][0]["id"]
    assert api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}).status_code == 201

    body = assert_problem(fire(api, dispute.id, "resolve", option_id=option, summary="Done."), 409, "guards-unmet")
    assert body["unmet"] == ["option_accepted_by_both_companies"]

    before = table_counts()
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}, as_="admin"), 409)
    assert table_counts() == before

    assert api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}, as_="carla").status_code == 201
    assert fire(api, dispute.id, "resolve", option_id=option, summary="Done.").json["state"] == "resolved"


def test_a_company_retracts_its_acceptance_until_the_dispute_is_resolved(api, world, signed_in):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = get_dispute(api, dispute.id)["options"][0]["id"]
    api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}, as_="alice")
    given = api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}, as_="carla").json
    version = get_dispute(api, dispute.id)["version"]

    before = table_counts()
    for who, status in (("alice", 403), ("frank", 404), ("auditor", 403)):
        assert_problem(api.post(f"{API}/disputes/{dispute.id}/acceptances/{given['id']}/retract", {}, as_=who), status)
    stale = {"expected_version": version - 1}
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/acceptances/{given['id']}/retract", stale, as_="carla"), 409)
    assert table_counts() == before

    response = api.post(f"{API}/disputes/{dispute.id}/acceptances/{given['id']}/retract",
                        {"expected_version": version}, as_="carla")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["retracted"] is True and response.json["dispute_version"] == version + 1
    read = get_dispute(api, dispute.id)
    assert [a["company"] for a in read["acceptances"]] == ["supplier"]
    body = assert_problem(fire(api, dispute.id, "resolve", option_id=option, summary="Done."), 409, "guards-unmet")
    assert body["unmet"] == ["option_accepted_by_both_companies"]
    history = api.get(f"{API}/disputes/{dispute.id}/history", as_="carla").json["items"]
    assert history[-1]["kind"] == "acceptance_retracted"

    again = api.post(f"{API}/disputes/{dispute.id}/acceptances", {"option_id": option}, as_="carla").json
    fire(api, dispute.id, "resolve", option_id=option, summary="Done.")
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/acceptances/{again['id']}/retract", {}, as_="carla"), 409)


@pytest.mark.parametrize("trigger", ["revisit", "withdraw"])
def test_a_dispute_in_resolution_can_be_revisited_or_withdrawn_with_a_reason(api, world, trigger):
    dispute = world.drive(world.open_dispute(), "resolution")
    response = fire(api, dispute.id, trigger, reason="Neither option holds up.")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == {"revisit": "option_generation", "withdraw": "withdrawn"}[trigger]


# --- guards, triggers, versions ----------------------------------------------------------

GUARD_CASES = [
    # (state to reach, trigger, extra request fields, every unmet condition in order)
    ("intake", "gather_stories", {}, ["parties_from_both_companies", "mediator_assigned"]),
    ("story_gathering", "generate_options", {}, ["story_from_each_company", "every_party_heard"]),
    ("option_generation", "start_resolution", {}, ["at_least_two_options", "mutual_value_option_or_override"]),
    ("resolution", "resolve", {}, ["option_accepted_by_both_companies", "resolution_summary"]),
    ("resolution", "resolve", {"summary": "   "}, ["option_accepted_by_both_companies", "resolution_summary"]),
    ("resolution", "revisit", {}, ["reason_given"]),
    ("resolution", "revisit", {"reason": " \t "}, ["reason_given"]),
    ("resolved", "reopen", {}, ["reason_given"]),
    ("intake", "withdraw", {}, ["reason_given"]),
    ("option_generation", "withdraw", {"reason": ""}, ["reason_given"]),
]


def _bare_dispute(world, state):
    """A dispute in `state` where nothing beyond what the state requires has been recorded."""
    if state == "intake":
        # opened by the administrator: no mediator; one supplier party only
        return world.open_dispute(by="admin", parties=["sam"])
    dispute = world.open_dispute()
    if state == "story_gathering":
        return world.drive(dispute, "story_gathering")
    if state == "option_generation":
        world.drive(dispute, "story_gathering")
        actor = world.actor("alice")
        for party in ("sam", "carla"):
            services.record_story(actor, world.clock, dispute.id, party_id=world.id(party), text="My side.")
        current = dispute_queries.get_dispute(actor, dispute.id)
        return services.transition(actor, world.clock, dispute.id, trigger="generate_options",
                                   expected_version=current.version)
    return world.drive(dispute, state)


@pytest.mark.parametrize(("state", "trigger", "extra", "unmet"), GUARD_CASES,
                         ids=[f"{c[1]}-from-{c[0]}-{i}" for i, c in enumerate(GUARD_CASES)])
def test_an_unmet_guard_answers_409_naming_every_unmet_condition_and_changes_nothing(
    api, world, signed_in, state, trigger, extra, unmet
):
    dispute = _bare_dispute(world, state)
    current = get_dispute(api, dispute.id, as_="admin")
    assert current["state"] == state
    before = table_counts()

    body = assert_problem(fire(api, dispute.id, trigger, as_="admin", **extra), 409, "guards-unmet")

    assert body["unmet"] == unmet
    assert body["trigger"] == trigger
    assert table_counts() == before
    after = get_dispute(api, dispute.id, as_="admin")
    assert (after["state"], after["version"]) == (state, current["version"])


def test_a_guard_that_is_met_is_not_listed(api, world):
    dispute = world.open_dispute(by="admin")  # parties of both companies, but no mediator
    body = assert_problem(fire(api, dispute.id, "gather_stories", as_="admin"), 409, "guards-unmet")
    assert body["unmet"] == ["mediator_assigned"]


@pytest.mark.parametrize(("state", "trigger"), [
    ("intake", "resolve"),
    ("intake", "generate_options"),
    ("story_gathering", "gather_stories"),
    ("resolved", "withdraw"),
    ("resolved", "revisit"),
    ("withdrawn", "reopen"),
    ("withdrawn", "withdraw"),
])
def test_a_trigger_not_possible_in_the_state_answers_409_with_the_possible_ones(
    api, world, signed_in, state, trigger
):
    dispute = world.drive(world.open_dispute(), state) if state != "intake" else world.open_dispute()
    version = get_dispute(api, dispute.id)["version"]
    before = table_counts()

    body = assert_problem(fire(api, dispute.id, trigger, reason="because", summary="s"), 409, "invalid-trigger")

    assert body["state"] == state
    assert body["trigger"] == trigger
    assert sorted(body["available_triggers"]) == sorted(
        {"intake": ["gather_stories", "withdraw"], "story_gathering": ["generate_options", "withdraw"],
         "resolved": ["reopen"], "withdrawn": []}[state]
    )
    assert table_counts() == before
    assert get_dispute(api, dispute.id)["version"] == version


@pytest.mark.parametrize("offset", [-1, 1, 100])
def test_a_stale_expected_version_answers_409_with_the_current_version(api, world, signed_in, offset):
    dispute = world.open_dispute()
    api.post(f"{API}/disputes/{dispute.id}/stories", {"party_id": world.id("sam"), "text": "Billed as logged."})
    current = get_dispute(api, dispute.id)["version"]
    assert current == 2
    before = table_counts()

    response = fire(api, dispute.id, "gather_stories", version=current + offset)

    body = assert_problem(response, 409, "stale-version")
    assert body["current_version"] == current
    assert table_counts() == before
    assert get_dispute(api, dispute.id)["state"] == "intake"


def test_the_second_of_two_changes_made_from_the_same_version_is_refused(api, world, signed_in):
    dispute = world.open_dispute()
    seen = get_dispute(api, dispute.id)["version"]

    first = fire(api, dispute.id, "gather_stories", version=seen)
    assert first.status_code == 200
    second = fire(api, dispute.id, "withdraw", version=seen, reason="duplicate")

    body = assert_problem(second, 409, "stale-version")
    assert body["current_version"] == first.json["version"]
    assert get_dispute(api, dispute.id)["state"] == "story_gathering"


@pytest.mark.parametrize(("path", "body"), [
    ("notes", {"text": "A note."}),
    ("parties", {"person_id": "dev"}),
    ("stories", {"party_id": "carla", "text": "My side."}),
])
def test_records_with_a_stale_expected_version_are_refused(api, world, signed_in, path, body):
    dispute = world.open_dispute()
    api.post(f"{API}/disputes/{dispute.id}/stories", {"party_id": world.id("sam"), "text": "Billed as logged."})
    body = {k: world.id(v) if k.endswith("_id") else v for k, v in body.items()}
    before = table_counts()

    response = api.post(f"{API}/disputes/{dispute.id}/{path}", {**body, "expected_version": 1})

    assert assert_problem(response, 409, "stale-version")["current_version"] == 2
    assert table_counts() == before


def what_carla_sees(api, dispute_id) -> tuple:
    """Carla's (Contoso's) reading of a dispute's version and last change: the dispute, and its
    place in her list sorted by last change, newest first."""
    dispute = get_dispute(api, dispute_id, as_="carla")
    listed = api.get(f"{API}/disputes?sort=updated_at&order=desc", as_="carla").json["items"]
    return dispute["version"], dispute["updated_at"], [(d["id"], d["version"], d["updated_at"]) for d in listed]


def test_a_customer_sees_no_move_when_the_supplier_adds_internal_notes_and_stories(api, world, signed_in):
    dispute = world.open_dispute()
    world.clock.advance(hours=1)
    world.open_dispute(title="Opened later")
    before = what_carla_sees(api, dispute.id)
    world.clock.advance(hours=2)

    for path, body in (("notes", {"text": "Margin is thin."}),
                       ("stories", {"party_id": world.id("sam"), "text": "Finance padded it."})):
        response = api.post(f"{API}/disputes/{dispute.id}/{path}", {**body, "visibility": "internal"}, as_="alice")
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.json["dispute_version"] == before[0]

    assert what_carla_sees(api, dispute.id) == before


def test_a_shared_note_does_not_move_the_version_nor_make_a_transition_stale(api, world, signed_in):
    dispute = world.open_dispute()
    seen = get_dispute(api, dispute.id)["version"]

    note = api.post(f"{API}/disputes/{dispute.id}/notes", {"text": "An answer, please.", "expected_version": seen},
                    as_="carla")
    moved = fire(api, dispute.id, "gather_stories", version=seen)

    assert note.json["dispute_version"] == seen
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["version"] == seen + 1


@pytest.mark.parametrize(("path", "state"), [
    ("options", "intake"),
    ("acceptances", "option_generation"),
    ("stories", "resolution"),
    ("parties", "option_generation"),
    ("commitments", "story_gathering"),
])
def test_records_outside_their_stage_answer_409(api, world, signed_in, path, state):
    dispute = world.drive(world.open_dispute(), state) if state != "intake" else world.open_dispute()
    options = get_dispute(api, dispute.id)["options"]
    body = {
        "options": {"summary": "An option", "value_to_supplier": 1, "value_to_customer": 1},
        "acceptances": {"option_id": options[0]["id"] if options else 1},
        "stories": {"party_id": world.id("carla"), "text": "My side."},
        "parties": {"person_id": world.id("dev")},
        "commitments": {"person_id": world.id("carla"), "description": "Send it",
                        "due_at": "2026-04-01T12:00:00+00:00"},
    }[path]
    before = table_counts()

    assert_problem(api.post(f"{API}/disputes/{dispute.id}/{path}", body), 409)
    assert table_counts() == before


# --- history -----------------------------------------------------------------------------


def test_the_history_lists_every_event_of_the_dispute_in_order_with_hashes(api, world):
    other = world.open_dispute(account="fabrikam")
    dispute = world.open_dispute()
    world.drive(dispute, "resolved")
    world.open_dispute()  # later events of another dispute are not part of this history
    api.post(f"{API}/disputes/{other.id}/notes", {"text": "Unrelated."}, as_="bob")

    response = api.get(f"{API}/disputes/{dispute.id}/history")

    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.json["items"]
    assert [e["kind"] for e in items] == [
        "opened",
        "transition",
        "story_recorded", "story_recorded",
        "transition",
        "option_proposed", "option_proposed",
        "transition",
        "option_accepted", "option_accepted",
        "transition",
    ]
    assert [(e["from_state"], e["to_state"]) for e in items if e["kind"] == "transition"] == [
        ("intake", "story_gathering"),
        ("story_gathering", "option_generation"),
        ("option_generation", "resolution"),
        ("resolution", "resolved"),
    ]
    assert all(e["subject"] == {"type": "dispute", "id": dispute.id} for e in items)
    sequences = [e["sequence"] for e in items]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(HEX64.match(e["hash"]) and HEX64.match(e["prev_hash"]) for e in items)
    # consecutive events of this dispute were consecutive in the ledger: each links to the one before
    for earlier, later in zip(items, items[1:]):
        assert later["prev_hash"] == earlier["hash"]
    stored = {e.sequence: e.hash for e in AuditEvent.select().where(
        (AuditEvent.subject_type == "dispute") & (AuditEvent.subject_id == dispute.id))}
    assert {e["sequence"]: e["hash"] for e in items} == stored
    assert items[0]["actor"] == {
        "person_id": world.id("alice"),
        "organization_id": world.orgs["northwind"].id,
        "role": "account_manager",
    }
    assert items[0]["payload"]["title"] == dispute.title
    assert items[-1]["payload"]["trigger"] == "resolve"


def test_the_history_records_what_each_api_call_did(api, world):
    dispute = world.open_dispute()
    api.post(f"{API}/disputes/{dispute.id}/notes", {"text": "Spoke to Carla.", "visibility": "internal"})
    fire(api, dispute.id, "withdraw", reason="Settled by phone.")

    items = api.get(f"{API}/disputes/{dispute.id}/history").json["items"]

    assert [e["kind"] for e in items] == ["opened", "note_added", "transition"]
    assert items[1]["payload"]["text"] == "Spoke to Carla."
    assert items[1]["payload"]["visibility"] == "internal"
    assert items[2]["payload"] == {"trigger": "withdraw", "reason": "Settled by phone."}
    assert (items[2]["from_state"], items[2]["to_state"]) == ("intake", "withdrawn")


def test_the_history_of_an_unknown_dispute_is_404(api, world):
    assert_problem(api.get(f"{API}/disputes/999999/history"), 404)


# --- listing -----------------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """Disputes across both accounts, states, projects and severities."""
    contoso, fabrikam = world.projects["contoso"].id, world.projects["fabrikam"].id
    made = {
        "contoso_intake_high": world.open_dispute(severity="high", project_id=contoso),
        "contoso_gathering_low": world.open_dispute(severity="low"),
        "fabrikam_intake_critical": world.open_dispute(account="fabrikam", severity="critical",
                                                      project_id=fabrikam),
        "contoso_resolved_medium": world.open_dispute(severity="medium", project_id=contoso),
        "fabrikam_withdrawn_high": world.open_dispute(account="fabrikam", severity="high"),
    }
    world.drive(made["contoso_gathering_low"], "story_gathering")
    world.drive(made["contoso_resolved_medium"], "resolved")
    world.drive(made["fabrikam_withdrawn_high"], "withdrawn")
    return {key: d.id for key, d in made.items()}


LIST_FILTERS = [
    ("", ["contoso_intake_high", "contoso_gathering_low", "fabrikam_intake_critical",
          "contoso_resolved_medium", "fabrikam_withdrawn_high"]),
    ("state=intake", ["contoso_intake_high", "fabrikam_intake_critical"]),
    ("state=resolved", ["contoso_resolved_medium"]),
    ("state=option_generation", []),
    ("account_id={contoso}", ["contoso_intake_high", "contoso_gathering_low", "contoso_resolved_medium"]),
    ("account_id={fabrikam}", ["fabrikam_intake_critical", "fabrikam_withdrawn_high"]),
    ("project_id={contoso_project}", ["contoso_intake_high", "contoso_resolved_medium"]),
    ("severity=high", ["contoso_intake_high", "fabrikam_withdrawn_high"]),
    ("severity=critical", ["fabrikam_intake_critical"]),
    ("state=intake&account_id={fabrikam}", ["fabrikam_intake_critical"]),
    ("severity=high&project_id={contoso_project}", ["contoso_intake_high"]),
    ("account_id={contoso}&project_id={fabrikam_project}", []),
]


@pytest.mark.parametrize(("query", "expected"), LIST_FILTERS, ids=[q or "no-filter" for q, _ in LIST_FILTERS])
def test_the_list_is_filtered_by_state_account_project_and_severity(api, world, spread, query, expected):
    query = query.format(
        contoso=world.accounts["contoso"].id, fabrikam=world.accounts["fabrikam"].id,
        contoso_project=world.projects["contoso"].id, fabrikam_project=world.projects["fabrikam"].id,
    )
    response = api.get(f"{API}/disputes?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [d["id"] for d in response.json["items"]] == [spread[key] for key in expected]
    assert response.json["next"] is None


def test_list_items_summarize_each_dispute(api, world, spread):
    items = {d["id"]: d for d in api.get(f"{API}/disputes").json["items"]}
    resolved = items[spread["contoso_resolved_medium"]]
    assert resolved["state"] == "resolved"
    assert resolved["severity"] == "medium"
    assert resolved["account_id"] == world.accounts["contoso"].id
    assert resolved["available_triggers"] == ["reopen"]
    assert resolved["resolution"]["option_id"] is not None
    assert "stories" not in resolved


def test_a_dispute_left_in_intake_for_more_than_a_day_is_stale(api, world):
    old = world.open_dispute(title="Sitting in intake")
    moved = world.open_dispute(title="Moved on")
    world.clock.advance(hours=24)
    world.drive(moved, "story_gathering")
    boundary = world.open_dispute(title="Exactly a day")
    world.clock.advance(hours=24)
    world.clock.advance(seconds=-1)
    fresh = world.open_dispute(title="Fresh")
    world.clock.advance(seconds=1)  # `old` is 48h in intake, `boundary` exactly 24h

    stale = api.get(f"{API}/disputes?stale=true").json["items"]
    not_stale = api.get(f"{API}/disputes?stale=false").json["items"]
    everything = api.get(f"{API}/disputes").json["items"]

    assert [d["id"] for d in stale] == [old.id]
    assert [d["id"] for d in not_stale] == [moved.id, boundary.id, fresh.id]
    assert {d["id"]: d["stale"] for d in everything} == {
        old.id: True, moved.id: False, boundary.id: False, fresh.id: False,
    }
    assert get_dispute(api, old.id)["stale"] is True


def _follow(api, url, as_="alice"):
    """Every page from `url` to the end: the pages' item ids and their `next` links."""
    pages, links = [], []
    while url:
        response = api.get(url, as_=as_)
        assert response.status_code == 200, response.get_data(as_text=True)
        pages.append([d["id"] for d in response.json["items"]])
        url = response.json["next"]
        links.append(url)
        assert len(pages) <= 50, "pagination does not end"
    return pages, links


@pytest.mark.parametrize(("count", "limit", "sizes"), [
    (7, 3, [3, 3, 1]),
    (6, 3, [3, 3]),
    (5, 1, [1, 1, 1, 1, 1]),
    (4, 200, [4]),
])
def test_following_next_visits_every_dispute_once_in_order(api, world, count, limit, sizes):
    made = [world.open_dispute(account=("contoso", "fabrikam")[i % 2]).id for i in range(count)]

    pages, links = _follow(api, f"{API}/disputes?limit={limit}")

    assert [len(p) for p in pages] == sizes
    seen = [i for page in pages for i in page]
    assert seen == sorted(made)
    assert links[-1] is None
    assert all(f"limit={limit}" in link for link in links[:-1])


def test_the_default_page_holds_fifty(api, world):
    for _ in range(51):
        world.open_dispute()
    first = api.get(f"{API}/disputes").json
    assert len(first["items"]) == 50
    second = api.get(first["next"]).json
    assert len(second["items"]) == 1
    assert second["next"] is None


def test_next_keeps_the_filters(api, world):
    wanted = []
    for i in range(7):
        dispute = world.open_dispute(severity=("high", "low")[i % 2])
        if i % 3 == 0:
            world.drive(dispute, "withdrawn")
        elif dispute.severity == "high":
            wanted.append(dispute.id)

    pages, links = _follow(api, f"{API}/disputes?state=intake&severity=high&limit=1")

    assert [i for page in pages for i in page] == wanted
    assert all("state=intake" in link and "severity=high" in link for link in links[:-1])


def test_pages_do_not_skip_or_repeat_when_disputes_are_added_meanwhile(api, world):
    first_batch = [world.open_dispute().id for _ in range(4)]
    response = api.get(f"{API}/disputes?limit=2")
    seen = [d["id"] for d in response.json["items"]]
    later = [world.open_dispute().id for _ in range(3)]
    pages, _ = _follow(api, response.json["next"])
    seen += [i for page in pages for i in page]
    assert seen == first_batch + later


@pytest.fixture
def assorted(world):
    """Disputes whose titles, severities, states, projects and last changes differ, with
    ties in each so that the order of ids decides between them."""
    made = []
    for n, (title, severity, account) in enumerate([
        ("beta", "high", "contoso"), ("Alpha", "low", "fabrikam"), ("gamma", "high", "contoso"),
        ("alpha", "critical", "contoso"), ("Delta", "medium", "fabrikam"), ("beta", "low", "contoso"),
        ("epsilon", "critical", "fabrikam"),
    ]):
        world.clock.advance(hours=5)
        project = world.projects[account].id if n % 2 else None
        dispute = world.open_dispute(account=account, title=title, severity=severity, project_id=project)
        if n % 3 == 1:
            world.drive(dispute, "story_gathering")
        made.append(dispute.id)
    return made


SORTED = [f"sort={column}&order={order}" for column in
          ("title", "account", "project", "severity", "state", "stale", "updated_at") for order in ("asc", "desc")]


@pytest.mark.parametrize("sort", SORTED + ["order=desc"])
def test_pages_of_a_sorted_list_follow_its_order_without_repeating_or_skipping(api, assorted, sort):
    whole = api.get(f"{API}/disputes?{sort}&limit=200").json
    assert sorted(d["id"] for d in whole["items"]) == sorted(assorted)

    pages, links = _follow(api, f"{API}/disputes?{sort}&limit=2")

    assert [i for page in pages for i in page] == [d["id"] for d in whole["items"]]
    assert all(sort in link for link in links[:-1])


@pytest.mark.parametrize(("sort", "first", "last"), [
    ("sort=title", "Alpha", "gamma"),
    ("sort=title&order=desc", "gamma", "Alpha"),
    ("sort=severity&order=desc", "epsilon", "Alpha"),
])
def test_titles_sort_whatever_their_case_and_severities_in_their_own_order(api, assorted, sort, first, last):
    titles = [d["title"] for d in api.get(f"{API}/disputes?{sort}").json["items"]]
    assert (titles[0], titles[-1]) == (first, last)


def test_the_list_sorted_by_state_follows_the_lifecycle_and_ties_by_id(api, world, assorted):
    items = api.get(f"{API}/disputes?sort=state").json["items"]
    assert [d["state"] for d in items] == ["intake"] * 5 + ["story_gathering"] * 2
    assert [d["id"] for d in items[:5]] == sorted(d["id"] for d in items[:5])


@pytest.mark.parametrize("query, field", [("sort=colour", "sort"), ("sort=title&order=up", "order"),
                                          ("mine=perhaps", "mine"), ("customer_id=0", "customer_id")])
def test_an_unknown_sort_or_filter_is_refused_naming_its_field(api, world, query, field):
    body = assert_problem(api.get(f"{API}/disputes?{query}"), 422, "validation")
    assert list(body["errors"]) == [field]


def test_mine_keeps_the_disputes_the_caller_is_part_of(api, world):
    as_party = world.open_dispute(account="fabrikam", parties=["sam", "frank"])
    world.open_dispute(account="fabrikam", parties=["frank"])
    managed = world.open_dispute(parties=["carla"])

    assert [d["id"] for d in api.get(f"{API}/disputes?mine=true", as_="sam").json["items"]] == [as_party.id]
    assert [d["id"] for d in api.get(f"{API}/disputes?mine=true", as_="alice").json["items"]] == [managed.id]
    assert len(api.get(f"{API}/disputes?mine=false", as_="alice").json["items"]) == 3


def test_the_customer_filter_keeps_that_customers_disputes_and_never_another_tenants(api, world):
    contoso = world.open_dispute()
    fabrikam = world.open_dispute(account="fabrikam")
    by_customer = {key: world.orgs[key].id for key in ("contoso", "fabrikam")}

    assert [d["id"] for d in api.get(f"{API}/disputes?customer_id={by_customer['fabrikam']}").json["items"]] == [
        fabrikam.id]
    assert [d["id"] for d in api.get(f"{API}/disputes?customer_id={by_customer['contoso']}",
                                     as_="carla").json["items"]] == [contoso.id]
    assert api.get(f"{API}/disputes?customer_id={by_customer['fabrikam']}", as_="carla").json["items"] == []


def test_another_customers_dispute_as_the_cursor_of_a_sorted_list_finds_nothing(api, world):
    world.open_dispute(title="Alpha")
    hidden = world.open_dispute(account="fabrikam", title="Beta")
    world.open_dispute(title="Gamma")

    page = api.get(f"{API}/disputes?sort=title&after={hidden.id}", as_="carla").json
    assert page == {"items": [], "next": None}


def test_a_transition_request_takes_exactly_the_fields_the_triggers_declare():
    from mediation import lifecycle
    from web.schemas import TransitionIn

    assert set(TransitionIn().fields) - {"trigger", "expected_version"} == set(lifecycle.INPUTS)
