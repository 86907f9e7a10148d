"""Shared fixtures: a fresh database per test (a SQLite file, or a PostgreSQL schema when
ACCORD_TEST_DATABASE_URL is set), a manual clock, a small world of two customers, and an
API client that speaks as any of its people."""

import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from peewee import AutoField
from peewee import sort_models

from mediation import checkpoints
from mediation import directory
from mediation import dispute_queries
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.credentials import issue_token
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import open_database
from mediation.db import write_transaction
from mediation.schema import SchemaVersion
from mediation.schema import migrate
from mediation.parties import Person
from outreach import install as install_outreach
from outreach.schema import ALL_PLANS

TEST_POSTGRES_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")
# Each test process signs checkpoints with a key of its own, never one in the working directory.
os.environ.setdefault("ACCORD_SIGNING_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="accord-key-"), "signing.key"))
checkpoints.create_signing_key(checkpoints.signing_key_path())
install_outreach()
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def schema_url(base_url: str, schema: str) -> str:
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}options={quote(f'-csearch_path={schema}')}"


def _create_schema() -> str:
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def _drop_schema(schema: str) -> None:
    import psycopg

    if database.obj is not None and not database.is_closed():
        database.close()
    with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def migrated_postgres_schema():
    """One migrated schema for the session: creating tables costs PostgreSQL about half a
    second, emptying them a few milliseconds."""
    schema = _create_schema()
    url = schema_url(TEST_POSTGRES_URL, schema)
    open_database(url)
    migrate(ManualClock(START), plans=ALL_PLANS)
    children_first = [m for m in reversed(sort_models(BaseModel.__subclasses__())) if m is not SchemaVersion]
    tables = [m._meta.table_name for m in children_first]
    serials = [m._meta.table_name for m in children_first if isinstance(m._meta.primary_key, AutoField)]
    database.close()
    yield url, tables, serials
    _drop_schema(schema)


@pytest.fixture
def empty_database_url(tmp_path):
    """A URL for a database without any table yet (for testing `accord init` itself)."""
    if not TEST_POSTGRES_URL:
        yield f"sqlite:///{tmp_path}/accord.sqlite3"
        return
    schema = _create_schema()
    yield schema_url(TEST_POSTGRES_URL, schema)
    _drop_schema(schema)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """One migrated SQLite file for the session, copied for each test: a copy costs a
    fraction of running the migrations again."""
    path = tmp_path_factory.mktemp("migrated") / "accord.sqlite3"
    open_database(f"sqlite:///{path}")
    migrate(ManualClock(START), plans=ALL_PLANS)
    database.close()
    return path


@pytest.fixture
def database_url(tmp_path, request):
    """A URL for a database of this test's own: a copy of the session's migrated SQLite
    file, or on PostgreSQL the session's migrated schema with every table emptied and its
    ids restarted."""
    if not TEST_POSTGRES_URL:
        path = tmp_path / "accord.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        yield f"sqlite:///{path}"
        return
    url, tables, serials = request.getfixturevalue("migrated_postgres_schema")
    open_database(url)
    with database.atomic():
        for table in tables:
            database.execute_sql(f'DELETE FROM "{table}"')
        restarts = ", ".join(f"setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)" for t in serials)
        database.execute_sql(f"SELECT {restarts}, setval('\"audit_event_positions\"', 1, false)")
    database.close()
    yield url
    if database.obj is not None and not database.is_closed():
        database.close()


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def mail_server():
    """A real SMTP server on a free port of this machine; `.url` for ACCORD_SMTP_URL,
    `.inbox.messages` what it received."""
    from tests.mail_server import MailServer

    with MailServer() as server:
        yield server


@pytest.fixture
def webhook_receiver(monkeypatch):
    """A real HTTP server on this machine receiving webhook deliveries; private addresses
    such as its own are allowed for the test (ACCORD_WEBHOOK_ALLOW_PRIVATE=1)."""
    from tests.webhook_receiver import WebhookReceiver

    monkeypatch.setenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", "1")
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def db(database_url, clock):
    open_database(database_url)
    migrate(clock, plans=ALL_PLANS)
    yield database
    if not database.is_closed():
        database.close()


def table_counts() -> dict[str, int]:
    """Rows per table: two equal snapshots mean nothing was written in between."""
    return {
        table: database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        for table in database.get_tables()
    }


def assert_problem(response, status: int, slug: str | None = None) -> dict:
    """The response is an RFC 9457 problem with `status` (and the type `slug`, if given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if slug:
        assert body["type"].endswith(":" + slug), body["type"]
    return body


PEOPLE = {
    # key: (organization key, roles)
    "admin": ("northwind", ("admin",)),
    "alice": ("northwind", ("account_manager", "point_person")),
    "bob": ("northwind", ("account_manager",)),
    "sam": ("northwind", ()),
    "auditor": ("northwind", ("auditor",)),
    "carla": ("contoso", ("point_person",)),
    "dev": ("contoso", ()),
    "contoso_admin": ("contoso", ("admin",)),
    "contoso_auditor": ("contoso", ("auditor",)),
    "frank": ("fabrikam", ("point_person",)),
    "gina": ("fabrikam", ()),
}


@dataclass
class World:
    """Northwind (supplier) with two customers, Contoso (managed by alice) and Fabrikam (bob)."""

    clock: ManualClock
    orgs: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    projects: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return Actor.of(self.people[key])

    def id(self, key: str) -> int:
        return self.people[key].id

    def token(self, key: str) -> str:
        if key not in self.tokens:
            with write_transaction():
                _, self.tokens[key] = issue_token(self.people[key], self.clock.now(), "test")
        return self.tokens[key]

    def open_dispute(self, account: str = "contoso", by: str | None = None, parties=None, **extra):
        """A dispute in intake on `account`, with a party of each company by default."""
        by = by or ("alice" if account == "contoso" else "bob")
        if parties is None:
            parties = ["sam", "carla"] if account == "contoso" else ["sam", "frank"]
        values = dict(
            title="Invoice dispute",
            summary="Hours billed above the agreed cap.",
            account_id=self.accounts[account].id,
            severity="high",
            party_ids=[self.id(p) for p in parties],
        )
        values.update(extra)
        return services.open_dispute(self.actor(by), self.clock, **values)

    def drive(self, dispute, to_state: str, by: str | None = None):
        """Take a dispute opened with `open_dispute` (default parties) forward to `to_state`."""
        by = by or ("alice" if dispute.account_id == self.accounts["contoso"].id else "bob")
        actor = self.actor(by)
        customer = "carla" if dispute.account_id == self.accounts["contoso"].id else "frank"

        def fire(trigger, **data):
            current = dispute_queries.get_dispute(actor, dispute.id)
            return services.transition(actor, self.clock, dispute.id, trigger=trigger,
                                       expected_version=current.version, **data)

        current = dispute_queries.get_dispute(actor, dispute.id)
        if to_state == "withdrawn":
            return fire("withdraw", reason="settled outside the process")
        path = ["story_gathering", "option_generation", "resolution", "resolved"]
        while current.state != to_state:
            if current.state == "intake":
                current = fire("gather_stories")
            elif current.state == "story_gathering":
                for party in dispute_queries.details(actor, current)["parties"]:
                    services.record_story(actor, self.clock, dispute.id, party_id=party.person.id,
                                          text=f"{party.person.name}'s side of it")
                current = fire("generate_options")
            elif current.state == "option_generation":
                services.propose_option(actor, self.clock, dispute.id, summary="Split the difference",
                                        value_to_supplier=2, value_to_customer=2)
                services.propose_option(actor, self.clock, dispute.id, summary="Credit note",
                                        value_to_supplier=-1, value_to_customer=3)
                current = fire("start_resolution")
            elif current.state == "resolution":
                option = dispute_queries.details(actor, current)["options"][0]
                services.accept_option(actor, self.clock, dispute.id, option_id=option.id)
                services.accept_option(self.actor(customer), self.clock, dispute.id, option_id=option.id)
                current = fire("resolve", option_id=option.id, summary="Split the difference")
            else:
                raise ValueError(f"cannot drive from {current.state} to {to_state}")
            if current.state not in path:
                raise ValueError(f"unexpected state {current.state}")
        return current


@pytest.fixture
def world(db, clock) -> World:
    w = World(clock=clock)
    w.orgs["northwind"] = directory.create_organization(None, clock, name="Northwind Systems", kind="supplier")
    w.orgs["contoso"] = directory.create_organization(None, clock, name="Contoso Retail", kind="customer")
    w.orgs["fabrikam"] = directory.create_organization(None, clock, name="Fabrikam Logistics", kind="customer")
    for key, (org, roles) in PEOPLE.items():
        w.people[key] = directory.create_person(
            None, clock, email=f"{key}@{org}.example", name=key.replace("_", " ").title(),
            organization_id=w.orgs[org].id, roles=roles,
        )
    w.accounts["contoso"] = directory.create_account(
        None, clock, name="Contoso account", supplier_id=w.orgs["northwind"].id,
        customer_id=w.orgs["contoso"].id, manager_ids=[w.id("alice")],
    )
    w.accounts["fabrikam"] = directory.create_account(
        None, clock, name="Fabrikam account", supplier_id=w.orgs["northwind"].id,
        customer_id=w.orgs["fabrikam"].id, manager_ids=[w.id("bob")],
    )
    w.projects["contoso"] = directory.create_project(None, clock, name="POS migration", account_id=w.accounts["contoso"].id)
    w.projects["fabrikam"] = directory.create_project(None, clock, name="WMS rollout", account_id=w.accounts["fabrikam"].id)
    return w


@pytest.fixture
def app(db, database_url, clock):
    from web import create_app

    return create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """The test client, speaking as one of the world's people (`as_=`)."""

    def __init__(self, client, world: World):
        self.client, self.world = client, world

    def _headers(self, as_):
        return {"Authorization": f"Bearer {self.world.token(as_)}"} if as_ else {}

    def get(self, path, as_="alice", **kwargs):
        return self.client.get(path, headers=self._headers(as_), **kwargs)

    def post(self, path, json=None, as_="alice", **kwargs):
        return self.client.post(path, json=json, headers=self._headers(as_), **kwargs)

    def put(self, path, json=None, as_="alice", **kwargs):
        return self.client.put(path, json=json, headers=self._headers(as_), **kwargs)

    def patch(self, path, json=None, as_="alice", **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(as_), **kwargs)

    def delete(self, path, as_="alice", **kwargs):
        return self.client.delete(path, headers=self._headers(as_), **kwargs)


@pytest.fixture
def signed_in(world):
    """Every person of the world holds a token before anything is counted."""
    for key in world.people:
        world.token(key)
    return world


@pytest.fixture
def api(client, world) -> Api:
    return Api(client, world)


PASSWORD = "correct horse battery staple"
# Verifying takes the cost stored in the hash: a cheap one keeps hundreds of sign-ins fast.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """The test client used as a person uses the pages: signs in with a password, sends
    forms with the CSRF token the pages carry, follows nothing unless asked."""

    def __init__(self, app, world: World):
        self.client = app.test_client()
        self.world = world
        self.token = None

    def csrf_from(self, path: str) -> str:
        html = self.client.get(path).get_data(as_text=True)
        return CSRF_FIELD.search(html).group(1)

    def sign_in(self, key: str, password: str = PASSWORD):
        with write_transaction():
            Person.update(password_hash=_PASSWORD_HASH).where(Person.id == self.world.id(key)).execute()
        token = self.csrf_from("/login")
        response = self.client.post("/login", data={"email": self.world.people[key].email,
                                                    "password": password, "csrf_token": token})
        self.token = self.csrf_from("/") if response.status_code == 302 else None
        return response

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        if self.token is not None:
            data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(app, world):
    """A signed-out browser; `browser.sign_in("alice")` makes it Alice's."""
    return Browser(app, world)


@pytest.fixture
def browser_as(app, world):
    """A factory of signed-in browsers, one per person: `browser_as("carla")`."""

    def make(key: str) -> Browser:
        b = Browser(app, world)
        response = b.sign_in(key)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return make
