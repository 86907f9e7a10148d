"""Two tenants, one system: a customer's people never see another customer's data, nor the
supplier's internal stories and notes; auditors read and never write; every endpoint
wants valid credentials."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from mediation import dispute_queries
from mediation import services
from mediation.credentials import ApiToken
from mediation.credentials import issue_token
from mediation.credentials import revoke_token
from mediation.db import write_transaction
from mediation.parties import Person
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"
UNKNOWN = 999_999


def call(api, method, path, body=None, as_="alice"):
    if method == "GET":
        return api.get(path, as_=as_)
    return api.post(path, body, as_=as_)


# --- every dispute endpoint, on a Contoso dispute in the state where it works ------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {id}: the dispute, {commitment}: a commitment on it
    state: str  # a state in which the request succeeds for the mediator
    ok: int  # the mediator's status
    body: object = None  # world, case -> the JSON body

    def url(self, case) -> str:
        return API + self.path.format(id=case["id"], commitment=case.get("commitment_id", UNKNOWN))


DISPUTE_ENDPOINTS = [
    Endpoint("get", "GET", "/disputes/{id}", "intake", 200),
    Endpoint("history", "GET", "/disputes/{id}/history", "intake", 200),
    Endpoint("stories", "POST", "/disputes/{id}/stories", "story_gathering", 201,
             lambda w, c: {"party_id": w.id("carla"), "text": "We were never told about on-call."}),
    Endpoint("options", "POST", "/disputes/{id}/options", "option_generation", 201,
             lambda w, c: {"summary": "Cap on-call at 10 hours", "value_to_supplier": 1, "value_to_customer": 2}),
    Endpoint("acceptances", "POST", "/disputes/{id}/acceptances", "resolution", 201,
             lambda w, c: {"option_id": c["option_id"]}),
    Endpoint("notes", "POST", "/disputes/{id}/notes", "intake", 201,
             lambda w, c: {"text": "Carla prefers a call on Mondays."}),
    Endpoint("parties", "POST", "/disputes/{id}/parties", "intake", 201,
             lambda w, c: {"person_id": w.id("dev")}),
    Endpoint("mediators", "POST", "/disputes/{id}/mediators", "intake", 200,
             lambda w, c: {"co_mediator_id": w.id("carla")}),
    Endpoint("commitments", "POST", "/disputes/{id}/commitments", "resolution", 201,
             lambda w, c: {"person_id": w.id("carla"), "description": "Send timesheets",
                           "due_at": "2026-04-01T12:00:00+00:00"}),
    Endpoint("settle-commitment", "POST", "/disputes/{id}/commitments/{commitment}", "resolution", 200,
             lambda w, c: {"status": "kept"}),
    Endpoint("transitions", "POST", "/disputes/{id}/transitions", "intake", 200,
             lambda w, c: {"trigger": "withdraw", "expected_version": c["version"], "reason": "Settled."}),
]
WRITES = [e for e in DISPUTE_ENDPOINTS if e.method == "POST"]
READS = [e for e in DISPUTE_ENDPOINTS if e.method == "GET"]


def contoso_case(world, state) -> dict:
    """A Contoso dispute in `state`; in resolution it also carries an open commitment."""
    dispute = world.open_dispute()
    if state != "intake":
        world.drive(dispute, state)
    actor = world.actor("alice")
    case = {"id": dispute.id}
    if state == "resolution":
        commitment = services.record_commitment(
            actor, world.clock, dispute.id, person_id=world.id("carla"),
            description="Confirm the new cap in writing", due_at=world.clock.now() + timedelta(days=5),
        )
        case["commitment_id"] = commitment.id
    found = dispute_queries.get_dispute(actor, dispute.id)
    options = dispute_queries.details(actor, found)["options"]
    case["option_id"] = options[0].id if options else UNKNOWN
    case["version"] = found.version
    return case


def request(api, world, endpoint, case, as_):
    body = endpoint.body(world, case) if endpoint.body else None
    return call(api, endpoint.method, endpoint.url(case), body, as_=as_)


@pytest.mark.parametrize("endpoint", DISPUTE_ENDPOINTS, ids=lambda e: e.name)
def test_the_mediator_can_use_every_endpoint_on_the_dispute(api, world, endpoint):
    """The control for the refusals below: the same request succeeds for the mediator."""
    case = contoso_case(world, endpoint.state)
    response = request(api, world, endpoint, case, as_="alice")
    assert response.status_code == endpoint.ok, response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", DISPUTE_ENDPOINTS, ids=lambda e: e.name)
def test_a_person_of_another_customer_gets_404_for_every_dispute_endpoint_and_nothing_is_written(
    api, world, signed_in, endpoint
):
    case = contoso_case(world, endpoint.state)
    before = table_counts()

    theirs = request(api, world, endpoint, case, as_="frank")
    nobodys = request(api, world, endpoint, {**case, "id": UNKNOWN}, as_="frank")

    assert assert_problem(theirs, 404)["type"].endswith("not-found")
    assert theirs.json["detail"].replace(str(case["id"]), "N") == nobodys.json["detail"].replace(str(UNKNOWN), "N")
    assert table_counts() == before


@pytest.mark.parametrize("endpoint", DISPUTE_ENDPOINTS, ids=lambda e: e.name)
def test_for_a_read_only_person_of_another_customer_the_dispute_answers_like_one_that_does_not_exist(
    api, world, signed_in, endpoint
):
    """Gina holds no role: she may be refused writes outright, but alike for every id."""
    case = contoso_case(world, endpoint.state)
    before = table_counts()

    theirs = request(api, world, endpoint, case, as_="gina")
    nobodys = request(api, world, endpoint, {**case, "id": UNKNOWN}, as_="gina")

    assert theirs.status_code == nobodys.status_code
    assert theirs.status_code in (403, 404)
    assert theirs.mimetype == nobodys.mimetype == "application/problem+json"
    assert theirs.json["type"] == nobodys.json["type"]
    assert theirs.json["detail"].replace(str(case["id"]), "N") == nobodys.json["detail"].replace(str(UNKNOWN), "N")
    assert table_counts() == before


@pytest.mark.parametrize("query", ["", "?state=intake", "?severity=high", "?limit=1", "?stale=false"])
def test_the_list_of_a_person_of_another_customer_never_contains_the_dispute(api, world, query):
    contoso = world.open_dispute()
    fabrikam = world.open_dispute(account="fabrikam")

    pages, url = [], f"{API}/disputes{query}"
    while url:
        response = api.get(url, as_="frank")
        assert response.status_code == 200, response.get_data(as_text=True)
        pages += [d["id"] for d in response.json["items"]]
        url = response.json["next"]

    assert contoso.id not in pages
    assert pages == [fabrikam.id]
    assert contoso.id in [d["id"] for d in api.get(f"{API}/disputes{query.replace('limit=1', 'limit=5')}").json["items"]]


def test_customers_cannot_open_disputes_on_another_customers_account(api, world, signed_in):
    body = {"title": "Probe", "summary": "Probe", "severity": "low", "party_ids": []}
    before = table_counts()

    theirs = api.post(f"{API}/disputes", {**body, "account_id": world.accounts["contoso"].id}, as_="frank")
    nobodys = api.post(f"{API}/disputes", {**body, "account_id": UNKNOWN}, as_="frank")

    assert theirs.status_code == nobodys.status_code
    assert theirs.json["type"] == nobodys.json["type"]
    assert table_counts() == before


DIRECTORY_OBJECTS = [
    ("accounts", lambda w, tenant: w.accounts[tenant].id),
    ("projects", lambda w, tenant: w.projects[tenant].id),
    ("organizations", lambda w, tenant: w.orgs[tenant].id),
    ("people", lambda w, tenant: w.id({"contoso": "carla", "fabrikam": "frank"}[tenant])),
]


@pytest.mark.parametrize(("who", "theirs"), [("frank", "contoso"), ("gina", "contoso"),
                                              ("carla", "fabrikam"), ("contoso_admin", "fabrikam")])
@pytest.mark.parametrize(("collection", "pick"), DIRECTORY_OBJECTS, ids=[c for c, _ in DIRECTORY_OBJECTS])
def test_another_customers_directory_objects_are_404_and_never_listed(
    api, world, signed_in, collection, pick, who, theirs
):
    own = {"contoso": "fabrikam", "fabrikam": "contoso"}[theirs]
    before = table_counts()

    assert_problem(api.get(f"{API}/{collection}/{pick(world, theirs)}", as_=who), 404)
    assert api.get(f"{API}/{collection}/{pick(world, own)}", as_=who).status_code == 200
    listed = [item["id"] for item in api.get(f"{API}/{collection}?limit=200", as_=who).json["items"]]
    assert pick(world, theirs) not in listed
    assert pick(world, own) in listed
    assert table_counts() == before


def test_a_customer_co_mediator_cannot_tell_another_customers_people_from_unknown_ids(api, world, signed_in):
    """Adding a party is refused alike for Fabrikam's Frank and for an id nobody has."""
    dispute = world.open_dispute(co_mediator_id=world.id("carla"))
    before = table_counts()

    frank = api.post(f"{API}/disputes/{dispute.id}/parties", {"person_id": world.id("frank")}, as_="carla")
    nobody = api.post(f"{API}/disputes/{dispute.id}/parties", {"person_id": UNKNOWN}, as_="carla")

    assert frank.status_code == nobody.status_code == 422
    mask = lambda errors: {k: [re.sub(r"\d+", "N", m) for m in v] for k, v in errors.items()}  # noqa: E731
    assert mask(frank.json["errors"]) == mask(nobody.json["errors"])
    assert table_counts() == before


def test_a_customer_co_mediator_cannot_probe_people_through_commitments(api, world, signed_in):
    dispute = world.drive(world.open_dispute(co_mediator_id=world.id("carla")), "resolution")
    body = {"description": "Probe", "due_at": "2026-04-01T12:00:00+00:00"}

    frank = api.post(f"{API}/disputes/{dispute.id}/commitments", {**body, "person_id": world.id("frank")}, as_="carla")
    nobody = api.post(f"{API}/disputes/{dispute.id}/commitments", {**body, "person_id": UNKNOWN}, as_="carla")

    assert frank.status_code == nobody.status_code == 422
    mask = lambda errors: {k: [re.sub(r"\d+", "N", m) for m in v] for k, v in errors.items()}  # noqa: E731
    assert mask(frank.json["errors"]) == mask(nobody.json["errors"])


# --- internal stories and notes ----------------------------------------------------------

INTERNAL_STORY = "INTERNAL-STORY: we padded the hours"
INTERNAL_NOTE = "INTERNAL-NOTE: concede if pushed"
SHARED_STORY = "The cap excluded on-call hours."
SHARED_NOTE = "Call scheduled for Monday."


@pytest.fixture
def with_internal_records(api, world):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    for body, path in [
        ({"party_id": world.id("sam"), "text": INTERNAL_STORY, "visibility": "internal"}, "stories"),
        ({"party_id": world.id("sam"), "text": SHARED_STORY}, "stories"),
        ({"text": INTERNAL_NOTE, "visibility": "internal"}, "notes"),
        ({"text": SHARED_NOTE, "visibility": "shared"}, "notes"),
    ]:
        response = api.post(f"{API}/disputes/{dispute.id}/{path}", body, as_="alice")
        assert response.status_code == 201, response.get_data(as_text=True)
    return dispute


@pytest.mark.parametrize("who", ["carla", "dev", "contoso_admin", "contoso_auditor"])
def test_customer_people_never_receive_internal_stories_or_notes(api, with_internal_records, who):
    dispute = with_internal_records

    detail = api.get(f"{API}/disputes/{dispute.id}", as_=who)
    history = api.get(f"{API}/disputes/{dispute.id}/history", as_=who)

    assert detail.status_code == history.status_code == 200
    assert [s["text"] for s in detail.json["stories"]] == [SHARED_STORY]
    assert [n["text"] for n in detail.json["notes"]] == [SHARED_NOTE]
    for response in (detail, history):
        raw = response.get_data(as_text=True)
        assert "INTERNAL" not in raw
        assert "internal" not in raw
    kinds = [e["kind"] for e in history.json["items"]]
    assert kinds.count("story_recorded") == 1 and kinds.count("note_added") == 1


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "auditor"])
def test_supplier_people_read_internal_stories_and_notes(api, with_internal_records, who):
    dispute = with_internal_records

    detail = api.get(f"{API}/disputes/{dispute.id}", as_=who).json
    history = api.get(f"{API}/disputes/{dispute.id}/history", as_=who).json

    assert [s["text"] for s in detail["stories"]] == [INTERNAL_STORY, SHARED_STORY]
    assert [n["text"] for n in detail["notes"]] == [INTERNAL_NOTE, SHARED_NOTE]
    texts = [e["payload"].get("text") for e in history["items"]]
    assert INTERNAL_STORY in texts and INTERNAL_NOTE in texts


@pytest.mark.parametrize("path", ["stories", "notes"])
def test_customer_people_cannot_write_internal_records(api, world, signed_in, path):
    dispute = world.drive(world.open_dispute(co_mediator_id=world.id("carla")), "story_gathering")
    body = {"text": "Our side, for us only", "visibility": "internal"}
    if path == "stories":
        body["party_id"] = world.id("carla")
    before = table_counts()
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/{path}", body, as_="carla"), 403)
    assert table_counts() == before


# --- auditors ----------------------------------------------------------------------------


def test_the_supplier_auditor_reads_every_dispute_account_and_project(api, world, with_internal_records):
    fabrikam = world.drive(world.open_dispute(account="fabrikam"), "resolved")

    listed = [d["id"] for d in api.get(f"{API}/disputes", as_="auditor").json["items"]]
    assert listed == [with_internal_records.id, fabrikam.id]
    for dispute in (with_internal_records, fabrikam):
        assert api.get(f"{API}/disputes/{dispute.id}", as_="auditor").status_code == 200
        history = api.get(f"{API}/disputes/{dispute.id}/history", as_="auditor")
        assert history.status_code == 200 and history.json["items"]
    assert {a["id"] for a in api.get(f"{API}/accounts", as_="auditor").json["items"]} == {
        world.accounts["contoso"].id, world.accounts["fabrikam"].id}
    assert {p["id"] for p in api.get(f"{API}/projects", as_="auditor").json["items"]} == {
        world.projects["contoso"].id, world.projects["fabrikam"].id}


DIRECTORY_WRITES = [
    ("organizations", lambda w: {"name": "Litware", "kind": "customer"}),
    ("people", lambda w: {"email": "new@contoso.example", "name": "New", "organization_id": w.orgs["contoso"].id}),
    ("accounts", lambda w: {"name": "Second", "supplier_id": w.orgs["northwind"].id,
                            "customer_id": w.orgs["contoso"].id}),
    ("projects", lambda w: {"name": "Loyalty app", "account_id": w.accounts["contoso"].id}),
    ("disputes", lambda w: {"title": "Late", "summary": "Late delivery", "account_id": w.accounts["contoso"].id,
                            "severity": "low", "party_ids": [w.id("sam"), w.id("carla")]}),
]


@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.name)
def test_auditors_get_403_on_every_dispute_write_and_nothing_is_written(api, world, signed_in, endpoint, who):
    case = contoso_case(world, endpoint.state)
    before = table_counts()
    assert_problem(request(api, world, endpoint, case, as_=who), 403)
    assert table_counts() == before


@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
@pytest.mark.parametrize(("collection", "body"), DIRECTORY_WRITES, ids=[c for c, _ in DIRECTORY_WRITES])
def test_auditors_get_403_on_every_directory_write(api, world, signed_in, collection, body, who):
    before = table_counts()
    assert_problem(api.post(f"{API}/{collection}", body(world), as_=who), 403)
    assert table_counts() == before


@pytest.mark.parametrize(("collection", "body"), DIRECTORY_WRITES, ids=[c for c, _ in DIRECTORY_WRITES])
def test_the_administrator_may_make_each_of_those_directory_writes(api, world, collection, body):
    """The control for the auditors' refusals: the bodies are valid and allowed."""
    response = api.post(f"{API}/{collection}", body(world), as_="admin")
    assert response.status_code == 201, response.get_data(as_text=True)


# --- credentials -------------------------------------------------------------------------

EVERY_ENDPOINT = [
    ("GET", "/me", None),
    ("GET", "/organizations", None),
    ("GET", "/organizations/{org}", None),
    ("GET", "/people", None),
    ("GET", "/people/{person}", None),
    ("GET", "/accounts", None),
    ("GET", "/accounts/{account}", None),
    ("GET", "/projects", None),
    ("GET", "/projects/{project}", None),
    ("GET", "/disputes", None),
    ("GET", "/audit/verify", None),
    ("GET", "/audit/digest", None),
    *[("POST", "/" + collection, body) for collection, body in DIRECTORY_WRITES],
    *[(e.method, e.path, e) for e in DISPUTE_ENDPOINTS],
]


def _every_request(world):
    case = contoso_case(world, "resolution")
    names = {"org": world.orgs["contoso"].id, "person": world.id("carla"),
             "account": world.accounts["contoso"].id, "project": world.projects["contoso"].id,
             "id": case["id"], "commitment": case["commitment_id"]}
    for method, path, body in EVERY_ENDPOINT:
        if isinstance(body, Endpoint):
            data = body.body(world, case) if body.body else None
        else:
            data = body(world) if body else None
        yield method, API + path.format(**names), data


AUTH_HEADERS = {
    "none": {},
    "empty": {"Authorization": ""},
    "unknown-token": {"Authorization": "Bearer acc_not-a-real-token"},
    "empty-bearer": {"Authorization": "Bearer "},
    "basic": {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    "token-without-scheme": {"Authorization": "acc_x"},
}


@pytest.mark.parametrize("headers", AUTH_HEADERS.values(), ids=AUTH_HEADERS.keys())
def test_every_endpoint_wants_valid_credentials(client, world, signed_in, headers):
    requests = list(_every_request(world))
    before = table_counts()
    for method, url, body in requests:
        response = client.open(url, method=method, json=body, headers=headers)
        problem = assert_problem(response, 401)
        assert problem["type"].endswith("unauthorized"), (method, url)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert table_counts() == before


def test_without_credentials_the_answer_is_401_whatever_the_body(client, world, signed_in):
    """Authentication comes first: an anonymous caller learns nothing about the body rules."""
    dispute = world.open_dispute()
    before = table_counts()
    wrong = []
    for path in ["/disputes", "/organizations", f"/disputes/{dispute.id}/notes", f"/disputes/{dispute.id}/transitions"]:
        for data in [b"{}", b'{"title": 5}', b"[]", b"{not json"]:
            response = client.post(API + path, data=data, content_type="application/json")
            if response.status_code != 401 or response.mimetype != "application/problem+json":
                wrong.append(f"POST {path} {data!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert table_counts() == before


def _token_row(world, key):
    world.token(key)
    return ApiToken.get(ApiToken.person == world.people[key])


def test_a_revoked_token_is_refused_everywhere_and_other_tokens_still_work(api, client, world):
    dispute = world.open_dispute()
    assert api.get(f"{API}/me", as_="alice").status_code == 200
    with write_transaction():
        assert revoke_token(_token_row(world, "alice").id, world.clock.now())

    assert_problem(api.get(f"{API}/me", as_="alice"), 401)
    assert_problem(api.get(f"{API}/disputes/{dispute.id}", as_="alice"), 401)
    before = table_counts()
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/notes", {"text": "Still here?"}, as_="alice"), 401)
    assert table_counts() == before

    assert api.get(f"{API}/me", as_="bob").status_code == 200
    with write_transaction():
        _, fresh = issue_token(world.people["alice"], world.clock.now(), "new laptop")
    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200
    assert response.json["id"] == world.id("alice")


def test_a_disabled_person_is_refused_with_every_token(api, world):
    dispute = world.open_dispute()
    assert api.get(f"{API}/disputes/{dispute.id}", as_="carla").status_code == 200
    with write_transaction():
        Person.update(disabled_at=world.clock.now()).where(Person.id == world.id("carla")).execute()

    assert_problem(api.get(f"{API}/me", as_="carla"), 401)
    assert_problem(api.get(f"{API}/disputes/{dispute.id}", as_="carla"), 401)
    before = table_counts()
    assert_problem(api.post(f"{API}/disputes/{dispute.id}/notes", {"text": "Hello?"}, as_="carla"), 401)
    assert table_counts() == before
    assert api.get(f"{API}/disputes/{dispute.id}", as_="alice").status_code == 200
