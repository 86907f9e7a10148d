"""`accord init` upgrades a database exactly as the first release (b71d0b4) wrote it, on
SQLite and PostgreSQL, with nothing lost: every row, the digest taken before, the API
tokens, calendar tokens and browser sessions people already hold. The database files and
how they were made are in tests/fixtures/b71d0b4."""

import json
import sqlite3
import uuid
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
from click.testing import CliRunner

from mediation import ledger
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.db import database
from mediation.db import open_database
from mediation.ledger import AuditEvent
from mediation.parties import Person
from mediation.schema import SchemaVersion
from protocols import search
from tests.conftest import TEST_POSTGRES_URL
from web.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "b71d0b4"
KIND = "postgresql" if TEST_POSTGRES_URL else "sqlite"


def _load_postgres_dump(url: str, dump: str) -> None:
    """Run pg_dump's plain output without psql: its backslash lines are psql's own commands."""
    import psycopg

    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(script)


@pytest.fixture
def old_database(tmp_path):
    """A database of its own holding the b71d0b4 demo, and what was recorded when it was made."""
    facts = json.loads((FIXTURES / f"credentials.{KIND}.json").read_text())
    if not TEST_POSTGRES_URL:
        path = tmp_path / "old.sqlite3"
        with sqlite3.connect(path) as connection:
            connection.executescript((FIXTURES / "demo.sqlite.sql").read_text())
        connection.close()
        yield f"sqlite:///{path}", facts
        return
    import psycopg

    name = f"accord_b71d0b4_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(TEST_POSTGRES_URL)
    url = urlunsplit(parts._replace(path=f"/{name}", query=""))
    _load_postgres_dump(url, (FIXTURES / "demo.postgresql.sql").read_text())
    yield url, facts
    if database.obj is not None and not database.is_closed():
        database.close()
    with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _rows() -> dict[str, list[tuple]]:
    """Every row of every table, in primary key order (a table of one column, such as the
    search index's, by that column)."""
    return {table: [tuple(row) for row in database.execute_sql(f'SELECT * FROM "{table}" ORDER BY {_order(table)}')]
            for table in sorted(database.get_tables())}


def _order(table: str) -> str:
    return "1, 2" if len(database.get_columns(table)) > 1 else "1"


def _old_columns(before: dict[str, list[tuple]], after: dict[str, list[tuple]], widths: dict[str, int]):
    """The rows after the upgrade cut to the columns each table had before it."""
    return {table: [row[: widths[table]] for row in after[table]] for table in before}


def _init(url: str):
    return CliRunner().invoke(main, ["--database", url, "init"])


def test_init_upgrades_the_first_release_with_every_row_kept(old_database):
    url, facts = old_database
    open_database(url)
    assert {table: len(rows) for table, rows in _rows().items()} == facts["rows"]
    before = _rows()
    widths = {table: len(database.get_columns(table)) for table in before}
    database.close()

    result = _init(url)
    assert result.exit_code == 0, result.output

    open_database(url)
    after = _rows()
    kept = _old_columns(before, after, widths)
    applied = kept.pop("schema_version")
    assert set(before.pop("schema_version")) <= set(applied), "the migrations applied before stay recorded"
    rehashed = [_as_before_chains(event) for event in AuditEvent.select().order_by(AuditEvent.id)]
    assert [row[:-2] for row in kept.pop("audit_event")] == [row[:-2] for row in before["audit_event"]]
    assert rehashed == before.pop("audit_event"), "each event's hashes of the single chain are kept"
    assert kept == before
    assert ledger.verify(ledger.Digest.parse(facts["digest"])).ok
    database.close()


def _as_before_chains(event: AuditEvent) -> tuple:
    """The event's row as the single chain had it: its hashes then are its legacy ones."""
    row = database.execute_sql('SELECT * FROM "audit_event" WHERE "id" = %s' % event.id).fetchone()
    return tuple(row[:12]) + (event.legacy_prev_hash, event.legacy_hash)


def test_the_upgrade_gives_each_account_a_chain_of_its_own_that_verifies(old_database):
    url, facts = old_database
    open_database(url)
    old_events = {row[0]: row for row in database.execute_sql('SELECT "id", "subject_type", "subject_id" FROM "audit_event"')}
    database.close()
    assert _init(url).exit_code == 0
    open_database(url)
    events = list(AuditEvent.select().order_by(AuditEvent.sequence))
    assert {event.id for event in events} == set(old_events)
    chains = {}
    for event in events:
        chains.setdefault(event.chain, []).append(event)
    assert "installation" in chains and len([c for c in chains if c.startswith("account:")]) >= 2
    for chain, members in chains.items():
        assert [e.chain_sequence for e in members] == list(range(1, len(members) + 1)), chain
        assert members[0].prev_hash == ledger.GENESIS_HASH
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(members, members[1:]))
    for event in (e for e in events if e.subject_type == "dispute"):
        account = database.execute_sql('SELECT "account_id" FROM "dispute" WHERE "id" = %s' % event.subject_id).fetchone()[0]
        internal = "/internal" if event.data.get("visibility") == "internal" else ""
        assert event.chain == f"account:{account}{internal}"
    assert any(chain.endswith("/internal") for chain in chains), "the internal story went to its own chain"
    assert {e.chain for e in events if e.subject_type in ("organization", "person")} == {"installation"}
    result = ledger.verify(ledger.Digest.parse(facts["digest"]))
    assert result.ok and result.checked == len(events), result
    database.close()


def test_init_on_the_upgraded_first_release_changes_nothing_the_second_time(old_database):
    url, _ = old_database
    assert _init(url).exit_code == 0
    open_database(url)
    once = _rows()
    database.close()

    again = _init(url)
    assert again.exit_code == 0, again.output
    assert "already up to date" in again.output
    assert "applied migration" not in again.output
    open_database(url)
    assert _rows() == once


def test_credentials_people_held_before_the_upgrade_still_work(old_database):
    url, facts = old_database
    assert _init(url).exit_code == 0
    from web import create_app

    moment = datetime.fromisoformat(facts["moment"]) + timedelta(minutes=5)
    app = create_app({"DATABASE_URL": url, "CLOCK": ManualClock(moment), "TESTING": True,
                      "SECRET_KEY": "upgrade-test"})
    client = app.test_client()
    for email, token in facts["api_tokens"].items():
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, (email, me.get_data(as_text=True))
        assert me.get_json()["email"] == email

    calendar = client.get(f"/api/v1/me/calendar.ics?token={facts['calendar_token']['token']}")
    assert calendar.status_code == 200
    assert calendar.mimetype == "text/calendar"

    with client.session_transaction() as session:
        session["key"] = facts["session"]["key"]
    home = client.get("/")
    assert home.status_code == 200
    assert "Alice Moreau" in home.get_data(as_text=True)


def test_what_the_first_release_recorded_is_found_by_search_after_the_upgrade(old_database):
    url, _ = old_database
    assert _init(url).exit_code == 0
    open_database(url)
    alice, carla, frank = (Actor.of(Person.get(Person.email == f"{name}.example"))
                           for name in ("alice@northwind", "carla@contoso", "frank@fabrikam"))

    def found(actor, text):
        return [(hit.title, hit.source) for hit in search.search(actor, text).hits]

    assert found(carla, "duplicate SKUs") == [("Disputed invoices for the March cut-over", "story")]
    assert found(alice, "change-request process skipped") == [("Disputed invoices for the March cut-over", "story")]
    assert found(carla, "change-request process skipped") == [], "an internal story"
    assert found(frank, "duplicate SKUs") == [], "another customer's dispute"
    assert found(frank, "rollout status") == [("Routine protocol of Warehouse system rollout", "agenda")]
    assert ("Escalation protocol of EDI integration", "protocol") in found(alice, "escalation")


def test_a_database_from_a_newer_release_is_refused_and_left_unchanged(old_database):
    url, _ = old_database
    assert _init(url).exit_code == 0
    open_database(url)
    with database.atomic():
        SchemaVersion.insert(component="mediation", version=99, description="from the future",
                             applied_at=datetime.fromisoformat("2030-01-01T00:00:00+00:00")).execute()
    before = _rows()
    database.close()

    result = _init(url)
    assert result.exit_code == 1
    assert "newer release of Accord" in result.output
    assert "mediation 99" in result.output
    assert "left unchanged" in result.output
    open_database(url)
    assert _rows() == before

    other = CliRunner().invoke(main, ["--database", url, "audit", "digest"])
    assert other.exit_code == 1
    assert "newer release of Accord" in other.output
