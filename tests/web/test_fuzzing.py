"""Schema fuzzing: schemathesis reads the API's OpenAPI description from the app, sends what
it generates from it to the app, on a real database (SQLite, or PostgreSQL with
ACCORD_TEST_DATABASE_URL), and checks every answer against the description.

What runs:

- Every operation, as each caller in CALLERS (the supplier's admin, an account manager, the
  supplier's auditor, the customer's point person and admin, a person of another customer)
  and with no token. Each caller has a world of its own (requests change it: an admin
  disables people), with disputes in every state and protocols drafted, proposed and agreed.
- Per operation and caller, EXAMPLES generated requests (15 by default, about half of them
  schema-valid; ACCORD_FUZZ_EXAMPLES sets another number), and for the supplier's admin, who
  reaches the most code, the coverage phase as well: every boundary value and every way to
  break each parameter and body field, deterministically, about 2,600 requests in all.
  Without a token every request stops at authentication whatever its data, so that run
  sends WITHOUT_TOKEN requests per operation.
- Every default check of schemathesis 4: no server error; status codes, media types,
  headers and bodies as described; schema-invalid requests refused (negative_data_rejection)
  and schema-valid ones accepted (positive_data_acceptance, see below); no token, or a bad
  one, refused with 401 (missing_required_header, ignored_auth); methods a path does not
  have refused with 405 and Allow; in the stateful runs use_after_free and
  ensure_resource_availability too. Plus `parsed_as_described`, below.
- Stateful runs, as the account manager and as the supplier's admin: schemathesis follows
  the description's links, so what a call creates (an organization, a project, a dispute, a
  note, an option) is used by the calls after it; SCENARIOS scenarios of up to STEPS calls,
  each from the same data (see Snapshot).
- Reproducible: a fixed seed, derandomized generation, no example database. Integers in
  paths, queries and the id fields of bodies are drawn from the world's ids half of the
  time, so that requests reach real objects rather than 404.

Refusals by domain rules: positive_data_acceptance wants a schema-valid request accepted,
and takes 401, 403, 404 and 409 as accepted refusals. Some operations also refuse schema-
valid requests with 422, by rules about other data that no JSON Schema of the request can
state (an unknown referenced id, a person of the wrong company, a name taken, phases out of
taper order): DOMAIN_RULES names them and their rules, and only for them 422 is accepted
too. So that this cannot hide a description promising more than the API takes, the check
`parsed_as_described` looks at each 422 to a valid request: the view's own marshmallow
schema must read the request, so the refusal came from a service. The parser may refuse a
valid request only by the comparisons of two fields listed in BETWEEN_FIELDS.

The module takes under 3 minutes on SQLite and about 4.5 on PostgreSQL on the shared
two-core machine; its fuzzing part grows in proportion to ACCORD_FUZZ_EXAMPLES.
"""

import json
import os
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import settings
from marshmallow import ValidationError
from peewee import AutoField
from peewee import sort_models
from werkzeug.datastructures import MultiDict

from mediation.db import BaseModel
from mediation.db import database
from mediation.db import is_postgres
from mediation.db import portable
from mediation.db import write_transaction
from mediation.schema import SchemaVersion
from protocols import services as protocols
from tests.conftest import PEOPLE
from web.api.documented import operation_of
from web.api.openapi import operation_id

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "15"))
WITHOUT_TOKEN = 5
SCENARIOS = int(os.environ.get("ACCORD_FUZZ_SCENARIOS", "25"))
STEPS = 8
SEED = 20260302

NO_TOKEN = "none"
CALLERS = ["admin", "alice", "auditor", "carla", "contoso_admin", "frank", NO_TOKEN]
EXPLORER = "admin"

# Operations whose services refuse some schema-valid requests with 422, by rules about
# other data that no JSON Schema of the request can state.
DOMAIN_RULES = {
    "directory.create_organization": "organization names are unique; administrators add customers, not suppliers",
    "directory.create_person": "the organization exists; an email is registered once; account managers "
                               "belong to a supplier",
    "directory.set_roles": "account managers belong to a supplier",
    "directory.create_account": "a supplier and a customer; managers are the supplier's account managers; "
                                "one name per pair",
    "directory.create_project": "the account exists; one name per account",
    "disputes.open_dispute": "the account (and project) exist and belong together; parties, mediator and "
                             "co-mediator are people of the right companies",
    "disputes.add_party": "a person of the account's two companies",
    "disputes.assign_mediators": "a mediator of the supplier, a co-mediator of the customer, one at least",
    "disputes.record_story": "the party is a party to the dispute; text unless declined, none when declined",
    "disputes.accept_option": "an option of this dispute",
    "disputes.record_commitment": "a person of the account's two companies",
    "protocols.create_protocol": "point people, backups and escalation of the right companies; phases taper; "
                                 "a known time zone; one protocol per scenario",
    "protocols.add_version": "point people, backups and escalation of the right companies; phases taper; "
                             "a known time zone",
    "protocols.acknowledge": "a proposed version of this protocol, not yet acknowledged by the company",
    "protocols.log_touchpoint": "not in the future; while the protocol was in force; people of the right companies",
    "protocols.report_incident": "not in the future; a response-time cadence in force then",
    "protocols.compliance": "`from` before `to`, at most two years apart",
    "relationship.relationship": "`from` before `to`, at most two years apart",
    "relationship.contacts": "`from` before `to`, at most two years apart",
    "relationship.add_team_member": "an active person of the caller's own company",
    "relationship.advocacy": "`from` before `to`, at most two years apart",
    "relationship.advocacy_side_by_side": "`from` before `to`, at most two years apart",
    "notifications.change_settings": "a known time zone",
    "webhooks.subscribe": "an https URL whose host resolves to public addresses",
    "search.search": "a cursor that an earlier page of the same search gave",
    "audit.inclusion_proof": "an event the caller may read, already in the tree, with a size that holds it",
    "audit.consistency_proof": "`from` not above `to`; both within the tree",
    "witnesses.register_witness_key": "an Ed25519 verifier key whose hash matches its name and key",
    "witnesses.cosign": "a signature line that verifies with the key the caller's company registered",
}

# Rules between fields of one request that the parsing schema checks and JSON Schema cannot
# state (it compares no two values): the only refusals of the parser a valid request may get.
BETWEEN_FIELDS = {
    "protocols.compliance": {"from": ["must be before 'to'"], "to": ["a range covers at most two years"]},
    "relationship.relationship": {"from": ["must be before 'to'"], "to": ["a range covers at most two years"]},
    "relationship.contacts": {"from": ["must be before 'to'"], "to": ["a range covers at most two years"]},
    "relationship.advocacy": {"from": ["must be before 'to'"], "to": ["a range covers at most two years"]},
    "relationship.advocacy_side_by_side": {"from": ["must be before 'to'"],
                                           "to": ["a range covers at most two years"]},
}

# positive_data_acceptance's own list (a 5xx is not_a_server_error's to judge).
ACCEPTED_ANSWERS = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

# Fields of bodies that hold ids (or version numbers): drawn from the world's ids half of the
# time, as integers in paths and queries are.
BODY_IDS = [
    "organization_id", "supplier_id", "customer_id", "manager_ids[*]", "account_id", "project_id",
    "party_ids[*]", "mediator_id", "co_mediator_id", "party_id", "person_id", "option_id",
    "supplier_point_person_id", "customer_point_person_id", "backup_ids[*]", "escalation[*].person_id",
    "supplier_person_id", "customer_person_id", "version", "expected_version",
]


def fuzz_config(caller: str, headers: dict) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": headers,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": WITHOUT_TOKEN if caller == NO_TOKEN else EXAMPLES,
            "deterministic": True,
            "database": "none",
            "dictionaries": {"integer": {"dictionary": "ids", "probability": 0.5}},
        },
        "dictionaries": {"ids": {"values": list(range(1, len(PEOPLE) + 1))}},  # the first ids of each table
        "parameters": {f"body.{field}": {"dictionary": "ids", "probability": 0.5} for field in BODY_IDS},
        "phases": {
            "coverage": {"enabled": caller == EXPLORER},
            "stateful": {"generation": {"mode": "positive"}},
        },
        "operations": [{
            "include-operation-id": list(DOMAIN_RULES),
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED_ANSWERS, 422]}},
        }],
    })


def parser_check(app):
    """The check `parsed_as_described` for the views of `app`."""
    views = {operation_id(endpoint): view for endpoint, view in app.view_functions.items()}

    def parsed_as_described(ctx, response, case):
        """A request generated as valid is never refused by the schema its view parses with:
        a 422 then comes from a domain rule, not from a description that promises too much."""
        if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
            return None
        name = case.operation.definition.raw["operationId"]
        contract = operation_of(views[name])
        sent = response.request
        errors = {}
        if contract.body is not None:
            try:
                contract.body().load(json.loads(sent.body))
            except ValidationError as error:
                errors.update(error.messages)
        if contract.query is not None:
            query = MultiDict(parse_qsl(urlsplit(sent.url).query, keep_blank_values=True))
            try:
                contract.query().load(query.to_dict())
            except ValidationError as error:
                errors.update(error.messages)
        allowed = BETWEEN_FIELDS.get(name, {})
        unexplained = {field: messages for field, messages in errors.items() if messages != allowed.get(field)}
        assert not unexplained, f"the description allows what the view's schema refuses: {unexplained}"
        return None

    return parsed_as_described


@pytest.fixture(params=CALLERS)
def caller(request):
    return request.param


@pytest.fixture
def lived_in(signed_in):
    """The world with disputes in every state and protocols proposed and agreed, so that the
    ids generated (the first few of each table, half of the time) find objects of each kind;
    three days on, so that a touchpoint can fall while the agreed protocol is in force."""
    world = signed_in
    for state in ("intake", "story_gathering", "option_generation", "resolution", "resolved", "withdrawn"):
        world.drive(world.open_dispute(), state)
    world.drive(world.open_dispute("fabrikam"), "resolution")
    alice = world.actor("alice")
    terms = dict(phases=[], channel="video", supplier_point_person_id=world.id("alice"),
                 customer_point_person_id=world.id("carla"), backup_ids=[], agenda="", escalation=[],
                 timezone="UTC", effective_from=None, max_contacts_per_window=None)
    routine = protocols.create_protocol(alice, world.clock, project_id=world.projects["contoso"].id,
                                        scenario="routine", cadence={"every": 1, "unit": "weeks"}, **terms)
    protocols.transition_version(alice, world.clock, routine.id, 1, trigger="propose")
    for person in ("alice", "carla"):
        protocols.acknowledge(world.actor(person), world.clock, routine.id, version=1)
    incident = protocols.create_protocol(alice, world.clock, project_id=world.projects["contoso"].id,
                                         scenario="incident", cadence={"respond_within_hours": 4}, **terms)
    protocols.transition_version(alice, world.clock, incident.id, 1, trigger="propose")
    world.clock.advance(days=3)
    return world


@pytest.fixture
def described(app, lived_in, caller):
    """The description as schemathesis loads it from the app, set up for `caller` and sending
    their token with every request."""
    headers = {} if caller == NO_TOKEN else {"Authorization": f"Bearer {lived_in.token(caller)}"}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=fuzz_config(caller, headers))


@pytest.fixture
def checks(app):
    return [parser_check(app)]


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4 names subtests through `_nodeid`, which pytest 9.2 no longer has."""
    request.node._nodeid = request.node.nodeid


lazily = schemathesis.pytest.from_fixture("described")


@lazily.parametrize()
def test_every_operation_keeps_its_contract_for_every_caller(case, checks):
    """Whatever is sent, the answer is one the description allows: no server error, a
    described status, media type, headers and body; invalid requests refused, valid ones
    accepted or refused only as DOMAIN_RULES says."""
    case.call_and_validate(additional_checks=checks)


class Snapshot:
    """Every row of every table, put back before each stateful scenario: Hypothesis tells a
    scenario by the choices that made it, and the same choices must meet the same data to
    take the same path (otherwise it refuses to go on, and cannot replay a failure)."""

    def __init__(self):
        children_first = [m for m in reversed(sort_models(BaseModel.__subclasses__())) if m is not SchemaVersion]
        self.tables = [model._meta.table_name for model in children_first]
        self.serials = [m._meta.table_name for m in children_first if isinstance(m._meta.primary_key, AutoField)]
        self.rows = {}
        with database.connection_context():
            for table in self.tables:
                cursor = database.execute_sql(f'SELECT * FROM "{table}"')
                self.rows[table] = ([column[0] for column in cursor.description], cursor.fetchall())

    def put_back(self):
        with write_transaction():
            for table in self.tables:
                database.execute_sql(f'DELETE FROM "{table}"')
            for table in reversed(self.tables):
                columns, rows = self.rows[table]
                if rows:
                    names = ", ".join(f'"{column}"' for column in columns)
                    values = ", ".join("?" for _ in columns)
                    database.cursor().executemany(portable(f'INSERT INTO "{table}" ({names}) VALUES ({values})'), rows)
            if is_postgres():
                for table in self.serials:
                    sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
                    database.execute_sql(f'SELECT setval({sequence}, COALESCE(MAX(id), 0) + 1, false) FROM "{table}"')
        if not database.is_closed():
            database.close()


@pytest.mark.parametrize("caller", ["alice", "admin"])
def test_chains_of_calls_along_the_links_keep_the_contract(described, checks):
    """Calls that take what an earlier answer returned (the links of the description) keep
    the contract too. A failing scenario is reported as found, not shrunk."""
    snapshot = Snapshot()

    class Journey(described.as_state_machine()):
        def setup(self):
            snapshot.put_back()

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks=checks, **kwargs)

    Journey.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None,
                                  derandomize=True, database=None, phases=[Phase.generate],
                                  suppress_health_check=list(HealthCheck)))
