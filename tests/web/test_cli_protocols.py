"""`accord protocols check`, `accord diagram protocol`, and the demo's protocols.

`accord protocols check` prints the board of every protocol in force (a table, or JSON with
`--format json`) and exits 1 when any protocol is overdue, so cron can alert on it; 0
otherwise, over-communication included. On the demo database it lists the overdue and the
over-communicating protocols, and the demo shows every case of issue 3, point 8 through
the API: an onboarding taper with phases, a routine weekly status with a missed window, a
pair that over-communicates, an incident protocol with a response time, and one proposed
version awaiting the customer's acknowledgement.

The command reads the wall clock, so the protocols checked here are agreed relative to the
real time, not to the tests' fixed start.
"""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mediation.db import database
from protocols import agreement
from protocols import services
from tests.conftest import TEST_POSTGRES_URL
from tests.conftest import schema_url
from web.cli import main

API = "/api/v1"
STATUSES = ("overdue", "over_communicating", "due_soon", "on_track")
WEEKLY = {"every": 1, "unit": "weeks"}
DAILY = {"every": 1, "unit": "days"}


@pytest.fixture
def accord(database_url):
    """Run `accord --database <this test's database> ...`, returning click's result."""
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--database", database_url, *args])

    return run


def terms(world, **overrides) -> dict:
    values = dict(cadence=WEEKLY, phases=[], channel="video", supplier_point_person_id=world.id("alice"),
                  customer_point_person_id=world.id("carla"), backup_ids=[], agenda="", escalation=[],
                  timezone="UTC")
    values.update(overrides)
    return values


def agreed_at(world, moment, scenario, **overrides):
    """A Contoso protocol agreed by both companies at `moment` (a real time)."""
    world.clock.set(moment)
    alice, carla = world.actor("alice"), world.actor("carla")
    protocol = services.create_protocol(alice, world.clock, project_id=world.projects["contoso"].id,
                                        scenario=scenario, **terms(world, **overrides))
    services.transition_version(alice, world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(alice, world.clock, protocol.id, version=1)
    services.acknowledge(carla, world.clock, protocol.id, version=1)
    return protocol


def real_now():
    return datetime.now(timezone.utc)


def table_rows(output: str) -> dict[int, str]:
    """protocol id -> status, from the table `accord protocols check` prints."""
    rows = {}
    for line in output.splitlines()[1:]:
        match = re.match(r"^\s*(\d+)\s+(\w+)\s", line)
        assert match, f"not a row of the board: {line!r}"
        rows[int(match.group(1))] = match.group(2)
    return rows


# --- exit codes ----------------------------------------------------------------------------------------


def test_check_with_nothing_in_force_says_so_and_exits_0(accord, world):
    services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects["contoso"].id,
                             scenario="routine", **terms(world))  # a draft only
    result = accord("protocols", "check")
    assert result.exit_code == 0, result.output
    assert "No protocol is in force." in result.output
    result = accord("protocols", "check", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_check_exits_0_when_every_protocol_is_on_track(accord, world):
    protocol = agreed_at(world, real_now() - timedelta(hours=1), "routine")

    table = accord("protocols", "check")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].split()[:2] == ["id", "status"]
    assert table_rows(table.output) == {protocol.id: "on_track"}
    assert "Contoso account / POS migration" in table.output

    result = accord("protocols", "check", "--format", "json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item["protocol_id"] == protocol.id
    assert (item["account"], item["project"], item["scenario"], item["version"], item["status"]) == (
        "Contoso account", "POS migration", "routine", 1, "on_track")
    due = datetime.fromisoformat(item["next_due_at"])
    assert timedelta(days=6) < due - real_now() < timedelta(days=7)


def test_check_exits_1_when_any_protocol_is_overdue_and_lists_it_first(accord, world):
    calm = agreed_at(world, real_now() - timedelta(hours=1), "routine")
    late = agreed_at(world, real_now() - timedelta(days=3, hours=1), "onboarding", cadence=DAILY)

    table = accord("protocols", "check")
    assert table.exit_code == 1, table.output
    assert table_rows(table.output) == {late.id: "overdue", calm.id: "on_track"}
    assert list(table_rows(table.output)) == [late.id, calm.id]

    result = accord("protocols", "check", "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.output)
    assert [(i["protocol_id"], i["status"]) for i in items] == [(late.id, "overdue"), (calm.id, "on_track")]


def test_contact_logged_clears_the_overdue_exit(accord, world):
    late = agreed_at(world, real_now() - timedelta(days=3, hours=1), "onboarding", cadence=DAILY)
    assert accord("protocols", "check").exit_code == 1
    world.clock.set(real_now() - timedelta(seconds=5))
    services.log_touchpoint(world.actor("alice"), world.clock, late.id, occurred_at=world.clock.now(),
                            channel="video", supplier_person_id=world.id("alice"),
                            customer_person_id=world.id("carla"), summary="Caught up.")
    result = accord("protocols", "check")
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == {late.id: "on_track"}


def test_over_communication_is_listed_but_does_not_fail_the_check(accord, world):
    chatty = agreed_at(world, real_now() - timedelta(days=1), "routine")
    for hours_ago in (20, 10, 2):
        world.clock.set(real_now() - timedelta(hours=hours_ago))
        services.log_touchpoint(world.actor("alice"), world.clock, chatty.id, occurred_at=world.clock.now(),
                                channel="email", supplier_person_id=world.id("alice"),
                                customer_person_id=world.id("carla"), summary="Another question.")
    result = accord("protocols", "check")
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == {chatty.id: "over_communicating"}


def test_an_unknown_format_is_a_usage_error(accord, world):
    result = accord("protocols", "check", "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.output


def test_check_needs_a_schema(tmp_path):
    result = CliRunner().invoke(main, ["--database", f"sqlite:///{tmp_path}/empty.sqlite3", "protocols", "check"])
    assert result.exit_code == 1
    assert "accord init" in result.output


# --- accord diagram protocol ----------------------------------------------------------------------------


def test_diagram_protocol_draws_the_live_agreement_machine_as_mermaid():
    result = CliRunner().invoke(main, ["diagram", "protocol"])
    assert result.exit_code == 0, result.output
    assert "stateDiagram" in result.output
    assert "Protocol version agreement" in result.output
    for state in agreement.VERSION_STATES:
        assert re.search(rf'state "{state}" as {state}\b', result.output), state
    assert "[*] --> draft" in result.output
    for transition in agreement.TRANSITIONS:
        sources = transition["source"] if isinstance(transition["source"], list) else [transition["source"]]
        for source in sources:
            edge = f"{source} --> {transition['dest']}: {transition['trigger']}"
            assert edge in result.output, edge
    assert "agree [acknowledged_by_both_companies]" in result.output
    edges = re.findall(r"^\s*(\w+) --> (\w+): (\w+)", result.output, flags=re.M)
    assert ("superseded", "retired", "retire") not in edges
    assert not [e for e in edges if e[0] in ("superseded", "retired")], "superseded and retired are final"


def test_diagram_of_an_unknown_machine_is_a_usage_error():
    result = CliRunner().invoke(main, ["diagram", "contract"])
    assert result.exit_code == 2


# --- the demo --------------------------------------------------------------------------------------------


@dataclass
class Demo:
    url: str
    people: object
    built_at: datetime

    def token(self, who: str) -> str:
        domain = {"carla": "contoso", "dev": "contoso", "frank": "fabrikam", "gina": "fabrikam"}.get(who, "northwind")
        return self.people.token_of(f"{who}@{domain}.example")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo, built once for this module into a database of its own."""
    from web.demo import build_demo

    schema = None
    if TEST_POSTGRES_URL:
        import psycopg

        schema = f"demo_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        url = schema_url(TEST_POSTGRES_URL, schema)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.sqlite3"
    built_at = real_now()
    people = build_demo(url, progress=lambda message: None)
    if database.obj is not None and not database.is_closed():
        database.close()
    yield Demo(url, people, built_at)
    if database.obj is not None and not database.is_closed():
        database.close()
    if schema:
        import psycopg

        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def demo_api(demo):
    """A client of the demo database, speaking with the demo people's tokens (wall clock)."""
    from web import create_app

    client = create_app({"DATABASE_URL": demo.url, "TESTING": True}).test_client()

    def get(path, who="alice"):
        response = client.get(path, headers={"Authorization": f"Bearer {demo.token(who)}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    def post(path, body, who):
        return client.post(path, json=body, headers={"Authorization": f"Bearer {demo.token(who)}"})

    get.post = post
    return get


def demo_protocols(get, who="alice") -> dict[tuple[str, str], dict]:
    """(project name, scenario) -> the protocol, as `who` sees them."""
    projects = {p["id"]: p["name"] for p in get(f"{API}/projects?limit=200", who)["items"]}
    found, url = {}, f"{API}/protocols?limit=200"
    while url:
        page = get(url, who)
        for protocol in page["items"]:
            found[(projects[protocol["project_id"]], protocol["scenario"])] = protocol
        url = page["next"]
    return found


def compliance(get, protocol, since, until=None):
    query = urlencode({"from": since.isoformat(), "to": (until or real_now()).isoformat()})
    return get(f"{API}/protocols/{protocol['id']}/compliance?{query}")


def in_force_version(protocol) -> dict:
    return next(v for v in protocol["versions"] if v["number"] == protocol["in_force"])


def test_check_on_the_demo_lists_the_overdue_and_the_over_communicating_protocols(demo):
    runner = CliRunner()
    table = runner.invoke(main, ["--database", demo.url, "protocols", "check"])
    assert table.exit_code == 1, table.output
    result = runner.invoke(main, ["--database", demo.url, "protocols", "check", "--format", "json"])
    assert result.exit_code == 1, result.output
    items = json.loads(result.output)

    by_case = {(i["project"], i["scenario"]): i for i in items}
    assert by_case[("EDI integration", "incident")]["status"] == "overdue"
    assert by_case[("Loyalty platform", "routine")]["status"] == "over_communicating"
    assert ("Point-of-sale migration", "executive_review") not in by_case, "a proposal is not in force"
    assert {i["status"] for i in items} <= set(STATUSES)
    ranks = [STATUSES.index(i["status"]) for i in items]
    assert ranks == sorted(ranks), "most urgent first"

    rows = table_rows(table.output)
    assert rows == {i["protocol_id"]: i["status"] for i in items}
    assert "Fabrikam strategic account / EDI integration" in table.output
    assert "Contoso strategic account / Loyalty platform" in table.output


def test_the_demo_has_an_onboarding_taper_with_phases(demo_api):
    protocol = demo_protocols(demo_api)[("Point-of-sale migration", "onboarding")]
    version = in_force_version(protocol)
    assert version["status"] == "agreed"
    assert [(p["cadence"], p["days"]) for p in version["phases"]] == [
        (DAILY, 14), ({"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}, 28)]
    assert version["cadence"] == WEEKLY

    start = datetime.fromisoformat(version["in_force_from"])
    report = compliance(demo_api, protocol, start, start + timedelta(days=28))
    starts = [datetime.fromisoformat(w["start"]) for w in report["windows"] if w["kind"] == "periodic"]
    daily = [s for s in starts if s < start + timedelta(days=14)]
    twice_a_week = [s for s in starts if s >= start + timedelta(days=14)]
    assert len(daily) == 14, "daily for the first two weeks"
    assert 3 <= len(twice_a_week) <= 4, "then twice a week"
    berlin = ZoneInfo(version["timezone"])
    assert {s.astimezone(berlin).weekday() for s in twice_a_week} == {0, 3}, "on Mondays and Thursdays"


def test_the_demo_has_a_weekly_routine_status_with_one_missed_window(demo_api):
    protocol = demo_protocols(demo_api)[("Warehouse system rollout", "routine")]
    version = in_force_version(protocol)
    assert version["cadence"] == WEEKLY
    start = datetime.fromisoformat(version["in_force_from"])
    report = compliance(demo_api, protocol, start)
    statuses = [w["status"] for w in report["windows"]]
    assert report["missed"] == 1
    assert statuses.count("missed") == 1
    assert statuses.index("missed") == 2, "the third week was missed"
    assert len(statuses) >= 5


def test_the_demo_has_a_pair_that_over_communicates(demo_api):
    protocol = demo_protocols(demo_api)[("Loyalty platform", "routine")]
    assert in_force_version(protocol)["cadence"] == {"every": 2, "unit": "weeks"}
    report = compliance(demo_api, protocol, real_now() - timedelta(days=30))
    assert report["status"] == "over_communicating"
    assert report["over"] >= 1
    assert report["channel_deviations"] >= 1, "one of the contacts went over chat instead of e-mail"
    board = {i["protocol_id"]: i["status"] for i in demo_api(f"{API}/protocols/board")["items"]}
    assert board[protocol["id"]] == "over_communicating"
    assert {i["protocol_id"] for i in demo_api(f"{API}/protocols/board", "carla")["items"]} >= {protocol["id"]}


def test_the_demo_has_an_incident_protocol_with_a_response_time(demo_api):
    protocol = demo_protocols(demo_api)[("EDI integration", "incident")]
    version = in_force_version(protocol)
    assert version["cadence"] == {"respond_within_hours": 4}
    assert version["escalation"] and version["escalation"][0]["respond_within_hours"] == 8
    report = compliance(demo_api, protocol, real_now() - timedelta(days=30))
    responses = [w for w in report["windows"] if w["kind"] == "response"]
    assert [w["status"] for w in responses] == ["met", "missed"], "one answered in time, one still waiting"
    for window in responses:
        assert datetime.fromisoformat(window["end"]) - datetime.fromisoformat(window["start"]) == timedelta(hours=4)
    assert report["status"] == "overdue"
    assert demo_api(f"{API}/protocols/{protocol['id']}", "frank")["id"] == protocol["id"]


def test_the_demo_has_a_proposed_version_awaiting_the_customers_acknowledgement(demo, demo_api):
    mine = demo_protocols(demo_api)
    theirs = demo_protocols(demo_api, "carla")
    protocol = theirs[("Point-of-sale migration", "executive_review")]
    assert mine[("Point-of-sale migration", "executive_review")]["id"] == protocol["id"]
    (version,) = protocol["versions"]
    assert version["status"] == "proposed"
    assert version["acknowledged_by"] == ["supplier"]
    assert protocol["in_force"] is None

    # the customer's acknowledgement is all it waits for (run last: it changes the demo)
    response = demo_api.post(f"{API}/protocols/{protocol['id']}/acknowledgements", {"version": 1}, "carla")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["versions"][0]["status"] == "agreed"
    assert response.json["in_force"] == 1


def test_the_demo_has_a_collision_on_contosos_point_person(demo_api):
    account = next(a for a in demo_api(f"{API}/accounts")["items"] if a["name"] == "Contoso strategic account")
    traffic = demo_api(f"{API}/accounts/{account['id']}/contacts", "carla")
    assert traffic["collisions_total"] >= 1
    collision = traffic["collisions"][0]
    assert collision["customer_person"]["name"] == "Carla Jimenez"
    assert {t["supplier_person"]["name"] for t in collision["touchpoints"]} == {"Alice Moreau", "Sam Lindqvist"}
    assert {t["project"]["name"] for t in collision["touchpoints"]} == {"Point-of-sale migration", "Loyalty platform"}
