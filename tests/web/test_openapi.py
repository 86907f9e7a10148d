"""The OpenAPI description at /api/v1/openapi.json: a valid OpenAPI 3.1 document, public,
describing every API route and nothing else, generated from the schemas the views parse
with, and true to what the API answers: a journey through every operation checks each
answer's status, media type and body against the description as it goes.
"""

import re
from datetime import timedelta
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from marshmallow import ValidationError
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT202012

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import services
from mediation.credentials import issue_token
from mediation.disputes import Option
from mediation.ledger import AuditEvent
from outreach import webhooks
from outreach.models import Notification
from outreach.models import WebhookDelivery
from tests.conftest import assert_problem
from web.api.documented import operation_of
from web.protocol_schemas import CadenceIn
from web.schemas import NoteIn
from web.schemas import PersonIn

API = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
DOCUMENT = "urn:accord:openapi"


def template_of(rule) -> str:
    return ARGUMENT.sub(r"{\1}", rule.rule)


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")]


@pytest.fixture
def described(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(described):
    for path, item in described["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


# --- the document --------------------------------------------------------------------------------


def test_the_description_is_a_valid_openapi_3_1_document(described):
    assert described["openapi"].startswith("3.1")
    validate_openapi(described)


def test_anyone_may_read_it_without_a_token(client, world):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json["info"]["title"] == "Accord API"


def test_every_api_route_and_method_is_described_with_its_path_template_and_nothing_else(app, described):
    routes = {
        (template_of(rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods - IGNORED_METHODS
    }
    in_description = {(path, method) for path, method, _ in operations(described)}
    assert routes == in_description
    assert len(routes) > 40


def test_operation_ids_are_unique_and_every_operation_is_tagged_by_its_area(described):
    ids = [operation["operationId"] for _, _, operation in operations(described)]
    assert len(ids) == len(set(ids))
    tags = {tag["name"] for tag in described["tags"]}
    assert {"directory", "disputes", "protocols", "audit"} <= tags
    for _, _, operation in operations(described):
        (tag,) = operation["tags"]
        assert tag in tags
        assert operation["summary"]


def test_path_parameters_are_ids_a_database_column_holds(described):
    for path, _, operation in operations(described):
        names = re.findall(r"{(\w+)}", path)
        in_path = [p for p in operation.get("parameters", []) if p["in"] == "path"]
        assert [p["name"] for p in in_path] == names
        for parameter in in_path:
            assert parameter["required"] is True
            assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_bearer_authentication_applies_everywhere_but_the_description_and_calendar_feeds(described):
    assert described["security"] == [{"bearer": []}]
    schemes = described["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["calendarToken"]["in"] == "query" and schemes["calendarToken"]["name"] == "token"
    exceptions = {(path, method): operation["security"]
                  for path, method, operation in operations(described) if "security" in operation}
    assert exceptions == {
        (f"{API}/openapi.json", "get"): [],
        (f"{API}/protocols/{{protocol_id}}/calendar.ics", "get"): [{"bearer": []}, {"calendarToken": []}],
        (f"{API}/me/calendar.ics", "get"): [{"bearer": []}, {"calendarToken": []}],
    }
    for path, _, operation in operations(described):
        assert ("401" in operation["responses"]) == (path != f"{API}/openapi.json"), path


def test_refusals_follow_the_status_table_of_the_design(described):
    responses = described["components"]["responses"]
    for _, _, operation in operations(described):
        statuses = operation["responses"]
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(statuses)
            assert operation["requestBody"]["required"] is True
            assert list(operation["requestBody"]["content"]) == ["application/json"]
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "422" in statuses
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in statuses
        for status, response in statuses.items():
            if status.startswith(("4", "5")):
                name = response["$ref"].rsplit("/", 1)[1]
                assert list(responses[name]["content"]) == ["application/problem+json"]
    assert set(responses["Unauthorized"]["headers"]) == {"WWW-Authenticate"}


def test_request_bodies_refuse_fields_they_do_not_name(described):
    schemas = described["components"]["schemas"]
    for _, _, operation in operations(described):
        if "requestBody" in operation:
            name = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert schemas[name]["additionalProperties"] is False, name


def test_bodies_state_the_rules_of_their_fields(described):
    dispute = described["components"]["schemas"]["DisputeIn"]
    assert sorted(dispute["required"]) == ["account_id", "severity", "summary", "title"]
    assert dispute["properties"]["severity"]["enum"] == ["low", "medium", "high", "critical"]
    assert dispute["properties"]["title"]["maxLength"] == 200
    assert re.search(dispute["properties"]["title"]["pattern"], "Overtime")
    assert not re.search(dispute["properties"]["title"]["pattern"], "   ")
    assert not re.search(dispute["properties"]["title"]["pattern"], "a\x00b")
    assert dispute["properties"]["project_id"]["type"] == ["integer", "null"]
    option = described["components"]["schemas"]["OptionIn"]["properties"]
    assert (option["value_to_supplier"]["minimum"], option["value_to_supplier"]["maximum"]) == (-5, 5)
    touchpoint = described["components"]["schemas"]["TouchpointIn"]["properties"]
    assert touchpoint["occurred_at"]["format"] == "date-time"


CADENCES = [
    {"every": 1, "unit": "weeks"},
    {"every": 2, "unit": "days", "weekdays": ["mon", "thu"]},
    {"respond_within_hours": 4},
    {"every": 1, "unit": "weeks", "respond_within_hours": 4},
    {"weekdays": ["mon"], "respond_within_hours": 4},
    {"unit": "days", "respond_within_hours": 4},
    {"every": 1},
    {"unit": "days", "weekdays": ["fri"]},
    {},
]


@pytest.mark.parametrize("cadence", CADENCES, ids=[",".join(c) or "empty" for c in CADENCES])
def test_a_cadence_is_valid_for_the_description_exactly_when_the_api_reads_it(described, cadence):
    """A cadence is periodic or a response time, never both: the rule between its fields is
    stated in the description too, so a client (or the fuzzer) is not sent the wrong way."""
    registry = Registry().with_resource(DOCUMENT, Resource.from_contents(described, DRAFT202012))
    validator = Draft202012Validator({"$ref": f"{DOCUMENT}#/components/schemas/CadenceIn"}, registry=registry)
    try:
        CadenceIn().load(cadence)
        parsed = True
    except ValidationError:
        parsed = False
    assert validator.is_valid(cadence) == parsed


EMAILS = [
    "tess@tailspin.example",
    "o'brien+billing@mail.contoso.example",
    "a.b-c_d@x-1.co",
    "0@0.a",
    "x@localhost",
    "jos\u00e9@contoso.example",
    "tess@b\u00fccher.example",
    '"tess"@contoso.example',
    "a..b@contoso.example",
    ".a@contoso.example",
    "a@[10.0.0.1]",
    "a@-x.example",
    "a@b@c.example",
    "a@c.example" + "e" * 250,
]


@pytest.mark.parametrize("email", EMAILS)
def test_an_email_is_valid_for_the_description_exactly_when_the_api_reads_it(described, email):
    """The "email" format is wider than what the API takes (and marshmallow's Email wider in
    other ways): the description states the API's own pattern beside the format."""
    schema = described["components"]["schemas"]["PersonIn"]["properties"]["email"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        PersonIn().load({"email": email, "name": "Tess", "organization_id": 1})
        parsed = True
    except ValidationError:
        parsed = False
    assert validator.is_valid(email) == parsed


@pytest.mark.parametrize("text", [
    *(chr(code) for code in range(0x3001) if chr(code).isspace()), "\ufeff", "\x1e\x1f", " \x85 ", "\u200b",
    "a", "\x1ea",
])
def test_a_text_is_blank_for_the_description_exactly_when_the_api_finds_it_blank(described, text):
    """Blank is what Python strips: the separators \x1c to \x1f and \x85 too, a
    zero-width no-break space not; JSON Schema's own \\s says otherwise."""
    schema = described["components"]["schemas"]["NoteIn"]["properties"]["text"]
    try:
        NoteIn().load({"text": text})
        parsed = True
    except ValidationError:
        parsed = False
    assert Draft202012Validator(schema).is_valid(text) == parsed


def test_query_parameters_come_from_the_query_schemas_and_are_never_null(described):
    listing = described["paths"][f"{API}/disputes"]["get"]["parameters"]
    assert [p["name"] for p in listing] == ["after", "limit", "state", "account_id", "project_id", "severity", "stale",
                                          "customer_id", "mine", "sort", "order"]
    by_name = {p["name"]: p["schema"] for p in listing}
    assert by_name["sort"]["enum"] == ["title", "account", "project", "severity", "state", "stale", "updated_at"]
    assert by_name["limit"] == {"type": "integer", "default": 50, "minimum": 1, "maximum": 200}
    assert by_name["state"]["type"] == "string" and None not in by_name["state"]["enum"]
    compliance = described["paths"][f"{API}/protocols/{{protocol_id}}/compliance"]["get"]["parameters"]
    assert [p["name"] for p in compliance] == ["protocol_id", "from", "to"]
    verify = described["paths"][f"{API}/audit/verify"]["get"]["parameters"]
    assert verify[0]["name"] == "digest" and verify[0]["schema"]["pattern"]


def test_lists_answer_items_and_a_next_url_or_null(described):
    answer = described["paths"][f"{API}/people"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["items", "next"]
    assert answer["properties"]["items"]["items"] == {"$ref": "#/components/schemas/PersonOut"}
    assert answer["properties"]["next"]["type"] == ["string", "null"]


def test_calendar_feeds_answer_text_calendar(described):
    for path in (f"{API}/protocols/{{protocol_id}}/calendar.ics", f"{API}/me/calendar.ics"):
        assert list(described["paths"][path]["get"]["responses"]["200"]["content"]) == ["text/calendar"]


def test_links_lead_to_real_operations_and_their_parameters(described):
    by_id = {operation["operationId"]: operation for _, _, operation in operations(described)}
    schemas = described["components"]["schemas"]
    count = 0
    for _, _, operation in operations(described):
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                count += 1
                target = by_id[link["operationId"]]
                names = {p["name"] for p in target.get("parameters", [])}
                assert set(link.get("parameters", {})) <= names, name
                if "requestBody" in link:
                    body = target["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                    assert set(link["requestBody"]) <= set(schemas[body]["properties"]), name
    assert count > 50
    opened = described["paths"][f"{API}/disputes"]["post"]["responses"]["201"]["links"]
    assert opened["get_dispute"] == {"operationId": "disputes.get_dispute",
                                     "parameters": {"dispute_id": "$response.body#/id"}}
    assert {"record_story", "propose_option", "transition", "history"} <= set(opened)


# --- the description is the contract the views parse with ----------------------------------------


def test_every_api_view_declares_its_contract(app):
    for rule in api_rules(app):
        assert operation_of(app.view_functions[rule.endpoint]).answers, rule.endpoint


@pytest.fixture
def ids(api, world, signed_in, monkeypatch):
    """A real object for every kind of id in a path, so a request reaches its view's parsing."""
    monkeypatch.setenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", "1")
    webhook, _ = webhooks.subscribe(world.actor("admin"), world.clock.now(), url="http://127.0.0.1:9/hook",
                                    events=["*"])
    dispute = world.drive(world.open_dispute(), "resolution")
    commitment = api.post(f"{API}/disputes/{dispute.id}/commitments", {
        "person_id": world.id("sam"), "description": "Send the timesheets",
        "due_at": (world.clock.now() + timedelta(days=7)).isoformat(),
    })
    protocol = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols", {
        "scenario": "routine", "cadence": {"every": 1, "unit": "weeks"}, "channel": "video",
        "supplier_point_person_id": world.id("alice"), "customer_point_person_id": world.id("carla"),
    })
    return {
        "dispute_id": dispute.id, "commitment_id": commitment.json["id"], "protocol_id": protocol.json["id"],
        "number": 1, "project_id": world.projects["contoso"].id, "account_id": world.accounts["contoso"].id,
        "organization_id": world.orgs["contoso"].id, "person_id": world.id("gina"),
        "notification_id": Notification.select().first().id,
        "webhook_id": webhook.id, "delivery_id": WebhookDelivery.select().first().id,
        "acceptance_id": services.accept_option(
            world.actor("carla"), world.clock, dispute.id,
            option_id=Option.select().where(Option.dispute == dispute.id).first().id).id,
        "token_id": issue_token(world.people["admin"], world.clock.now(), "a script")[0].id,
    }


def _filled(path: str, ids: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)


def test_a_view_parses_exactly_the_body_it_declares(api, described, ids):
    """An unknown field is refused by name where a body is described, and nowhere else is a
    body read: what the description says a view reads is what the view reads."""
    for path, method, operation in operations(described):
        if method != "post":
            continue
        response = api.post(_filled(path, ids), {"zz_unknown": 1}, as_="admin")
        refused = response.status_code == 422 and "zz_unknown" in response.json.get("errors", {})
        assert refused == ("requestBody" in operation), (path, response.status_code, response.json)


def test_a_view_parses_exactly_the_query_it_declares(api, described, ids):
    for path, method, operation in operations(described):
        if method != "get":
            continue
        response = api.get(_filled(path, ids) + "?zz_unknown=1", as_="admin")
        refused = response.status_code == 422 and "zz_unknown" in response.json.get("errors", {})
        declared = any(p["in"] == "query" for p in operation.get("parameters", []))
        assert refused == declared, (path, response.status_code)


# --- answers conform to the description ------------------------------------------------------------


class Conforming:
    """The API client, checking every answer against the description as it goes: the status
    is documented for the operation, the media type is the documented one, and a JSON body
    validates against the documented schema. Notes the operations that succeeded."""

    def __init__(self, api, app, described):
        self.api = api
        self.adapter = app.url_map.bind("localhost")
        self.described = described
        registry = Registry().with_resource(DOCUMENT, Resource.from_contents(described, DRAFT202012))
        self.registry = registry
        self.succeeded = set()
        self.refused = set()

    def get(self, path, as_="alice", **kwargs):
        return self.check("GET", path, self.api.get(path, as_=as_, **kwargs))

    def post(self, path, json=None, as_="alice", **kwargs):
        return self.check("POST", path, self.api.post(path, json, as_=as_, **kwargs))

    def put(self, path, json=None, as_="alice", **kwargs):
        return self.check("PUT", path, self.api.put(path, json, as_=as_, **kwargs))

    def patch(self, path, json=None, as_="alice", **kwargs):
        return self.check("PATCH", path, self.api.patch(path, json, as_=as_, **kwargs))

    def delete(self, path, as_="alice", **kwargs):
        return self.check("DELETE", path, self.api.delete(path, as_=as_, **kwargs))

    def check(self, method, path, response):
        rule, _ = self.adapter.match(urlsplit(path).path, method, return_rule=True)
        template = template_of(rule)
        operation = self.described["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {template} answered {status}: {response.get_data()}"
        pointer = f"/paths/{_escaped(template)}/{method.lower()}/responses/{status}"
        answer = operation["responses"][status]
        if "$ref" in answer:
            pointer = answer["$ref"].removeprefix("#")
            answer = self.described["components"]["responses"][pointer.rsplit("/", 1)[1]]
        if "content" not in answer:
            assert response.data == b"", f"{method} {template} {status} is described without a body"
            (self.succeeded if response.status_code < 300 else self.refused).add(operation["operationId"])
            return response
        assert response.mimetype in answer["content"], f"{method} {template}: {response.mimetype}"
        if response.mimetype.endswith("json"):
            schema = {"$ref": f"{DOCUMENT}#{pointer}/content/{_escaped(response.mimetype)}/schema"}
            validator = Draft202012Validator(schema, registry=self.registry,
                                             format_checker=Draft202012Validator.FORMAT_CHECKER)
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json)]
            assert not errors, f"{method} {template} {status}: {errors}"
        (self.succeeded if response.status_code < 300 else self.refused).add(operation["operationId"])
        return response


def _escaped(token: str) -> str:
    return quote(token.replace("~", "~0").replace("/", "~1"), safe="~")


@pytest.fixture
def conforming(api, app, described, signed_in) -> Conforming:
    return Conforming(api, app, described)


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_every_operation_answers_as_described(conforming, world, described, monkeypatch):
    c, ids = conforming, world.id
    northwind, contoso = world.orgs["northwind"].id, world.orgs["contoso"].id

    # directory
    ok(c.get(f"{API}/me"))
    org = ok(c.post(f"{API}/organizations", {"name": "Tailspin Toys", "kind": "customer"}, as_="admin"), 201)
    ok(c.get(f"{API}/organizations/{org['id']}", as_="admin"))
    assert ok(c.get(f"{API}/organizations?limit=1", as_="admin"))["next"]
    tess = ok(c.post(f"{API}/people", {"email": "tess@tailspin.example", "name": "Tess",
                                       "organization_id": org["id"], "roles": ["point_person"]}, as_="admin"), 201)
    ok(c.get(f"{API}/people/{tess['id']}", as_="admin"))
    ok(c.get(f"{API}/people?limit=2", as_="admin"))
    ok(c.post(f"{API}/people/{tess['id']}/roles", {"roles": []}, as_="admin"))
    ok(c.post(f"{API}/people/{tess['id']}/disable", as_="admin"))
    ok(c.post(f"{API}/people/{tess['id']}/enable", as_="admin"))
    token = ok(c.post(f"{API}/me/tokens", {"label": "a nightly report"}, as_="alice"), 201)
    ok(c.get(f"{API}/me/tokens", as_="alice"))
    ok(c.post(f"{API}/me/tokens/{token['id']}/revoke", as_="alice"))
    account = ok(c.post(f"{API}/accounts", {"name": "Tailspin account", "supplier_id": northwind,
                                            "customer_id": org["id"], "manager_ids": [ids("alice")]}, as_="admin"), 201)
    ok(c.get(f"{API}/accounts/{account['id']}", as_="admin"))
    ok(c.get(f"{API}/accounts?limit=1", as_="admin"))
    project = ok(c.post(f"{API}/projects", {"name": "Kiosk rollout", "account_id": world.accounts["contoso"].id}), 201)
    ok(c.get(f"{API}/projects/{project['id']}"))
    ok(c.get(f"{API}/projects"))

    # a dispute from intake to resolved, with every kind of record
    dispute = ok(c.post(f"{API}/disputes", {
        "title": "Overtime billed above the cap", "summary": "March invoice bills 60 hours above the cap.",
        "account_id": world.accounts["contoso"].id, "severity": "high", "party_ids": [ids("sam"), ids("carla")],
    }), 201)
    did = dispute["id"]
    ok(c.get(f"{API}/disputes?limit=1"))
    ok(c.post(f"{API}/disputes/{did}/parties", {"person_id": ids("dev")}), 201)
    ok(c.post(f"{API}/disputes/{did}/mediators", {"co_mediator_id": ids("carla")}))

    def fire(trigger, **extra):
        version = ok(c.get(f"{API}/disputes/{did}"))["version"]
        return ok(c.post(f"{API}/disputes/{did}/transitions", {"trigger": trigger, "expected_version": version,
                                                                **extra}))

    fire("gather_stories")
    ok(c.post(f"{API}/disputes/{did}/stories", {"party_id": ids("sam"), "text": "We worked the hours."}), 201)
    ok(c.post(f"{API}/disputes/{did}/stories", {"party_id": ids("carla"), "text": "The cap was agreed."}), 201)
    ok(c.post(f"{API}/disputes/{did}/stories", {"party_id": ids("dev"), "declined": True}), 201)
    ok(c.post(f"{API}/disputes/{did}/notes", {"text": "Check the contract.", "visibility": "internal"}), 201)
    ok(c.get(f"{API}/disputes/{did}/notes?limit=1"))
    fire("generate_options")
    split = ok(c.post(f"{API}/disputes/{did}/options", {"summary": "Split the difference",
                                                          "value_to_supplier": 2, "value_to_customer": 2}), 201)
    ok(c.post(f"{API}/disputes/{did}/options", {"summary": "Credit note", "value_to_supplier": -1,
                                                 "value_to_customer": 3}), 201)
    fire("start_resolution")
    ok(c.post(f"{API}/disputes/{did}/acceptances", {"option_id": split["id"]}), 201)
    taken_back = ok(c.post(f"{API}/disputes/{did}/acceptances", {"option_id": split["id"]}, as_="carla"), 201)
    ok(c.post(f"{API}/disputes/{did}/acceptances/{taken_back['id']}/retract", {}, as_="carla"))
    ok(c.post(f"{API}/disputes/{did}/acceptances", {"option_id": split["id"]}, as_="carla"), 201)
    fire("resolve", option_id=split["id"], summary="Split the difference")
    commitment = ok(c.post(f"{API}/disputes/{did}/commitments", {
        "person_id": ids("sam"), "description": "Send corrected timesheets",
        "due_at": (world.clock.now() + timedelta(days=7)).isoformat(),
    }), 201)
    ok(c.post(f"{API}/disputes/{did}/commitments/{commitment['id']}", {"status": "kept"}))
    ok(c.get(f"{API}/disputes/{did}/history"))
    resolved = ok(c.get(f"{API}/disputes/{did}", as_="carla"))
    assert resolved["state"] == "resolved" and resolved["commitments"][0]["settled_at"]
    found = ok(c.get(f"{API}/search?q=overtime&limit=1", as_="carla"))
    assert found["items"][0]["subject"] == {"type": "dispute", "id": did}

    # protocols: agreed, a new draft, touchpoints, an incident, compliance, feeds
    pid_project = world.projects["contoso"].id
    terms = {"channel": "video", "supplier_point_person_id": ids("alice"), "customer_point_person_id": ids("carla")}
    protocol = ok(c.post(f"{API}/projects/{pid_project}/protocols", {
        "scenario": "routine", "cadence": {"every": 1, "unit": "weeks"}, **terms}), 201)
    pid = protocol["id"]
    incident = ok(c.post(f"{API}/projects/{pid_project}/protocols", {
        "scenario": "incident", "cadence": {"respond_within_hours": 4}, **terms}), 201)
    for agreed in (pid, incident["id"]):
        ok(c.post(f"{API}/protocols/{agreed}/versions/1/transitions", {"trigger": "propose"}))
        ok(c.post(f"{API}/protocols/{agreed}/acknowledgements", {"version": 1}), 201)
        ok(c.post(f"{API}/protocols/{agreed}/acknowledgements", {"version": 1}, as_="carla"), 201)
    ok(c.post(f"{API}/protocols/{pid}/versions", {"cadence": {"every": 2, "unit": "weeks"}, **terms}), 201)
    ok(c.get(f"{API}/projects/{pid_project}/protocols"))
    ok(c.get(f"{API}/protocols?limit=1"))
    ok(c.get(f"{API}/protocols/{pid}"))
    world.clock.advance(days=3)
    ok(c.post(f"{API}/protocols/{pid}/touchpoints", {
        "occurred_at": (world.clock.now() - timedelta(hours=1)).isoformat(), "channel": "video",
        "supplier_person_id": ids("alice"), "customer_person_id": ids("carla"), "summary": "Weekly status",
    }), 201)
    ok(c.get(f"{API}/protocols/{pid}/touchpoints"))
    ok(c.post(f"{API}/protocols/{incident['id']}/incidents", {
        "started_at": (world.clock.now() - timedelta(hours=1)).isoformat(), "summary": "Card payments fail.",
    }), 201)
    start, end = world.clock.now() - timedelta(days=3), world.clock.now() + timedelta(days=14)
    report = ok(c.get(f"{API}/protocols/{pid}/compliance?from={quote(start.isoformat())}&to={quote(end.isoformat())}"))
    assert report["windows"]
    ok(c.get(f"{API}/protocols/{incident['id']}/compliance"))
    assert ok(c.get(f"{API}/protocols/board"))["items"]
    ok(c.get(f"{API}/protocols/{pid}/history"))

    # the relationship, as each company reads it
    account = world.accounts["contoso"].id
    relationship = ok(c.get(f"{API}/accounts/{account}/relationship", as_="carla"))
    assert relationship["communication"]["protocols"] and relationship["trend"]
    ok(c.get(f"{API}/accounts/{account}/relationship?from={quote(start.isoformat())}"))
    ok(c.patch(f"{API}/accounts/{account}", {"contact_ceiling_per_week": 1}))
    contacts = ok(c.get(f"{API}/accounts/{account}/contacts", as_="carla"))
    ok(c.post(f"{API}/accounts/{account}/team", {"person_id": ids("sam"), "function": "support"}, as_="admin"), 201)
    ok(c.patch(f"{API}/accounts/{account}/team/{ids('sam')}", {"function": "finance"}, as_="admin"))
    assert ok(c.get(f"{API}/accounts/{account}/team", as_="carla"))["items"]
    ok(c.delete(f"{API}/accounts/{account}/team/{ids('sam')}", as_="admin"), 204)
    assert ok(c.get(f"{API}/people/{ids('alice')}/advocacy"))["value"]["resolutions"] >= 1
    assert ok(c.get(f"{API}/advocacy?from={quote(start.isoformat())}", as_="auditor"))["items"]
    assert contacts["people"][0]["weeks"] and contacts["ceiling_per_week"] == 1
    assert c.get(f"{API}/protocols/{pid}/calendar.ics").status_code == 200
    token = ok(c.post(f"{API}/me/calendar-token", as_="carla"), 201)["token"]
    assert c.get(f"{API}/me/calendar.ics?token={token}", as_=None).status_code == 200

    # notifications
    notifications = ok(c.get(f"{API}/me/notifications?limit=1", as_="carla"))
    assert notifications["next"]
    ok(c.post(f"{API}/me/notifications/{notifications['items'][0]['id']}/read", as_="carla"))
    assert ok(c.post(f"{API}/me/notifications/read", as_="carla"))["marked"] > 0
    ok(c.get(f"{API}/me/notification-settings", as_="carla"))
    ok(c.put(f"{API}/me/notification-settings", {"kinds": {"dispute_update": "weekly"}, "digest_hour": 9,
                                                  "timezone": "Europe/Berlin",
                                                  "quiet_hours": {"from": "20:00", "to": "07:00"}}, as_="carla"))

    # webhooks, delivered to a receiver of this machine
    monkeypatch.setenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", "1")
    hook = ok(c.post(f"{API}/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"]}, as_="admin"), 201)
    assert hook["secret"].startswith("whsec_")
    ok(c.get(f"{API}/webhooks", as_="admin"))
    world.open_dispute()
    delivered = ok(c.get(f"{API}/webhooks/{hook['id']}/deliveries?limit=1", as_="admin"))
    assert delivered["next"]
    ok(c.post(f"{API}/webhooks/{hook['id']}/deliveries/{delivered['items'][0]['id']}/redeliver", as_="admin"), 202)
    ok(c.delete(f"{API}/webhooks/{hook['id']}", as_="admin"), 204)

    # audit
    digest = ok(c.get(f"{API}/audit/digest", as_="auditor"))
    assert ok(c.get(f"{API}/audit/verify?digest={digest['digest']}", as_="auditor"))["ok"] is True
    checkpoints.integrate(world.clock.now(), checkpoints.signing_key())
    assert c.get(f"{API}/audit/checkpoint", as_="carla").status_code == 200
    assert c.get(f"{API}/audit/verifier-key", as_="carla").status_code == 200
    event = AuditEvent.select().order_by(AuditEvent.sequence).first()
    assert ok(c.get(f"{API}/audit/proofs/inclusion?event={event.hash}", as_="auditor"))["leaf_index"] == 0
    assert ok(c.get(f"{API}/audit/proofs/consistency?from=1", as_="carla"))["from"] == 1
    witness_key = checkpoint_notes.generate_key()
    ok(c.put(f"{API}/organizations/{contoso}/witness-key", {
        "verifier_key": checkpoint_notes.verifier_key("contoso.example/witness", witness_key.public_key())},
        as_="contoso_admin"))
    ok(c.get(f"{API}/organizations/{contoso}/witness-key", as_="carla"))
    latest = checkpoints.latest()
    cosigned = checkpoint_notes.cosign(latest.note, "contoso.example/witness", witness_key, 1_772_442_000)
    ok(c.post(f"{API}/audit/checkpoint/cosignatures", {"size": latest.size, "cosignature": cosigned.splitlines()[-1]},
              as_="contoso_admin"), 201)
    assert ok(c.get(f"{API}/audit/cosigners", as_="carla"))["items"][0]["size"] == latest.size
    assert ok(c.get(f"{API}/disputes/{did}/bundle", as_="auditor"))["checkpoint"].startswith(checkpoints.origin())
    assert ok(c.get(f"{API}/protocols/{pid}/bundle", as_="contoso_auditor"))["subject"]["id"] == pid
    ok(c.get(f"{API}/openapi.json", as_=None))

    every = {operation["operationId"] for _, _, operation in operations(described)}
    assert every - c.succeeded == set()


def test_refusals_are_problems_as_described(conforming, client, world):
    c = conforming
    dispute = world.open_dispute(parties=["sam"])
    did = dispute.id

    assert_problem(c.get(f"{API}/disputes", as_=None), 401)
    assert_problem(c.get(f"{API}/audit/digest"), 403)
    assert_problem(c.post(f"{API}/disputes/{did}/notes", {"text": "A note"}, as_="auditor"), 403)
    assert_problem(c.get(f"{API}/disputes/999999"), 404)
    assert_problem(c.get(f"{API}/disputes/{did}", as_="frank"), 404)

    unmet = assert_problem(c.post(f"{API}/disputes/{did}/transitions",
                                  {"trigger": "gather_stories", "expected_version": 1}), 409, "guards-unmet")
    assert unmet["unmet"] == ["parties_from_both_companies"]
    assert_problem(c.post(f"{API}/disputes/{did}/transitions", {"trigger": "resolve", "expected_version": 1}),
                   409, "invalid-trigger")
    assert_problem(c.post(f"{API}/disputes/{did}/transitions", {"trigger": "withdraw", "expected_version": 7,
                                                                 "reason": "settled"}), 409, "stale-version")
    assert_problem(c.post(f"{API}/organizations", {"name": "Contoso Retail", "kind": "customer"}, as_="admin"), 422)

    invalid = assert_problem(c.post(f"{API}/disputes", {
        "title": " ", "summary": "x", "account_id": 0, "severity": "urgent", "party_ids": ["sam"], "bogus": 1,
    }), 422, "validation")
    assert invalid["errors"]["party_ids"] == {"0": ["Not a valid integer."]}
    nested = assert_problem(c.post(f"{API}/projects/{world.projects['contoso'].id}/protocols", {
        "scenario": "routine", "cadence": {"every": "x", "unit": "days"}, "channel": "video",
        "supplier_point_person_id": world.id("alice"), "customer_point_person_id": world.id("carla"),
    }), 422)
    assert "every" in nested["errors"]["cadence"]
    assert_problem(c.get(f"{API}/disputes?limit=0"), 422)

    headers = {"Authorization": f"Bearer {world.token('alice')}", "Content-Type": "application/json"}
    c.check("POST", f"{API}/disputes", assert_problem_response(
        client.post(f"{API}/disputes", data="{", headers=headers), 400))
    c.check("POST", f"{API}/disputes", assert_problem_response(
        client.post(f"{API}/disputes", data="[" * 10 + "]" * 10 + " " * (1024 * 1024), headers=headers), 413))

    assert {"directory.create_organization", "disputes.open_dispute", "disputes.transition",
            "disputes.get_dispute", "disputes.list_disputes", "audit.digest"} <= c.refused


def assert_problem_response(response, status):
    assert_problem(response, status)
    return response


def test_the_description_of_a_transition_reads_the_declared_triggers(client):
    from mediation import lifecycle

    transition = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["TransitionIn"]
    described = transition["properties"]["trigger"]["description"]
    for name, declared in lifecycle.DECLARED.items():
        assert f"`{name}` ({' or '.join(declared.source)} -> {declared.dest}" in described
        assert all(condition in described for condition in declared.conditions)
    for name, declared in lifecycle.INPUTS.items():
        assert transition["properties"][name]["description"].startswith(declared.label)
