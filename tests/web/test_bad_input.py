"""Bad requests are refused with the documented status as problem details, and change nothing.

400: the body is not JSON. 404: an unknown id in the path. 413: a body over 1 MiB.
422: the body or the query fails validation; `errors` names each bad field by its bare name.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from werkzeug.exceptions import NotFound

from mediation import dispute_queries
from mediation import services
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"
UNKNOWN = 999_999
DROP = object()  # a field left out of the body
OUT_OF_RANGE_IDS = [0, -1, 2**31, 2**63]


# --- what each endpoint needs to accept a request -----------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    path: str  # {id}: a dispute in `state`; {commitment}: an open commitment on it
    state: str | None
    body: object  # world, context -> a valid body
    ok: int = 201


def _due(world):
    return (world.clock.now() + timedelta(days=7)).isoformat()


TARGETS = {
    t.name: t
    for t in [
        Target("disputes", "/disputes", None, lambda w, c: {
            "title": "Late deliveries", "summary": "Three late deliveries in March.",
            "account_id": w.accounts["contoso"].id, "project_id": w.projects["contoso"].id,
            "severity": "medium", "party_ids": [w.id("sam"), w.id("carla")],
        }),
        Target("stories", "/disputes/{id}/stories", "intake", lambda w, c: {
            "party_id": w.id("carla"), "text": "The trucks arrived after closing time.",
        }),
        Target("options", "/disputes/{id}/options", "option_generation", lambda w, c: {
            "summary": "Deliver before 16:00", "value_to_supplier": 1, "value_to_customer": 3,
        }),
        Target("acceptances", "/disputes/{id}/acceptances", "resolution", lambda w, c: {
            "option_id": c["option_id"],
        }),
        Target("notes", "/disputes/{id}/notes", "intake", lambda w, c: {"text": "Called the depot."}),
        Target("parties", "/disputes/{id}/parties", "intake", lambda w, c: {"person_id": w.id("dev")}),
        Target("mediators", "/disputes/{id}/mediators", "intake", lambda w, c: {
            "co_mediator_id": w.id("carla"),
        }, ok=200),
        Target("commitments", "/disputes/{id}/commitments", "resolution", lambda w, c: {
            "person_id": w.id("carla"), "description": "Open the dock until 18:00", "due_at": _due(w),
        }),
        Target("settle", "/disputes/{id}/commitments/{commitment}", "resolution", lambda w, c: {
            "status": "kept",
        }, ok=200),
        Target("transitions", "/disputes/{id}/transitions", "intake", lambda w, c: {
            "trigger": "withdraw", "expected_version": c["version"], "reason": "Resolved by phone.",
        }, ok=200),
        Target("organizations", "/organizations", None, lambda w, c: {"name": "Litware", "kind": "customer"}),
        Target("people", "/people", None, lambda w, c: {
            "email": "hana@contoso.example", "name": "Hana", "organization_id": w.orgs["contoso"].id,
            "roles": ["point_person"], "password": "correct horse battery",
        }),
        Target("accounts", "/accounts", None, lambda w, c: {
            "name": "Contoso EU", "supplier_id": w.orgs["northwind"].id, "customer_id": w.orgs["contoso"].id,
            "manager_ids": [w.id("alice")],
        }),
        Target("projects", "/projects", None, lambda w, c: {
            "name": "Loyalty app", "account_id": w.accounts["contoso"].id,
        }),
    ]
}
DISPUTE_TARGETS = [name for name, t in TARGETS.items() if t.state]


def prepare(world, name, **path_ids):
    """The URL and a valid body for target `name`, with its dispute made ready."""
    target = TARGETS[name]
    context = {}
    if target.state:
        actor = world.actor("alice")
        dispute = world.open_dispute()
        if target.state != "intake":
            world.drive(dispute, target.state)
        if target.state == "resolution":
            commitment = services.record_commitment(
                actor, world.clock, dispute.id, person_id=world.id("sam"),
                description="Send the delivery log", due_at=world.clock.now() + timedelta(days=3),
            )
            context["commitment_id"] = commitment.id
        current = dispute_queries.get_dispute(actor, dispute.id)
        options = dispute_queries.details(actor, current)["options"]
        context.update(id=dispute.id, version=current.version, option_id=options[0].id if options else None)
    ids = {"id": context.get("id"), "commitment": context.get("commitment_id"), **path_ids}
    return API + target.path.format(**ids), target.body(world, context)


def changed(body: dict, changes: dict) -> dict:
    result = dict(body)
    for field, value in changes.items():
        if value is DROP:
            result.pop(field, None)
        else:
            result[field] = value
    return result


def assert_names_field(problem: dict, field: str) -> None:
    assert problem["type"].endswith(":validation")
    assert field in problem["errors"], problem["errors"]
    assert problem["errors"][field], problem["errors"]


class Refusals:
    """Requests that must each be refused as documented and write nothing.

    Every request is made even when an earlier one is answered wrongly; `wrong` lists each
    one that was not refused as expected, so one failing test names them all.
    """

    def __init__(self, api, as_="admin"):
        self.api, self.as_ = api, as_
        self.wrong: list[str] = []

    def _send(self, method, url, body, raw):
        headers = {"Authorization": f"Bearer {self.api.world.token(self.as_)}"}
        if raw:
            return self.api.client.post(url, data=body, content_type="application/json", headers=headers)
        return self.api.client.open(url, method=method, json=body, headers=headers)

    def expect(self, label, url, body, status, field=None, method="POST", raw=False, check=None) -> None:
        before = table_counts()
        try:
            problem = assert_problem(self._send(method, url, body, raw), status)
            if field is not None:
                assert_names_field(problem, field)
            if check is not None:
                assert check(problem), f"unexpected problem: {problem}"
            assert table_counts() == before, "something was written"
        except Exception as error:  # noqa: BLE001 - a 500 is one more wrong answer to report
            self.wrong.append(f"{label}: {type(error).__name__}: {str(error)[:300]}")


    def assert_none(self) -> None:
        assert not self.wrong, "not refused as documented:\n" + "\n".join(self.wrong)


@pytest.fixture
def refusals(api, signed_in):
    return Refusals(api)


@pytest.fixture
def prepared(world):
    """`prepared(name)`: the URL and a valid body of target `name`, made ready once per test."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = prepare(world, name)
        url, body = cache[name]
        return url, dict(body)

    return get


# --- the valid bodies are accepted (so every refusal below is caused by the change) ------


@pytest.mark.parametrize("name", TARGETS)
def test_the_valid_body_of_each_endpoint_is_accepted(api, world, name):
    url, body = prepare(world, name)
    response = api.post(url, body, as_="admin")
    assert response.status_code == TARGETS[name].ok, response.get_data(as_text=True)


AT_THE_LIMITS = [
    ("disputes", {"title": "x" * 200}),
    ("disputes", {"summary": "x" * 10_000}),
    ("disputes", {"party_ids": []}),
    ("options", {"value_to_supplier": 5, "value_to_customer": -5}),
    ("options", {"value_to_supplier": -5, "value_to_customer": 5}),
    ("options", {"value_to_supplier": 0, "value_to_customer": 0}),
    ("stories", {"text": "x" * 20_000}),
    ("notes", {"text": "x" * 10_000}),
    ("commitments", {"description": "x" * 5_000}),
    ("commitments", {"due_at": "2026-05-01T09:00:00Z"}),
    ("commitments", {"due_at": "2026-05-01t09:00:00.123456789z"}),
    ("commitments", {"due_at": "2026-05-01T09:00:00-00:00"}),
    ("commitments", {"due_at": "1900-01-01T00:30:00+01:00"}),
    ("commitments", {"due_at": "8999-12-31T23:59:59-23:59"}),
    ("transitions", {"reason": "x" * 5_000}),
    ("organizations", {"name": "x" * 200}),
    ("people", {"name": "x" * 200, "password": "x" * 1_024}),
]


def test_values_at_the_limits_are_accepted(api, world):
    wrong = []
    for name, changes in AT_THE_LIMITS:
        url, body = prepare(world, name)
        response = api.post(url, changed(body, changes), as_="admin")
        if response.status_code != TARGETS[name].ok:
            wrong.append(f"{name} {sorted(changes)}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    assert wrong == []


# --- 400: not JSON -----------------------------------------------------------------------

MALFORMED = {
    "truncated": b'{"title": ',
    "single-quotes": b"{'title': 'x'}",
    "trailing-comma": b'{"title": "x",}',
    "trailing-garbage": b'{"title": "x"} and more',
    "not-utf8": b"\xff\xfe\xfa",
    "bare-word": b"title",
    "empty": b"",
    "whitespace-only": b"  \n\t ",
    "deeply-nested-unclosed": b"[" * 100_000,
}


LONE_SURROGATES = {
    "in-a-value": b'{"text": "a \\ud800 b"}',
    "low-half": b'{"text": "\\udc00"}',
    "reversed-pair": b'{"text": "\\ude00\\ud83d"}',
    "in-a-key": b'{"\\ud800": 1}',
    "in-a-list": b'{"party_ids": ["\\udfff"]}',
    "deep": b'{"a": [[{"b": "\\ud800"}]]}',
}


@pytest.mark.parametrize("payload", LONE_SURROGATES.values(), ids=LONE_SURROGATES.keys())
def test_a_lone_surrogate_escape_is_400_on_every_endpoint(prepared, refusals, payload):
    """JSON's \\u escapes can spell half of a UTF-16 pair, which is no text: it cannot be
    stored or sent back, so such a body is not read."""
    for name in TARGETS:
        url, _ = prepared(name)
        refusals.expect(name, url, payload, 400, raw=True, check=lambda p: "errors" not in p)
    refusals.assert_none()


def test_an_escaped_surrogate_pair_is_the_character_it_spells(api, world):
    url, _ = prepare(world, "notes")
    response = api.client.post(url, data=b'{"text": "Sorted \\ud83d\\ude00"}', content_type="application/json",
                               headers={"Authorization": f"Bearer {world.token('alice')}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["text"] == "Sorted \U0001f600"


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_body_that_is_not_json_is_400_on_every_endpoint(prepared, refusals, payload):
    for name in TARGETS:
        url, _ = prepared(name)
        refusals.expect(name, url, payload, 400, raw=True, check=lambda p: "errors" not in p)
    refusals.assert_none()


def test_deeply_nested_json_is_refused_without_a_server_error(prepared, refusals):
    """Valid JSON nested deeper than the parser goes: refused as unreadable (400) or not an object (422)."""
    url, _ = prepared("disputes")
    nested = b"[" * 100_000 + b"]" * 100_000
    before = table_counts()
    try:
        response = refusals._send("POST", url, nested, raw=True)
    except RecursionError as error:
        pytest.fail(f"the parser's RecursionError escaped as a server error: {error}")
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)
    assert table_counts() == before


NOT_OBJECTS = {"empty-array": [], "array-of-object": [{"title": "x"}], "string": "a string",
               "number": 42, "true": True}


@pytest.mark.parametrize("payload", NOT_OBJECTS.values(), ids=NOT_OBJECTS.keys())
def test_json_that_is_not_an_object_is_422_on_every_endpoint(prepared, refusals, payload):
    for name in TARGETS:
        url, _ = prepared(name)
        refusals.expect(name, url, payload, 422, check=lambda p: p["errors"])
    refusals.assert_none()


# --- 422: wrong types, unknown fields, out of range ------------------------------------

WRONG = [
    ("disputes", {"title": 5}, "title"),
    ("disputes", {"title": None}, "title"),
    ("disputes", {"title": ""}, "title"),
    ("disputes", {"title": DROP}, "title"),
    ("disputes", {"summary": ["x"]}, "summary"),
    ("disputes", {"summary": DROP}, "summary"),
    ("disputes", {"account_id": "1"}, "account_id"),
    ("disputes", {"account_id": 1.5}, "account_id"),
    ("disputes", {"account_id": True}, "account_id"),
    ("disputes", {"account_id": DROP}, "account_id"),
    ("disputes", {"party_ids": "1"}, "party_ids"),
    ("disputes", {"party_ids": ["a"]}, "party_ids"),
    ("disputes", {"party_ids": {"sam": 1}}, "party_ids"),
    ("disputes", {"party_ids": list(range(1, 102))}, "party_ids"),
    ("disputes", {"severity": "urgent"}, "severity"),
    ("disputes", {"severity": 3}, "severity"),
    ("disputes", {"severity": "HIGH"}, "severity"),
    ("disputes", {"project_id": "x"}, "project_id"),
    ("disputes", {"mediator_id": [1]}, "mediator_id"),
    ("stories", {"party_id": "1"}, "party_id"),
    ("stories", {"party_id": DROP}, "party_id"),
    ("stories", {"text": 5}, "text"),
    ("stories", {"visibility": "public"}, "visibility"),
    ("stories", {"declined": "maybe"}, "declined"),
    ("stories", {"expected_version": "1"}, "expected_version"),
    ("options", {"summary": ""}, "summary"),
    ("options", {"summary": DROP}, "summary"),
    ("options", {"value_to_customer": DROP}, "value_to_customer"),
    ("options", {"value_to_supplier": None}, "value_to_supplier"),
    ("acceptances", {"option_id": "1"}, "option_id"),
    ("acceptances", {"option_id": DROP}, "option_id"),
    ("notes", {"text": None}, "text"),
    ("notes", {"text": ""}, "text"),
    ("notes", {"visibility": "secret"}, "visibility"),
    ("parties", {"person_id": [1]}, "person_id"),
    ("mediators", {"mediator_id": "2"}, "mediator_id"),
    ("commitments", {"due_at": "tomorrow"}, "due_at"),
    ("commitments", {"due_at": 1767225600}, "due_at"),
    ("commitments", {"due_at": DROP}, "due_at"),
    ("commitments", {"description": DROP}, "description"),
    ("settle", {"status": "open"}, "status"),
    ("settle", {"status": "done"}, "status"),
    ("settle", {"status": DROP}, "status"),
    ("transitions", {"trigger": "explode"}, "trigger"),
    ("transitions", {"trigger": DROP}, "trigger"),
    ("transitions", {"expected_version": DROP}, "expected_version"),
    ("transitions", {"expected_version": "1"}, "expected_version"),
    ("transitions", {"expected_version": 0}, "expected_version"),
    ("transitions", {"expected_version": 1.5}, "expected_version"),
    ("transitions", {"reason": 5}, "reason"),
    ("organizations", {"kind": "partner"}, "kind"),
    ("organizations", {"kind": DROP}, "kind"),
    ("organizations", {"name": ""}, "name"),
    ("people", {"email": "not-an-email"}, "email"),
    ("people", {"email": "hana@contoso.x"}, "email"),  # the description's pattern: a last label of 2+ letters
    ("people", {"email": "hana@localhost"}, "email"),
    ("people", {"email": "h" * 65 + "@contoso.example"}, "email"),  # a local part of at most 64
    ("people", {"email": "hana\u00e9@contoso.example"}, "email"),
    ("people", {"email": DROP}, "email"),
    ("people", {"roles": ["king"]}, "roles"),
    ("people", {"roles": "admin"}, "roles"),
    ("people", {"organization_id": "1"}, "organization_id"),
    ("people", {"password": "short"}, "password"),
    ("people", {"password": 1234567890123}, "password"),
    ("accounts", {"manager_ids": [0]}, "manager_ids"),
    ("accounts", {"manager_ids": "1"}, "manager_ids"),
    ("accounts", {"supplier_id": None}, "supplier_id"),
    ("projects", {"account_id": DROP}, "account_id"),
    ("projects", {"name": 7}, "name"),
]


@pytest.mark.parametrize("name", sorted({n for n, _, _ in WRONG}))
def test_a_wrong_type_or_value_is_422_naming_the_field(prepared, refusals, name):
    url, body = prepared(name)
    for target, changes, field in WRONG:
        if target == name:
            refusals.expect(f"{field}={changes[field]!r}"[:80], url, changed(body, changes), 422, field)
    refusals.assert_none()


def test_every_missing_required_field_is_named_at_once(refusals):
    refusals.expect("empty", f"{API}/disputes", {}, 422,
                    check=lambda p: set(p["errors"]) == {"title", "summary", "account_id", "severity"})
    refusals.assert_none()


def test_a_due_date_outside_the_storable_range_is_422_naming_it(prepared, refusals):
    """Written in the years 1900 to 8999, as the description says: a date that has no UTC
    equivalent cannot be a due date."""
    url, body = prepared("commitments")
    for due in ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-05:00", "1899-12-31T23:59:59-01:00",
                "9000-01-01T00:00:00+01:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z"]:
        refusals.expect(due, url, changed(body, {"due_at": due}), 422, "due_at")
    refusals.assert_none()


NOT_RFC_3339 = [
    "2026-05-01T09:00:00",  # no offset: the description's date-time has one
    "2026-05-01 09:00:00Z",
    "2026-05-01T09:00Z",
    "2026-05-01",
    "20260501T090000Z",
    "2026-W18-5T09:00:00Z",
    "2026-5-1T9:00:00Z",
    "2026-05-01T09:00:00+0100",
    "2026-05-01T09:00:00.Z",
    "2026-05-01T09:00:00+24:00",
    "2026-12-31T23:59:60Z",  # a leap second: no clock here can hold one
    "٢٠٢٦-05-01T09:00:00Z",  # Arabic-Indic digits
    1777626000,
]


def test_a_moment_is_an_rfc_3339_date_time_with_its_offset(prepared, refusals):
    """What Python's ISO parser takes is more than the description's date-time format says:
    only RFC 3339 is read, so a client and the fuzzer agree with the API on every moment."""
    url, body = prepared("commitments")
    for due in NOT_RFC_3339:
        refusals.expect(repr(due), url, changed(body, {"due_at": due}), 422, "due_at")
    refusals.assert_none()


@pytest.mark.parametrize("field", ["value_to_supplier", "value_to_customer"])
def test_scores_are_integers_from_minus_5_to_5(prepared, refusals, field):
    url, body = prepared("options")
    for value in [6, -6, 6.0, 2.5, "3", True, None, 10**30, 1e300, "", [1]]:
        refusals.expect(repr(value), url, changed(body, {field: value}), 422, field)
    refusals.assert_none()


def test_a_whole_number_written_with_a_fraction_is_that_integer(api, world):
    """JSON has one kind of number, and the description's "integer" is JSON Schema's: any
    number without a fractional part. So 3.0 is 3 wherever an integer or an id is read."""
    url, body = prepare(world, "options")
    option = api.post(url, {**body, "value_to_supplier": 3.0, "value_to_customer": -0.0}, as_="admin")
    assert option.status_code == 201, option.get_data(as_text=True)
    assert (option.json["value_to_supplier"], option.json["value_to_customer"]) == (3, 0)
    url, body = prepare(world, "acceptances")
    acceptance = api.post(url, {**body, "option_id": float(body["option_id"])}, as_="admin")
    assert acceptance.status_code == 201, acceptance.get_data(as_text=True)
    assert acceptance.json["option_id"] == body["option_id"]


def test_an_unknown_field_is_422_naming_it_on_every_endpoint(prepared, refusals):
    for name in TARGETS:
        url, body = prepared(name)
        refusals.expect(name, url, {**body, "colour": "red"}, 422, "colour",
                        check=lambda p: set(p["errors"]) == {"colour"})
    refusals.assert_none()


TOO_LONG = [
    ("disputes", "title", "x" * 201),
    ("disputes", "summary", "x" * 10_001),
    ("disputes", "summary", "x" * 100_000),
    ("stories", "text", "x" * 20_001),
    ("options", "summary", "x" * 5_001),
    ("notes", "text", "x" * 10_001),
    ("commitments", "description", "x" * 5_001),
    ("transitions", "reason", "x" * 5_001),
    ("organizations", "name", "x" * 201),
    ("people", "name", "x" * 201),
    ("people", "email", "x" * 250 + "@a.example"),
    ("people", "password", "x" * 1_025),
    ("accounts", "name", "x" * 201),
    ("projects", "name", "x" * 201),
]


def test_over_long_text_is_422_naming_the_field(prepared, refusals):
    for name, field, value in TOO_LONG:
        url, body = prepared(name)
        refusals.expect(f"{name}.{field} of {len(value)}", url, changed(body, {field: value}), 422, field)
    refusals.assert_none()


WITH_NUL = [
    ("disputes", "title", "Invoice\x00dispute"),
    ("disputes", "summary", "\x00"),
    ("stories", "text", "My side\x00"),
    ("options", "summary", "Split\x00it"),
    ("notes", "text", "A\x00note"),
    ("commitments", "description", "Do\x00it"),
    ("transitions", "reason", "Be\x00cause"),
    ("organizations", "name", "Lit\x00ware"),
    ("people", "name", "Ha\x00na"),
    ("people", "email", "ha\x00na@contoso.example"),
    ("people", "password", "correct\x00horse battery"),
    ("accounts", "name", "Contoso\x00EU"),
    ("projects", "name", "Loyalty\x00app"),
]


def test_text_with_nul_characters_is_422_naming_the_field(prepared, refusals):
    for name, field, value in WITH_NUL:
        url, body = prepared(name)
        refusals.expect(f"{name}.{field}", url, changed(body, {field: value}), 422, field)
    refusals.assert_none()


BLANK_NAMES = [
    ("disputes", "title"),
    ("organizations", "name"),
    ("people", "name"),
    ("accounts", "name"),
    ("projects", "name"),
]


def test_a_name_or_title_of_only_spaces_is_422_naming_the_field(prepared, refusals):
    """Names and titles are stored stripped; one of only spaces would be stored empty."""
    for name, field in BLANK_NAMES:
        url, body = prepared(name)
        for blank in ["   ", "\t\n"]:
            refusals.expect(f"{name}.{field}={blank!r}", url, changed(body, {field: blank}), 422, field)
    refusals.assert_none()


ID_FIELDS = [
    ("disputes", "account_id", lambda v: v),
    ("disputes", "project_id", lambda v: v),
    ("disputes", "party_ids", lambda v: [v]),
    ("disputes", "mediator_id", lambda v: v),
    ("stories", "party_id", lambda v: v),
    ("acceptances", "option_id", lambda v: v),
    ("parties", "person_id", lambda v: v),
    ("mediators", "co_mediator_id", lambda v: v),
    ("commitments", "person_id", lambda v: v),
    ("transitions", "expected_version", lambda v: v),
    ("people", "organization_id", lambda v: v),
    ("accounts", "manager_ids", lambda v: [v]),
    ("projects", "account_id", lambda v: v),
]


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS, ids=["0", "-1", "2^31", "2^63"])
def test_an_id_out_of_range_in_the_body_is_422_naming_the_field(prepared, refusals, value):
    for name, field, shape in ID_FIELDS:
        url, body = prepared(name)
        refusals.expect(f"{name}.{field}", url, changed(body, {field: shape(value)}), 422, field)
    refusals.assert_none()


UNKNOWN_BODY_IDS = [
    ("disputes", "account_id", lambda w, v: v),
    ("disputes", "project_id", lambda w, v: v),
    ("disputes", "party_ids", lambda w, v: [w.id("sam"), v]),
    ("disputes", "mediator_id", lambda w, v: v),
    ("disputes", "co_mediator_id", lambda w, v: v),
    ("stories", "party_id", lambda w, v: v),
    ("acceptances", "option_id", lambda w, v: v),
    ("parties", "person_id", lambda w, v: v),
    ("mediators", "mediator_id", lambda w, v: v),
    ("mediators", "co_mediator_id", lambda w, v: v),
    ("commitments", "person_id", lambda w, v: v),
    ("people", "organization_id", lambda w, v: v),
    ("accounts", "supplier_id", lambda w, v: v),
    ("accounts", "customer_id", lambda w, v: v),
    ("accounts", "manager_ids", lambda w, v: [w.id("alice"), v]),
    ("projects", "account_id", lambda w, v: v),
]


def test_an_unknown_id_in_the_body_is_422_naming_the_field(world, prepared, refusals):
    for name, field, shape in UNKNOWN_BODY_IDS:
        url, body = prepared(name)
        refusals.expect(f"{name}.{field}", url, changed(body, {field: shape(world, UNKNOWN)}), 422, field)
    refusals.assert_none()


WRONG_KIND_IDS = [
    ("disputes", "project_id", lambda w: w.projects["fabrikam"].id),
    ("disputes", "party_ids", lambda w: [w.id("sam"), w.id("frank")]),
    ("disputes", "mediator_id", lambda w: w.id("carla")),
    ("disputes", "co_mediator_id", lambda w: w.id("sam")),
    ("stories", "party_id", lambda w: w.id("dev")),  # a person, but not a party
    ("parties", "person_id", lambda w: w.id("frank")),
    ("mediators", "co_mediator_id", lambda w: w.id("bob")),
    ("commitments", "person_id", lambda w: w.id("gina")),
    ("accounts", "supplier_id", lambda w: w.orgs["contoso"].id),
    ("accounts", "customer_id", lambda w: w.orgs["northwind"].id),
    ("accounts", "manager_ids", lambda w: [w.id("sam")]),
    ("accounts", "manager_ids", lambda w: [w.id("carla")]),
]


def test_an_id_of_the_wrong_kind_in_the_body_is_422_naming_the_field(world, prepared, refusals):
    for name, field, value in WRONG_KIND_IDS:
        url, body = prepared(name)
        refusals.expect(f"{name}.{field}={value(world)}", url, changed(body, {field: value(world)}), 422, field)
    refusals.assert_none()


def test_an_option_of_another_dispute_cannot_be_accepted(api, world, prepared, refusals):
    url, _ = prepared("acceptances")
    elsewhere = world.drive(world.open_dispute(), "resolution")
    option = api.get(f"{API}/disputes/{elsewhere.id}").json["options"][0]["id"]
    refusals.expect("option of another dispute", url, {"option_id": option}, 422, "option_id")
    refusals.assert_none()


# --- 404: unknown ids in the path ------------------------------------------------------

PATH_IDS = [0, 999_999, 2**31, 2**63, -1]
PATH_ID_NAMES = ["0", "unknown", "2^31", "2^63", "-1"]


@pytest.mark.parametrize("value", PATH_IDS, ids=PATH_ID_NAMES)
def test_an_unknown_dispute_id_in_the_path_is_404_on_every_endpoint(prepared, refusals, value):
    refusals.expect("GET one", f"{API}/disputes/{value}", None, 404, method="GET")
    refusals.expect("GET history", f"{API}/disputes/{value}/history", None, 404, method="GET")
    for name in DISPUTE_TARGETS:
        url, body = prepared(name)
        real = url.split("/")[4]
        refusals.expect(name, url.replace(f"/disputes/{real}", f"/disputes/{value}", 1), body, 404)
    refusals.assert_none()


@pytest.mark.parametrize("value", PATH_IDS, ids=PATH_ID_NAMES)
def test_an_unknown_commitment_id_in_the_path_is_404(prepared, refusals, value):
    url, body = prepared("settle")
    refusals.expect("settle", url.rsplit("/", 1)[0] + f"/{value}", body, 404)
    refusals.assert_none()


def test_a_commitment_of_another_dispute_is_404(world, prepared, refusals):
    url, body = prepared("settle")
    other_url, _ = prepare(world, "settle")
    refusals.expect("settle", url.rsplit("/", 1)[0] + "/" + other_url.rsplit("/", 1)[1], body, 404)
    refusals.assert_none()


@pytest.mark.parametrize("value", PATH_IDS, ids=PATH_ID_NAMES)
def test_an_unknown_directory_id_in_the_path_is_404(refusals, value):
    for collection in ["organizations", "people", "accounts", "projects"]:
        refusals.expect(collection, f"{API}/{collection}/{value}", None, 404, method="GET")
    refusals.assert_none()


def id_routes(app):
    """(method, path) of every API route with an id in its path, filled with `{}`."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and rule.arguments:
            path = re.sub(r"<\w+:\w+>", "{id}", rule.rule)
            yield from ((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))


@pytest.mark.parametrize("value", [2**31, 2**31 + 1, 10**10, 2**63, 10**30], ids=["2^31", "2^31+1", "10^10", "2^63", "10^30"])
def test_an_id_no_column_can_hold_is_404_on_every_route(app, refusals, value):
    """Not 405: a path whose id is out of range matches no route, whichever other methods
    the same path has (GET and POST /projects/{id}/protocols, for one)."""
    for method, path in id_routes(app):
        refusals.expect(f"{method} {path}", path.format(id=value), {}, 404, method=method)
    refusals.assert_none()


def test_path_ids_run_from_1_to_2_to_the_31_minus_1(app):
    adapter = app.url_map.bind("localhost")
    for value in [1, 9, 10, 999_999_999, 1_000_000_000, 1_999_999_999, 2_000_000_000, 2_147_483_639,
                  2_147_483_640, 2**31 - 2, 2**31 - 1]:
        assert adapter.match(f"{API}/disputes/{value}")[1] == {"dispute_id": value}
    for text in ["0", "00", "01", "-1", "+1", "1.0", "2147483648", "2147483650", "2147484000", "2148000000",
                 "3000000000", "9999999999", "21474836470", "\u0661", "1\u0661"]:
        with pytest.raises(NotFound):
            adapter.match(f"{API}/disputes/{text}")


# --- 422: bad query parameters ----------------------------------------------------------

BAD_QUERIES = [
    ("/disputes", "limit=0", "limit"),
    ("/disputes", "limit=1000", "limit"),
    ("/disputes", "limit=201", "limit"),
    ("/disputes", "limit=-1", "limit"),
    ("/disputes", "limit=abc", "limit"),
    ("/disputes", "limit=", "limit"),
    ("/disputes", "state=bogus", "state"),
    ("/disputes", "state=INTAKE", "state"),
    ("/disputes", "severity=bogus", "severity"),
    ("/disputes", "stale=maybe", "stale"),
    ("/disputes", "after=-1", "after"),
    ("/disputes", "after=abc", "after"),
    ("/disputes", f"after={2**63}", "after"),
    ("/disputes", "account_id=abc", "account_id"),
    ("/disputes", "account_id=0", "account_id"),
    ("/disputes", f"project_id={2**63}", "project_id"),
    ("/disputes", "state=%00", "state"),
    ("/organizations", "limit=0", "limit"),
    ("/people", "limit=1000", "limit"),
    ("/accounts", "after=x", "after"),
    ("/projects", "limit=2.5", "limit"),
    ("/projects", "limit=1_0", "limit"),
    ("/projects", "limit=%201", "limit"),
    ("/projects", "limit=%D9%A5", "limit"),  # an Arabic-Indic five
    ("/disputes", "account_id=+1", "account_id"),
    ("/audit/verify", "digest=nonsense", "digest"),
]


def test_a_bad_query_parameter_is_422_naming_it(world, refusals):
    world.open_dispute()
    for path, query, field in BAD_QUERIES:
        refusals.expect(f"{path}?{query}", f"{API}{path}?{query}", None, 422, field, method="GET")
    refusals.assert_none()


def test_good_query_parameters_are_accepted(api, world):
    world.open_dispute()
    answers = {query: api.get(f"{API}/disputes?{query}", as_="admin").status_code
               for query in ["limit=1", "limit=200", "after=0", "state=intake", "severity=low",
                             "stale=true", "stale=false", "stale=0", "state=withdrawn&severity=critical"]}
    assert set(answers.values()) == {200}, answers


# --- 413: too large ----------------------------------------------------------------------


def test_a_body_over_one_mebibyte_is_413(prepared, refusals):
    for name, field in [("disputes", "summary"), ("notes", "text"), ("transitions", "reason"),
                        ("organizations", "name"), ("people", "password")]:
        url, body = prepared(name)
        body[field] = "x" * (1024 * 1024 + 1)
        refusals.expect(name, url, body, 413, check=lambda p: "errors" not in p)
    refusals.assert_none()


def test_a_body_just_under_the_limit_is_read_and_validated(prepared, refusals):
    url, body = prepared("disputes")
    body["summary"] = "x" * (1024 * 1024 - 1024)
    refusals.expect("summary", url, body, 422, "summary")
    refusals.assert_none()


# --- nothing but problem details under /api ------------------------------------------------


def test_an_unknown_route_and_a_wrong_method_answer_as_problems(api, world):
    assert_problem(api.get(f"{API}/no-such-thing", as_="admin"), 404)
    response = api.client.delete(f"{API}/disputes", headers={"Authorization": f"Bearer {world.token('admin')}"})
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]
