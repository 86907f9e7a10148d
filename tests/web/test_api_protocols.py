"""Protocols through the JSON API (DESIGN.md, "HTTP API contract (v1)").

Every protocol endpoint: creating a protocol with its first draft, reading it, new versions,
version transitions, acknowledgements, touchpoints, incidents, compliance, the board and
the calendar feeds; their status codes and problem bodies; the same tenant rules as
disputes (a person of another customer gets 404 and nothing is written); and a board
that answers in a number of SQL queries that does not grow with the number of protocols.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from icalendar import Calendar

from mediation import directory
from mediation.credentials import ApiToken
from mediation.credentials import issue_token
from mediation.credentials import revoke_token
from mediation.db import write_transaction
from protocols import board as protocol_board
from protocols import services
from tests.conftest import assert_problem
from tests.conftest import START
from tests.conftest import table_counts

API = "/api/v1"
UNKNOWN = 999_999
WEEKLY = {"every": 1, "unit": "weeks"}
DAILY = {"every": 1, "unit": "days"}


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def terms(world, **overrides) -> dict:
    body = {"cadence": WEEKLY, "channel": "video", "supplier_point_person_id": world.id("alice"),
            "customer_point_person_id": world.id("carla"), "agenda": "Milestones, risks, next steps."}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def create(api, world, scenario="routine", project="contoso", as_=None, **overrides) -> dict:
    as_ = as_ or ("alice" if project == "contoso" else "bob")
    if project == "fabrikam":
        overrides.setdefault("customer_point_person_id", world.id("frank"))
    response = api.post(f"{API}/projects/{world.projects[project].id}/protocols",
                        {"scenario": scenario, **terms(world, **overrides)}, as_=as_)
    return ok(response, 201)


def transition(api, protocol_id, number, trigger, as_="alice", **extra):
    return api.post(f"{API}/protocols/{protocol_id}/versions/{number}/transitions", {"trigger": trigger, **extra},
                    as_=as_)


def acknowledge(api, protocol_id, number, as_):
    return api.post(f"{API}/protocols/{protocol_id}/acknowledgements", {"version": number}, as_=as_)


def agree(api, protocol_id, number=1, supplier="alice", customer="carla") -> dict:
    ok(transition(api, protocol_id, number, "propose", as_=supplier))
    ok(acknowledge(api, protocol_id, number, supplier), 201)
    return ok(acknowledge(api, protocol_id, number, customer), 201)


def agreed(api, world, scenario="routine", project="contoso", **overrides) -> dict:
    protocol = create(api, world, scenario=scenario, project=project, **overrides)
    if project == "contoso":
        return agree(api, protocol["id"])
    return agree(api, protocol["id"], supplier="bob", customer="frank")


def touchpoint(api, world, protocol_id, when, as_="alice", supplier="alice", customer="carla", channel="video"):
    return api.post(f"{API}/protocols/{protocol_id}/touchpoints", {
        "occurred_at": when.isoformat(), "channel": channel, "supplier_person_id": world.id(supplier),
        "customer_person_id": world.id(customer), "summary": "Status call."}, as_=as_)


def compliance(api, protocol_id, as_="alice", **query):
    params = {("from" if k == "from_" else k): v.isoformat() for k, v in query.items()}
    suffix = f"?{urlencode(params)}" if params else ""
    return api.get(f"{API}/protocols/{protocol_id}/compliance{suffix}", as_=as_)


def version_of(protocol: dict, number: int) -> dict:
    return next(v for v in protocol["versions"] if v["number"] == number)


# --- POST /projects/{id}/protocols --------------------------------------------------------------------


def test_creating_a_protocol_answers_201_with_version_1_as_a_draft(api, world):
    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols", {
        "scenario": "onboarding", "cadence": WEEKLY,
        "phases": [{"cadence": DAILY, "days": 14},
                   {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}, "days": 28}],
        "channel": "video", "supplier_point_person_id": world.id("alice"),
        "customer_point_person_id": world.id("carla"), "backup_ids": [world.id("sam"), world.id("dev")],
        "agenda": "Cut-over status.", "escalation": [{"person_id": world.id("bob"), "respond_within_hours": 8}],
        "timezone": "Europe/Berlin",
    })
    protocol = ok(response, 201)
    assert response.headers["Location"] == f"{API}/protocols/{protocol['id']}"
    assert protocol["project_id"] == world.projects["contoso"].id
    assert protocol["account_id"] == world.accounts["contoso"].id
    assert protocol["scenario"] == "onboarding"
    assert protocol["in_force"] is None
    (draft,) = protocol["versions"]
    assert draft["number"] == 1 and draft["status"] == "draft"
    assert draft["cadence"] == WEEKLY
    assert [p["days"] for p in draft["phases"]] == [14, 28]
    assert draft["backup_ids"] == sorted([world.id("sam"), world.id("dev")])
    assert draft["escalation"] == [{"person_id": world.id("bob"), "respond_within_hours": 8}]
    assert draft["timezone"] == "Europe/Berlin"
    assert draft["acknowledged_by"] == []
    assert set(draft["available_triggers"]) == {"propose", "retire"}
    assert draft["in_force_from"] is None
    assert ok(api.get(response.headers["Location"])) == protocol


def test_a_minimal_body_takes_the_documented_defaults(api, world):
    protocol = create(api, world, agenda=...)
    (draft,) = protocol["versions"]
    assert (draft["phases"], draft["backup_ids"], draft["agenda"], draft["escalation"]) == ([], [], "", [])
    assert draft["timezone"] == "UTC" and draft["effective_from"] is None


def test_a_second_protocol_for_the_same_scenario_is_422_naming_the_scenario(api, world, signed_in):
    create(api, world)
    before = table_counts()
    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols",
                        {"scenario": "routine", **terms(world)})
    assert set(assert_problem(response, 422, "validation")["errors"]) == {"scenario"}
    assert table_counts() == before


@pytest.mark.parametrize("body,field", [
    ({"scenario": "gossip"}, "scenario"),
    ({"surprise": True}, "surprise"),
    ({"channel": None}, "channel"),
    ({"supplier_point_person_id": "1"}, "supplier_point_person_id"),
    ({"cadence": {"every": 1, "unit": "weeks", "respond_within_hours": 4}}, "cadence"),
    ({"effective_from": "next tuesday"}, "effective_from"),
    ({"max_contacts_per_window": 0}, "max_contacts_per_window"),
])
def test_a_bad_protocol_body_is_422_naming_the_field(api, world, signed_in, body, field):
    before = table_counts()
    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols",
                        {"scenario": "routine", **terms(world), **body})
    assert field in assert_problem(response, 422, "validation")["errors"]
    assert table_counts() == before


def test_a_body_that_is_not_json_is_400_and_no_credentials_is_401(api, world, signed_in):
    url = f"{API}/projects/{world.projects['contoso'].id}/protocols"
    before = table_counts()
    response = api.client.post(url, data="{not json", content_type="application/json",
                               headers={"Authorization": f"Bearer {world.token('alice')}"})
    assert_problem(response, 400)
    response = api.post(url, {"scenario": "routine", **terms(world)}, as_=None)
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers
    assert table_counts() == before


@pytest.mark.parametrize("who", ["bob", "sam", "carla", "auditor", "contoso_auditor"])
def test_only_the_accounts_managers_and_supplier_administrators_create_protocols(api, world, signed_in, who):
    before = table_counts()
    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols",
                        {"scenario": "routine", **terms(world)}, as_=who)
    assert_problem(response, 403, "forbidden")
    assert table_counts() == before
    assert create(api, world, as_="admin")["versions"][0]["status"] == "draft"


def test_an_unknown_project_is_404(api, world, signed_in):
    before = table_counts()
    response = api.post(f"{API}/projects/{UNKNOWN}/protocols", {"scenario": "routine", **terms(world)})
    assert_problem(response, 404, "not-found")
    assert table_counts() == before


def test_the_protocols_of_a_project_are_listed(api, world):
    routine = create(api, world)
    incident = create(api, world, scenario="incident", cadence={"respond_within_hours": 4})
    create(api, world, project="fabrikam")
    listed = ok(api.get(f"{API}/projects/{world.projects['contoso'].id}/protocols"))
    assert [p["id"] for p in listed["items"]] == [routine["id"], incident["id"]]
    assert_problem(api.get(f"{API}/projects/{UNKNOWN}/protocols"), 404)


# --- GET /protocols/{id}, versions and transitions -------------------------------------------------------


def test_an_unknown_protocol_is_404(api, world):
    body = assert_problem(api.get(f"{API}/protocols/{UNKNOWN}"), 404, "not-found")
    assert str(UNKNOWN) in body["detail"]


def test_propose_then_both_acknowledgements_make_the_version_agreed_and_in_force(api, world):
    protocol = create(api, world)
    proposed = ok(transition(api, protocol["id"], 1, "propose"))
    assert version_of(proposed, 1)["status"] == "proposed"
    assert version_of(proposed, 1)["available_triggers"] == ["retire"]
    assert proposed["version"] > protocol["version"]

    half = ok(acknowledge(api, protocol["id"], 1, "carla"), 201)
    assert version_of(half, 1)["status"] == "proposed"
    assert version_of(half, 1)["acknowledged_by"] == ["customer"]
    assert half["in_force"] is None

    world.clock.advance(hours=1)
    full = ok(acknowledge(api, protocol["id"], 1, "alice"), 201)
    assert version_of(full, 1)["status"] == "agreed"
    assert version_of(full, 1)["acknowledged_by"] == ["customer", "supplier"]
    assert full["in_force"] == 1
    assert version_of(full, 1)["in_force_from"].startswith((START + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    assert ok(api.get(f"{API}/protocols/{protocol['id']}", as_="carla"))["in_force"] == 1


def test_a_new_version_is_a_draft_while_the_agreed_one_stays_in_force_until_its_successor_is_agreed(api, world):
    protocol = agreed(api, world)
    response = api.post(f"{API}/protocols/{protocol['id']}/versions",
                        {**terms(world, channel="phone"), "expected_version": protocol["version"]})
    changed = ok(response, 201)
    assert [(v["number"], v["status"]) for v in changed["versions"]] == [(1, "agreed"), (2, "draft")]
    assert changed["in_force"] == 1

    world.clock.advance(days=1)
    changed = agree(api, protocol["id"], 2)
    assert [(v["number"], v["status"]) for v in changed["versions"]] == [(1, "superseded"), (2, "agreed")]
    assert changed["in_force"] == 2
    assert version_of(changed, 1)["in_force_until"] == version_of(changed, 2)["in_force_from"]


def test_a_back_dated_version_is_in_force_from_its_effective_from_with_its_past_touchpoints(api, world):
    starts = world.clock.now() - timedelta(weeks=3)
    protocol = create(api, world, effective_from=starts.isoformat())
    world.clock.advance(minutes=1)
    full = agree(api, protocol["id"])
    version = version_of(full, 1)
    assert (version["effective_from"], version["in_force_from"]) == (starts.isoformat(), starts.isoformat())
    assert version["agreed_at"] == world.clock.now().isoformat()
    assert full["in_force"] == 1

    for week in (0, 2):
        ok(touchpoint(api, world, protocol["id"], starts + timedelta(weeks=week, hours=1)), 201)
    result = ok(compliance(api, protocol["id"], from_=starts, to=starts + timedelta(weeks=3)))
    assert [(w["touchpoints"], w["status"]) for w in result["windows"]] == [(1, "met"), (0, "missed"), (1, "met")]
    assert_problem(touchpoint(api, world, protocol["id"], starts - timedelta(seconds=1)), 422)

    (event,) = events_of(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics"))
    assert event.decoded("DTSTART") == starts, "the calendar starts with the arrangement"
    (entry,) = ok(api.get(f"{API}/protocols/board"))["items"]
    assert entry["protocol_id"] == protocol["id"] and entry["status"] == "on_track"


def test_a_future_effective_from_still_waits_for_its_day(api, world):
    starts = world.clock.now() + timedelta(days=10)
    full = agreed(api, world, effective_from=starts.isoformat())
    assert version_of(full, 1)["in_force_from"] == starts.isoformat()
    assert version_of(full, 1)["agreed_at"] < version_of(full, 1)["in_force_from"]
    assert full["in_force"] is None
    assert_problem(touchpoint(api, world, full["id"], world.clock.now()), 422)


def test_an_effective_from_before_the_version_in_force_started_is_422_on_the_field_and_writes_nothing(
        api, world, signed_in):
    protocol = agreed(api, world)
    started = version_of(protocol, 1)["in_force_from"]
    world.clock.advance(days=2)
    before = table_counts()
    early = (world.clock.now() - timedelta(days=3)).isoformat()
    response = api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, effective_from=early))
    body = assert_problem(response, 422, "validation")
    assert list(body["errors"]) == ["effective_from"]
    assert started in body["errors"]["effective_from"][0]
    assert table_counts() == before


def test_an_acknowledgement_that_cannot_honour_the_effective_from_is_422_and_writes_nothing(api, world, signed_in):
    protocol = agreed(api, world)
    world.clock.advance(days=5)
    back_dated = (world.clock.now() - timedelta(days=2)).isoformat()
    ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, effective_from=back_dated)), 201)
    ok(transition(api, protocol["id"], 2, "propose"))
    ok(acknowledge(api, protocol["id"], 2, "carla"), 201)
    ok(transition(api, protocol["id"], 1, "retire"))  # version 1 stops now, after the date version 2 asks for
    before = table_counts()
    body = assert_problem(acknowledge(api, protocol["id"], 2, "alice"), 422, "validation")
    assert list(body["errors"]) == ["effective_from"] and "retired" in body["errors"]["effective_from"][0]
    assert table_counts() == before
    assert version_of(ok(api.get(f"{API}/protocols/{protocol['id']}")), 2)["status"] == "proposed"


def test_a_touchpoint_in_the_minute_of_the_agreement_is_accepted(api, world):
    protocol = create(api, world)
    ok(transition(api, protocol["id"], 1, "propose"))
    ok(acknowledge(api, protocol["id"], 1, "carla"), 201)
    world.clock.set(world.clock.now().replace(hour=10, minute=0, second=37))
    full = ok(acknowledge(api, protocol["id"], 1, "alice"), 201)
    minute = world.clock.now().replace(second=0)
    assert version_of(full, 1)["in_force_from"] == minute.isoformat()
    assert version_of(full, 1)["agreed_at"] == world.clock.now().isoformat()
    world.clock.advance(seconds=10)
    ok(touchpoint(api, world, protocol["id"], minute), 201)


def test_a_new_version_retires_the_pending_proposal(api, world):
    protocol = create(api, world)
    ok(transition(api, protocol["id"], 1, "propose"))
    changed = ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, channel="email")), 201)
    assert [(v["number"], v["status"]) for v in changed["versions"]] == [(1, "retired"), (2, "draft")]
    assert version_of(changed, 1)["channel"] == "video"


def test_a_stale_expected_version_is_409_with_the_current_version(api, world, signed_in):
    protocol = create(api, world)
    ok(transition(api, protocol["id"], 1, "propose"))
    before = table_counts()
    response = api.post(f"{API}/protocols/{protocol['id']}/versions",
                        {**terms(world), "expected_version": protocol["version"]})
    body = assert_problem(response, 409, "stale-version")
    assert body["current_version"] == protocol["version"] + 1
    response = transition(api, protocol["id"], 1, "retire", expected_version=protocol["version"])
    assert_problem(response, 409, "stale-version")
    assert table_counts() == before


def test_a_version_body_has_no_scenario(api, world, signed_in):
    protocol = create(api, world)
    response = api.post(f"{API}/protocols/{protocol['id']}/versions", {"scenario": "incident", **terms(world)})
    assert "scenario" in assert_problem(response, 422)["errors"]


def test_version_transitions_answer_with_the_protocol_or_a_problem(api, world, signed_in):
    protocol = agreed(api, world)
    before = table_counts()
    assert "trigger" in assert_problem(transition(api, protocol["id"], 1, "agree"), 422)["errors"]
    assert "trigger" in assert_problem(transition(api, protocol["id"], 1, "supersede"), 422)["errors"]
    body = assert_problem(transition(api, protocol["id"], 1, "propose"), 409, "invalid-trigger")
    assert body["state"] == "agreed"
    assert_problem(transition(api, protocol["id"], 7, "retire"), 404)
    assert_problem(transition(api, UNKNOWN, 1, "retire"), 404)
    assert_problem(transition(api, protocol["id"], 1, "retire", as_="carla"), 403)
    assert table_counts() == before

    retired = ok(transition(api, protocol["id"], 1, "retire"))
    assert version_of(retired, 1)["status"] == "retired"
    assert retired["in_force"] is None
    assert version_of(retired, 1)["available_triggers"] == []


# --- acknowledgements ---------------------------------------------------------------------------------------


def test_acknowledgement_problems(api, world, signed_in):
    draft = create(api, world, scenario="executive_review")
    pending = create(api, world)
    ok(transition(api, pending["id"], 1, "propose"))
    ok(acknowledge(api, pending["id"], 1, "alice"), 201)
    before = table_counts()

    assert set(assert_problem(acknowledge(api, draft["id"], 1, "carla"), 422)["errors"]) == {"version"}
    assert set(assert_problem(acknowledge(api, pending["id"], 1, "alice"), 422)["errors"]) == {"version"}
    assert set(assert_problem(acknowledge(api, pending["id"], 1, "admin"), 422)["errors"]) == {"version"}
    assert set(assert_problem(acknowledge(api, pending["id"], 2, "carla"), 422)["errors"]) == {"version"}
    response = api.post(f"{API}/protocols/{pending['id']}/acknowledgements", {"version": "1"}, as_="carla")
    assert "version" in assert_problem(response, 422)["errors"]
    response = api.post(f"{API}/protocols/{pending['id']}/acknowledgements", {}, as_="carla")
    assert "version" in assert_problem(response, 422)["errors"]
    assert_problem(acknowledge(api, pending["id"], 1, "dev"), 403)
    assert_problem(acknowledge(api, pending["id"], 1, "contoso_auditor"), 403)
    assert_problem(acknowledge(api, pending["id"], 1, "frank"), 404)
    assert_problem(acknowledge(api, UNKNOWN, 1, "carla"), 404)
    assert table_counts() == before


# --- touchpoints and incidents ------------------------------------------------------------------------------


def test_touchpoints_are_logged_with_201_and_listed(api, world):
    protocol = agreed(api, world)
    world.clock.advance(days=1)
    first = ok(touchpoint(api, world, protocol["id"], world.clock.now() - timedelta(hours=2)), 201)
    assert first["channel"] == "video"
    assert first["supplier_person_id"] == world.id("alice")
    assert first["customer_person_id"] == world.id("carla")
    assert first["logged_by_id"] == world.id("alice")
    assert first["summary"] == "Status call."
    second = ok(touchpoint(api, world, protocol["id"], world.clock.now(), as_="carla", channel="phone"), 201)
    assert second["logged_by_id"] == world.id("carla")

    listed = ok(api.get(f"{API}/protocols/{protocol['id']}/touchpoints", as_="carla"))
    assert [t["id"] for t in listed["items"]] == [first["id"], second["id"]]
    page = ok(api.get(f"{API}/protocols/{protocol['id']}/touchpoints?limit=1"))
    assert [t["id"] for t in page["items"]] == [first["id"]] and page["next"]
    assert [t["id"] for t in ok(api.get(page["next"]))["items"]] == [second["id"]]


def test_touchpoint_problems(api, world, signed_in):
    draft = create(api, world, scenario="executive_review")
    protocol = agreed(api, world)
    world.clock.advance(days=1)
    now = world.clock.now()
    before = table_counts()
    cases = [
        (touchpoint(api, world, draft["id"], now), "occurred_at"),
        (touchpoint(api, world, protocol["id"], now + timedelta(minutes=5)), "occurred_at"),
        (touchpoint(api, world, protocol["id"], now - timedelta(days=2)), "occurred_at"),
        (touchpoint(api, world, protocol["id"], now, supplier="carla"), "supplier_person_id"),
        (touchpoint(api, world, protocol["id"], now, customer="frank"), "customer_person_id"),
        (touchpoint(api, world, protocol["id"], now, channel="telegram"), "channel"),
    ]
    for response, field in cases:
        assert field in assert_problem(response, 422, "validation")["errors"], response.json
    response = api.post(f"{API}/protocols/{protocol['id']}/touchpoints", {"occurred_at": now.isoformat()})
    assert {"channel", "supplier_person_id", "customer_person_id", "summary"} <= set(
        assert_problem(response, 422)["errors"])
    assert_problem(touchpoint(api, world, protocol["id"], now, as_="auditor"), 403)
    assert_problem(touchpoint(api, world, UNKNOWN, now), 404)
    assert table_counts() == before


def test_incidents_start_a_response_time_clock(api, world, signed_in):
    incident = agreed(api, world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    routine = agreed(api, world)
    world.clock.advance(days=1)
    started = world.clock.now() - timedelta(hours=1)

    before = table_counts()
    body = {"started_at": started.isoformat(), "summary": "Card payments fail in every store."}
    assert "started_at" in assert_problem(api.post(f"{API}/protocols/{routine['id']}/incidents", body), 422)["errors"]
    future = {**body, "started_at": (world.clock.now() + timedelta(hours=1)).isoformat()}
    assert "started_at" in assert_problem(api.post(f"{API}/protocols/{incident['id']}/incidents", future),
                                          422)["errors"]
    assert "summary" in assert_problem(api.post(f"{API}/protocols/{incident['id']}/incidents",
                                                {**body, "summary": "  "}), 422)["errors"]
    assert_problem(api.post(f"{API}/protocols/{incident['id']}/incidents", body, as_="contoso_auditor"), 403)
    assert table_counts() == before

    reported = ok(api.post(f"{API}/protocols/{incident['id']}/incidents", body, as_="carla"), 201)
    assert reported["reported_by_id"] == world.id("carla")
    assert reported["summary"] == body["summary"]

    report = ok(compliance(api, incident["id"]))
    assert report["status"] == "on_track"
    assert report["next_due_at"].startswith((started + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    world.clock.advance(hours=4)
    assert ok(compliance(api, incident["id"]))["status"] == "overdue"
    ok(touchpoint(api, world, incident["id"], world.clock.now(), channel="phone"), 201)
    report = ok(compliance(api, incident["id"], from_=started - timedelta(hours=1), to=world.clock.now()))
    assert report["status"] == "on_track"
    (response,) = [w for w in report["windows"] if w["kind"] == "response"]
    assert response["status"] == "missed", "the first contact came after the four hours"
    assert report["missed"] == 1


# --- compliance -----------------------------------------------------------------------------------------------


def test_compliance_counts_windows_missed_and_says_when_contact_is_next_due(api, world):
    protocol = agreed(api, world)
    agreed_at = world.clock.now()
    world.clock.advance(days=1)
    ok(touchpoint(api, world, protocol["id"], world.clock.now()), 201)
    world.clock.advance(days=14)

    report = ok(compliance(api, protocol["id"], from_=agreed_at, to=world.clock.now()))
    assert report["protocol_id"] == protocol["id"]
    assert report["status"] == "overdue"
    assert report["next_due_at"].startswith((agreed_at + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    assert [(w["touchpoints"], w["status"]) for w in report["windows"]] == [(1, "met"), (0, "missed"), (0, "open")]
    assert (report["missed"], report["over"], report["channel_deviations"], report["people_deviations"]) == (
        1, 0, 0, 0)

    ok(touchpoint(api, world, protocol["id"], world.clock.now(), as_="carla"), 201)
    assert ok(compliance(api, protocol["id"], as_="carla"))["status"] == "on_track"


def test_compliance_shows_over_communication_the_wrong_channel_and_the_wrong_people(api, world):
    protocol = agreed(api, world)
    for hours, channel, supplier in ((20, "video", "alice"), (26, "phone", "alice"), (40, "video", "sam")):
        world.clock.set(START + timedelta(hours=hours))
        ok(touchpoint(api, world, protocol["id"], world.clock.now(), channel=channel, supplier=supplier), 201)
    world.clock.set(START + timedelta(days=2))

    report = ok(compliance(api, protocol["id"], from_=START, to=START + timedelta(days=7)))
    assert report["status"] == "over_communicating"
    assert (report["over"], report["channel_deviations"], report["people_deviations"]) == (1, 1, 1)
    assert report["windows"][0]["status"] == "over" and report["windows"][0]["touchpoints"] == 3


def test_a_ceiling_agreed_in_the_version_replaces_the_default_of_two_per_window(api, world):
    protocol = agreed(api, world, max_contacts_per_window=3)
    for hours in (20, 26, 40):
        world.clock.set(START + timedelta(hours=hours))
        ok(touchpoint(api, world, protocol["id"], world.clock.now()), 201)
    report = ok(compliance(api, protocol["id"], from_=START, to=START + timedelta(days=7)))
    assert report["status"] == "on_track" and report["over"] == 0


@pytest.mark.parametrize("query,field", [
    ("?from=2026-03-10T00:00:00Z&to=2026-03-01T00:00:00Z", "from"),
    ("?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "from"),
    ("?from=yesterday", "from"),
    ("?to=2026-13-45", "to"),
    ("?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
])
def test_a_bad_compliance_range_is_422_naming_the_parameter(api, world, query, field):
    protocol = agreed(api, world)
    body = assert_problem(api.get(f"{API}/protocols/{protocol['id']}/compliance{query}"), 422)
    assert field in body["errors"], body


# --- the board --------------------------------------------------------------------------------------------------


def board(api, as_="alice") -> list[dict]:
    body = ok(api.get(f"{API}/protocols/board", as_=as_))
    assert body["next"] is None
    return body["items"]


def test_the_board_lists_every_protocol_in_force_most_urgent_first(api, world):
    overdue = agreed(api, world, scenario="routine", cadence=DAILY)
    chatty = agreed(api, world, scenario="onboarding")
    calm = agreed(api, world, scenario="executive_review")
    create(api, world, scenario="incident", cadence={"respond_within_hours": 4})  # a draft: not in force
    world.clock.set(START + timedelta(days=3) - timedelta(hours=20))
    soon = agreed(api, world, project="fabrikam", cadence=DAILY)
    world.clock.set(START + timedelta(days=3))
    for hours in (1, 2, 3):
        ok(touchpoint(api, world, chatty["id"], START + timedelta(hours=hours)), 201)
    ok(touchpoint(api, world, calm["id"], START + timedelta(days=1)), 201)

    items = board(api)
    assert [(i["protocol_id"], i["status"]) for i in items] == [
        (overdue["id"], "overdue"), (chatty["id"], "over_communicating"), (soon["id"], "due_soon"),
        (calm["id"], "on_track")]
    first = items[0]
    assert first["project_id"] == world.projects["contoso"].id
    assert first["project"] == world.projects["contoso"].name
    assert first["account_id"] == world.accounts["contoso"].id
    assert (first["scenario"], first["version"], first["channel"]) == ("routine", 1, "video")
    assert first["next_due_at"] <= world.clock.now().isoformat(), "an overdue contact was due in the past"
    assert items[2]["next_due_at"].startswith((world.clock.now() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))

    assert [i["protocol_id"] for i in board(api, as_="carla")] == [overdue["id"], chatty["id"], calm["id"]]
    assert [i["protocol_id"] for i in board(api, as_="frank")] == [soon["id"]]
    assert [i["protocol_id"] for i in board(api, as_="contoso_auditor")] == [overdue["id"], chatty["id"], calm["id"]]
    assert_problem(api.get(f"{API}/protocols/board", as_=None), 401)


def test_the_board_sorts_by_a_column_and_filters_by_customer_and_mine(api, world):
    routine = agreed(api, world, scenario="routine", backup_ids=[world.id("sam")])
    review = agreed(api, world, scenario="executive_review")
    wms = agreed(api, world, project="fabrikam")

    def listed(query, as_="admin"):
        return [i["protocol_id"] for i in ok(api.get(f"{API}/protocols/board?{query}", as_=as_))["items"]]

    assert listed("sort=scenario") == [review["id"], routine["id"], wms["id"]]
    assert listed("sort=project&order=desc") == [wms["id"], review["id"], routine["id"]]
    assert listed(f"customer_id={world.orgs['fabrikam'].id}") == [wms["id"]]
    assert listed(f"customer_id={world.orgs['fabrikam'].id}", as_="carla") == []
    assert listed("mine=true", as_="sam") == [routine["id"]]
    assert listed("mine=true&sort=scenario&order=desc", as_="carla") == [routine["id"], review["id"]]

    first = ok(api.get(f"{API}/protocols/board?sort=scenario&limit=1", as_="admin"))
    assert "sort=scenario" in first["next"]
    second = ok(api.get(first["next"], as_="admin"))
    assert [i["protocol_id"] for i in second["items"]] == [routine["id"]]


@pytest.mark.parametrize("query, field", [("sort=colour", "sort"), ("sort=project&order=up", "order"),
                                          ("mine=perhaps", "mine"), ("customer_id=x", "customer_id")])
def test_an_unknown_sort_or_filter_of_the_board_is_refused_naming_its_field(api, world, query, field):
    body = assert_problem(api.get(f"{API}/protocols/board?{query}"), 422, "validation")
    assert list(body["errors"]) == [field]


def test_the_board_is_empty_when_nothing_is_in_force(api, world):
    create(api, world)
    assert board(api) == []


class QueryLog(logging.Handler):
    """Every SQL statement peewee sends, from its query logger."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        self.statements.append(record.getMessage())


@contextmanager
def counting_queries():
    logger = logging.getLogger("peewee")
    handler, level = QueryLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


SCENARIO_MIX = (("escalation", DAILY), ("incident", {"respond_within_hours": 4}), ("routine", WEEKLY),
                ("onboarding", DAILY), ("executive_review", {"every": 1, "unit": "months"}))


def grow(world, protocols: int) -> None:
    """`protocols` more agreed Contoso protocols on new projects, five to a project and busy:
    touchpoints, incidents, and escalation protocols switched into force by open disputes."""
    alice, carla, clock = world.actor("alice"), world.actor("carla"), world.clock
    for start in range(0, protocols, len(SCENARIO_MIX)):
        number = len(world.projects)
        project = directory.create_project(None, clock, name=f"Project {number}",
                                           account_id=world.accounts["contoso"].id)
        world.projects[f"p{number}"] = project
        for scenario, cadence in SCENARIO_MIX[: protocols - start]:
            protocol = services.create_protocol(
                alice, clock, project_id=project.id, scenario=scenario, cadence=cadence, phases=[],
                channel="video", supplier_point_person_id=world.id("alice"),
                customer_point_person_id=world.id("carla"), backup_ids=[world.id("sam")], agenda="",
                escalation=[], timezone="Europe/Berlin")
            services.transition_version(alice, clock, protocol.id, 1, trigger="propose")
            services.acknowledge(alice, clock, protocol.id, version=1)
            services.acknowledge(carla, clock, protocol.id, version=1)
            clock.advance(minutes=1)
            if scenario == "incident":
                services.report_incident(carla, clock, protocol.id, started_at=clock.now(), summary="Outage.")
            elif scenario != "escalation":
                services.log_touchpoint(alice, clock, protocol.id, occurred_at=clock.now(), channel="video",
                                        supplier_person_id=world.id("alice"),
                                        customer_person_id=world.id("carla"), summary="Call.")
            if scenario == "escalation":
                world.open_dispute(project_id=project.id)


def queries_for_board(api, as_) -> tuple[int, int]:
    with counting_queries() as statements:
        items = board(api, as_=as_)
    return len(statements), len(items)


def test_the_board_answers_in_the_same_number_of_queries_for_3_and_for_30_protocols(api, world, signed_in):
    # 3 protocols in force: routine, onboarding and executive review on the first project
    for scenario in ("routine", "onboarding", "executive_review"):
        agreed(api, world, scenario=scenario)
    world.clock.advance(hours=1)
    small = {who: queries_for_board(api, who) for who in ("alice", "carla", "frank")}
    assert small["alice"][1] == 3 and small["carla"][1] == 3 and small["frank"][1] == 0

    grow(world, protocols=27)  # 30 in all
    world.clock.advance(hours=1)
    large = {who: queries_for_board(api, who) for who in ("alice", "carla", "frank")}
    assert large["alice"][1] == 30 and large["carla"][1] == 30 and large["frank"][1] == 0
    for who in small:
        assert small[who][0] > 0, "the query log must see the board's queries"
        assert large[who][0] == small[who][0], f"{who}: {small[who][0]} queries for 3, {large[who][0]} for 30"

    alice = world.actor("alice")
    with counting_queries() as statements:
        rows = protocol_board.board(alice, world.clock)
    assert len(rows) == 30
    assert 0 < len(statements) <= 8, statements


# --- calendars ----------------------------------------------------------------------------------------------


def events_of(response) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


def attendees(event) -> set[str]:
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).lower() for a in found}


def test_the_calendar_of_a_protocol_has_a_recurring_event_per_agreed_cadence(api, world):
    protocol = agreed(api, world, agenda="Milestones and risks.")
    (event,) = events_of(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics"))
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [1]
    assert event.decoded("DTSTART") == START
    assert attendees(event) == {"mailto:alice@northwind.example", "mailto:carla@contoso.example"}
    assert "Milestones and risks." in str(event["DESCRIPTION"])
    assert world.projects["contoso"].name in str(event["SUMMARY"])
    assert protocol["calendar_url"] == f"{API}/protocols/{protocol['id']}/calendar.ics"


def test_the_calendar_of_a_protocol_not_yet_agreed_has_no_events(api, world):
    protocol = create(api, world)
    assert events_of(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics")) == []


def test_re_agreeing_a_protocol_changes_its_calendar(api, world):
    protocol = agreed(api, world)
    world.clock.advance(days=3)
    ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, cadence=DAILY)), 201)
    agree(api, protocol["id"], 2)
    events = events_of(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics"))
    rules = sorted((e["RRULE"]["FREQ"][0], "UNTIL" in e["RRULE"]) for e in events)
    assert rules == [("DAILY", False), ("WEEKLY", True)], "the old cadence ends where the new one starts"


def test_my_calendar_holds_the_protocols_where_i_am_point_person_or_backup(api, world):
    mine = agreed(api, world, scenario="routine")
    as_backup = agreed(api, world, scenario="onboarding", customer_point_person_id=world.id("carla"),
                       backup_ids=[world.id("dev")])
    agreed(api, world, project="fabrikam")
    create(api, world, scenario="incident", cadence={"respond_within_hours": 4})

    def uids(who):
        return {str(e["UID"]).split("-v")[0] for e in events_of(api.get(f"{API}/me/calendar.ics", as_=who))}

    assert uids("carla") == {f"protocol-{mine['id']}", f"protocol-{as_backup['id']}"}
    assert uids("dev") == {f"protocol-{as_backup['id']}"}
    assert uids("gina") == set()
    assert uids("frank") == {f"protocol-{p['protocol_id']}" for p in board(api, as_="frank")}
    assert_problem(api.get(f"{API}/me/calendar.ics", as_=None), 401)


def test_my_calendar_follows_the_version_in_force_not_one_i_was_named_in_before(api, world):
    protocol = agreed(api, world, backup_ids=[world.id("dev")])
    world.clock.advance(days=3)
    ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, cadence=DAILY)), 201)  # dev dropped
    agree(api, protocol["id"], 2)

    def versions_in_feed(who):
        return {str(e["UID"]).split("-")[2] for e in events_of(api.get(f"{API}/me/calendar.ics", as_=who))
                if str(e["UID"]).startswith(f"protocol-{protocol['id']}-")}

    assert versions_in_feed("carla") == {"v1", "v2"}
    assert "v2" not in versions_in_feed("dev"), "dev is no longer a backup of the protocol in force"


def calendar_token(world, who) -> tuple[int, str]:
    with write_transaction():
        row, plain = issue_token(world.people[who], world.clock.now(), "calendar app", scope="calendar")
    return row.id, plain


def test_a_calendar_token_in_the_url_opens_the_calendar_feeds(api, world):
    protocol = agreed(api, world)
    _, token = calendar_token(world, "carla")
    assert len(events_of(api.get(f"{API}/me/calendar.ics?token={token}", as_=None))) == 1
    assert len(events_of(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics?token={token}", as_=None))) == 1


def test_a_calendar_token_opens_nothing_but_the_calendar_feeds(api, world, signed_in):
    protocol = agreed(api, world)
    _, token = calendar_token(world, "alice")
    before = table_counts()
    for path in (f"{API}/me", f"{API}/protocols/{protocol['id']}", f"{API}/protocols/board",
                 f"{API}/protocols/{protocol['id']}/compliance", f"{API}/disputes"):
        assert_problem(api.get(f"{path}?token={token}", as_=None), 401)
        assert_problem(api.client.get(path, headers={"Authorization": f"Bearer {token}"}), 401)
    response = api.client.post(f"{API}/protocols/{protocol['id']}/versions?token={token}", json=terms(world))
    assert_problem(response, 401)
    response = api.client.post(f"{API}/protocols/{protocol['id']}/versions", json=terms(world),
                               headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)
    assert table_counts() == before


def test_a_person_asks_the_api_for_a_calendar_token_for_their_calendar_app(api, world, signed_in):
    from urllib.parse import urlsplit

    agreed(api, world)
    body = ok(api.post(f"{API}/me/calendar-token", as_="carla"), 201)
    url = urlsplit(body["my_calendar_url"])
    assert url.path == f"{API}/me/calendar.ics"
    assert body["token"] in url.query
    assert len(events_of(api.get(f"{url.path}?{url.query}", as_=None))) == 1

    calendar_only = {"Authorization": f"Bearer {body['token']}"}
    assert_problem(api.client.get(f"{API}/me", headers=calendar_only), 401)
    assert_problem(api.client.post(f"{API}/me/calendar-token", headers=calendar_only), 401)
    assert_problem(api.post(f"{API}/me/calendar-token", as_=None), 401)


@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
def test_an_auditor_gets_no_calendar_token_and_reads_the_feeds_with_their_own(api, world, signed_in, who):
    """As on the protocol page, where an auditor has no form: they change nothing."""
    protocol = agreed(api, world)
    before = table_counts()
    assert_problem(api.post(f"{API}/me/calendar-token", as_=who), 403)
    assert table_counts() == before
    response = api.get(f"{API}/protocols/{protocol['id']}/calendar.ics", as_=who)
    assert response.status_code == 200 and response.mimetype == "text/calendar"


def test_an_unknown_or_revoked_calendar_token_is_401(api, world):
    protocol = agreed(api, world)
    token_id, token = calendar_token(world, "carla")
    assert_problem(api.get(f"{API}/me/calendar.ics?token=acc_nonsense", as_=None), 401)
    with write_transaction():
        assert revoke_token(token_id, world.clock.now())
    assert_problem(api.get(f"{API}/me/calendar.ics?token={token}", as_=None), 401)
    assert_problem(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics?token={token}", as_=None), 401)
    assert ApiToken.get_by_id(token_id).revoked_at is not None


def test_a_calendar_token_keeps_to_its_persons_tenant(api, world):
    protocol = agreed(api, world)
    _, token = calendar_token(world, "frank")
    assert_problem(api.get(f"{API}/protocols/{protocol['id']}/calendar.ics?token={token}", as_=None), 404)
    assert events_of(api.get(f"{API}/me/calendar.ics?token={token}", as_=None)) == []


# --- tenant isolation: every protocol endpoint ---------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {id}: the protocol, {project}: its project
    ok: int  # the status for the account manager
    body: object = None  # world -> JSON body

    def url(self, protocol_id, project_id) -> str:
        return API + self.path.format(id=protocol_id, project=project_id)


def _now(world):
    return world.clock.now().isoformat()


PROTOCOL_ENDPOINTS = [
    Endpoint("create", "POST", "/projects/{project}/protocols", 201,
             lambda w: {"scenario": "executive_review", **terms(w)}),
    Endpoint("project-list", "GET", "/projects/{project}/protocols", 200),
    Endpoint("get", "GET", "/protocols/{id}", 200),
    Endpoint("history", "GET", "/protocols/{id}/history", 200),
    Endpoint("versions", "POST", "/protocols/{id}/versions", 201, lambda w: terms(w, channel="phone")),
    Endpoint("transition", "POST", "/protocols/{id}/versions/3/transitions", 200, lambda w: {"trigger": "retire"}),
    Endpoint("acknowledge", "POST", "/protocols/{id}/acknowledgements", 201, lambda w: {"version": 3}),
    Endpoint("touchpoint", "POST", "/protocols/{id}/touchpoints", 201,
             lambda w: {"occurred_at": _now(w), "channel": "phone", "supplier_person_id": w.id("alice"),
                        "customer_person_id": w.id("carla"), "summary": "Call."}),
    Endpoint("touchpoints", "GET", "/protocols/{id}/touchpoints", 200),
    Endpoint("incident", "POST", "/protocols/{id}/incidents", 201,
             lambda w: {"started_at": _now(w), "summary": "Outage."}),
    Endpoint("compliance", "GET", "/protocols/{id}/compliance", 200),
    Endpoint("calendar", "GET", "/protocols/{id}/calendar.ics", 200),
]


def contoso_incident_protocol(api, world) -> dict:
    """An agreed Contoso incident protocol (version 1) with a draft (2) and a proposal (3) to act on."""
    protocol = agreed(api, world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    world.clock.advance(hours=1)
    ok(touchpoint(api, world, protocol["id"], world.clock.now(), channel="phone"), 201)
    ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, cadence={"respond_within_hours": 4})), 201)
    ok(api.post(f"{API}/protocols/{protocol['id']}/versions", terms(world, cadence={"respond_within_hours": 2})), 201)
    ok(transition(api, protocol["id"], 3, "propose"))
    return protocol


def call(api, world, endpoint, protocol_id, project_id, as_):
    url = endpoint.url(protocol_id, project_id)
    if endpoint.method == "GET":
        return api.get(url, as_=as_)
    return api.post(url, endpoint.body(world), as_=as_)


@pytest.mark.parametrize("endpoint", PROTOCOL_ENDPOINTS, ids=lambda e: e.name)
def test_the_account_manager_can_use_every_protocol_endpoint(api, world, endpoint):
    """The control for the refusals below: the same request succeeds for the manager."""
    protocol = contoso_incident_protocol(api, world)
    response = call(api, world, endpoint, protocol["id"], world.projects["contoso"].id, "alice")
    assert response.status_code == endpoint.ok, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["frank", "gina"])
@pytest.mark.parametrize("endpoint", PROTOCOL_ENDPOINTS, ids=lambda e: e.name)
def test_a_person_of_another_customer_gets_404_for_every_protocol_endpoint_and_nothing_is_written(
    api, world, signed_in, endpoint, who
):
    protocol = contoso_incident_protocol(api, world)
    project_id = world.projects["contoso"].id
    before = table_counts()

    theirs = call(api, world, endpoint, protocol["id"], project_id, who)
    nobodys = call(api, world, endpoint, UNKNOWN, UNKNOWN, who)

    assert_problem(theirs, 404, "not-found")
    assert_problem(nobodys, 404, "not-found")
    assert theirs.json["title"] == nobodys.json["title"]
    assert theirs.json["detail"].replace(str(protocol["id"]), "N").replace(str(project_id), "N") == \
        nobodys.json["detail"].replace(str(UNKNOWN), "N")
    assert table_counts() == before


@pytest.mark.parametrize("endpoint", PROTOCOL_ENDPOINTS, ids=lambda e: e.name)
def test_contosos_people_get_404_for_fabrikams_protocols(api, world, signed_in, endpoint):
    protocol = agreed(api, world, project="fabrikam", scenario="incident", cadence={"respond_within_hours": 4})
    before = table_counts()
    response = call(api, world, endpoint, protocol["id"], world.projects["fabrikam"].id, "carla")
    assert_problem(response, 404, "not-found")
    assert table_counts() == before


def test_another_customers_protocols_are_never_listed(api, world, signed_in):
    contoso = [agreed(api, world, scenario=s) for s in ("routine", "onboarding")]
    fabrikam = agreed(api, world, project="fabrikam")
    world.clock.advance(hours=1)
    ours = {p["id"] for p in contoso}

    for who in ("frank", "gina"):
        listed = ok(api.get(f"{API}/protocols", as_=who))["items"]
        assert [p["id"] for p in listed] == [fabrikam["id"]]
        assert not ours & {i["protocol_id"] for i in board(api, as_=who)}
        uids = {str(e["UID"]) for e in events_of(api.get(f"{API}/me/calendar.ics", as_=who))}
        assert not any(uid.startswith(f"protocol-{pid}-") for pid in ours for uid in uids)
    assert {p["id"] for p in ok(api.get(f"{API}/protocols", as_="carla"))["items"]} == ours
    assert {p["id"] for p in ok(api.get(f"{API}/protocols", as_="alice"))["items"]} == ours | {fabrikam["id"]}


@pytest.mark.parametrize("endpoint", PROTOCOL_ENDPOINTS, ids=lambda e: e.name)
def test_every_protocol_endpoint_wants_credentials(api, world, signed_in, endpoint):
    protocol = contoso_incident_protocol(api, world)
    before = table_counts()
    response = call(api, world, endpoint, protocol["id"], world.projects["contoso"].id, None)
    assert_problem(response, 401)
    assert table_counts() == before


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
@pytest.mark.parametrize("endpoint", PROTOCOL_ENDPOINTS, ids=lambda e: e.name)
def test_auditors_read_every_protocol_endpoint_and_change_nothing(api, world, signed_in, endpoint, auditor):
    protocol = contoso_incident_protocol(api, world)
    before = table_counts()
    response = call(api, world, endpoint, protocol["id"], world.projects["contoso"].id, auditor)
    if endpoint.method == "GET":
        assert response.status_code == 200, response.get_data(as_text=True)
    else:
        assert_problem(response, 403, "forbidden")
    assert table_counts() == before
