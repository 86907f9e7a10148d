"""The `accord` command, through click's runner and, for `serve`, a real process."""

import os
import re
import socket
import multiprocessing
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from mediation import directory
from mediation import ledger
from mediation import services
from mediation.clock import SystemClock
from mediation.credentials import person_for_token
from mediation.db import database
from mediation.db import open_database
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Story
from mediation.ledger import AuditEvent
from mediation.parties import Organization
from tests.conftest import TEST_POSTGRES_URL
from web.cli import main

TOKEN = re.compile(r"^acc_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def database_url(empty_database_url):
    """The command line starts from a database without any table."""
    return empty_database_url


@pytest.fixture
def accord(database_url):
    """Run `accord --database <this test's database> ...`, returning click's result."""
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, ["--database", database_url, *args], input=input)

    return run


@pytest.fixture
def bootstrapped(accord):
    assert accord("init").exit_code == 0
    assert accord("org", "add", "Northwind Systems", "--kind", "supplier").exit_code == 0
    result = accord("user", "add", "admin@northwind.example", "--name", "Northwind Admin",
                    "--org", "Northwind Systems", "--role", "admin", "--password-stdin",
                    input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    return accord


def test_init_creates_the_schema_and_is_idempotent(accord):
    first = accord("init")
    assert first.exit_code == 0
    assert "applied migration mediation/1" in first.output
    second = accord("init")
    assert second.exit_code == 0
    assert "already up to date" in second.output
    assert "applied" not in second.output


def test_commands_other_than_init_need_a_schema(accord):
    result = accord("org", "list")
    assert result.exit_code != 0
    assert "accord init" in result.output


def test_bootstrapping_as_in_the_design_brief(bootstrapped):
    result = bootstrapped("token", "create", "admin@northwind.example")
    assert result.exit_code == 0
    token = result.output.strip()
    assert TOKEN.match(token), "the token is printed alone"
    person = person_for_token(token)
    assert person.email == "admin@northwind.example"
    assert person.roles == {"admin"}
    assert person.password_hash and "correct horse" not in person.password_hash


def test_a_duplicate_organization_is_refused_with_its_reason(bootstrapped):
    result = bootstrapped("org", "add", "Northwind Systems", "--kind", "supplier")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert Organization.select().count() == 1


def test_user_add_refuses_an_unknown_organization_and_a_short_password(bootstrapped):
    unknown = bootstrapped("user", "add", "x@y.example", "--name", "X", "--org", "Nowhere")
    assert unknown.exit_code != 0 and "does not exist" in unknown.output
    short = bootstrapped("user", "add", "x@y.example", "--name", "X", "--org", "Northwind Systems",
                         "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output


def test_a_revoked_token_no_longer_authenticates(bootstrapped):
    token = bootstrapped("token", "create", "admin@northwind.example").output.strip()
    assert person_for_token(token) is not None
    assert bootstrapped("token", "revoke", "1").exit_code == 0
    assert person_for_token(token) is None
    again = bootstrapped("token", "revoke", "1")
    assert again.exit_code != 0 and "already revoked" in again.output


def test_audit_verify_passes_on_an_intact_chain_and_checks_a_digest(bootstrapped):
    digest = bootstrapped("audit", "digest").output.strip()
    assert re.match(r"^\d+:[0-9a-f]{64}$", digest)
    bootstrapped("org", "add", "Contoso Retail", "--kind", "customer")
    result = bootstrapped("audit", "verify", "--digest", digest)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 3 events verified")


def test_audit_verify_fails_naming_the_first_altered_event(bootstrapped):
    bootstrapped("org", "add", "Contoso Retail", "--kind", "customer")
    AuditEvent.update(payload='{"name":"Someone Else","kind":"customer"}').where(AuditEvent.sequence == 2).execute()
    result = bootstrapped("audit", "verify")
    assert result.exit_code == 1
    assert "event sequence 2" in result.output
    assert "altered" in result.output


def test_audit_verify_refuses_a_malformed_digest(bootstrapped):
    result = bootstrapped("audit", "verify", "--digest", "not-a-digest")
    assert result.exit_code == 2
    assert "SEQUENCE:HASH" in result.output


def test_audit_export_writes_one_json_line_per_event(bootstrapped):
    import json

    result = bootstrapped("audit", "export")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["sequence"] for line in lines] == [1, 2]
    assert lines[1]["kind"] == "person_created"
    assert "correct horse" not in result.output


def test_diagram_draws_every_trigger_of_the_live_definition(accord):
    result = accord("diagram", "dispute")
    assert result.exit_code == 0
    assert result.output.startswith("---") or "stateDiagram" in result.output
    for trigger in ["gather_stories", "generate_options", "start_resolution", "resolve", "revisit",
                    "reopen", "withdraw"]:
        assert trigger in result.output


def test_demo_builds_disputes_in_every_state(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    result = CliRunner().invoke(main, ["demo", "--demo-database", url, "--no-serve"])
    assert result.exit_code == 0, result.output
    tokens = re.findall(r"acc_[A-Za-z0-9_-]{43}", result.output)
    assert len(set(tokens)) >= 8
    assert "Demo password" in result.output
    states = {d.state for d in Dispute.select()}
    assert states == {"intake", "story_gathering", "option_generation", "resolution", "resolved", "withdrawn"}
    assert Organization.select().where(Organization.kind == "customer").count() >= 2
    resolved = Dispute.get(Dispute.state == "resolved")
    assert Commitment.select().where(Commitment.dispute == resolved).count() >= 1
    reopened = AuditEvent.select().where(AuditEvent.kind == "transition", AuditEvent.to_state == "story_gathering",
                                         AuditEvent.from_state == "resolved")
    assert reopened.count() == 1
    assert {s.visibility for s in Story.select()} == {"shared", "internal"}
    intake = Dispute.get(Dispute.state == "intake")
    assert services.is_stale(intake, SystemClock().now()), "the intake dispute is flagged as stale"
    assert ledger.verify().ok
    database.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_the_api_with_a_created_token(bootstrapped, database_url):
    token = bootstrapped("token", "create", "admin@northwind.example").output.strip()
    database.close()
    port = _free_port()
    env = dict(os.environ, ACCORD_DATABASE_URL=database_url)
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/me",
                                         headers={"Authorization": f"Bearer {token}"})
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert '"email":"admin@northwind.example"' in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_calendar_token_reads_feeds_only(bootstrapped):
    token = bootstrapped("token", "create", "admin@northwind.example", "--scope", "calendar").output.strip()
    assert TOKEN.match(token)
    assert person_for_token(token) is None, "not an API token"
    assert person_for_token(token, scopes=("calendar",)).email == "admin@northwind.example"


def test_disabling_a_person_ends_their_tokens_at_once(bootstrapped):
    token = bootstrapped("token", "create", "admin@northwind.example").output.strip()
    result = bootstrapped("user", "disable", "admin@northwind.example")
    assert result.exit_code == 0, result.output
    assert person_for_token(token) is None
    again = bootstrapped("user", "disable", "admin@northwind.example")
    assert again.exit_code != 0 and "already disabled" in again.output
    assert AuditEvent.select().where(AuditEvent.kind == "person_disabled").count() == 1


def test_db_check_passes_on_a_sound_database(bootstrapped):
    result = bootstrapped("db", "check")
    assert result.exit_code == 0, result.output
    assert "2 ledger events verified" in result.output


def test_db_check_exits_1_naming_the_altered_event(bootstrapped):
    bootstrapped("org", "add", "Contoso Retail", "--kind", "customer")
    AuditEvent.update(payload='{"name":"Someone Else","kind":"customer"}').where(AuditEvent.sequence == 3).execute()
    result = bootstrapped("db", "check")
    assert result.exit_code == 1
    assert "event sequence 3" in result.output and "altered" in result.output


def _keep_adding_customers(url: str, stop, added) -> None:
    """A writer of its own process, as `accord serve` would be."""
    open_database(url)
    clock = SystemClock()
    while not stop.is_set():
        directory.create_organization(None, clock, name=f"Customer {added.value}", kind="customer")
        added.value += 1


@pytest.mark.skipif(bool(TEST_POSTGRES_URL), reason="SQLite's online backup")
def test_db_backup_copies_the_database_while_it_is_written_and_the_copy_verifies(bootstrapped, database_url, tmp_path):
    """Another process keeps writing ledger events during the backup; the copy is one
    consistent state of the database, whose chain verifies."""
    context = multiprocessing.get_context("spawn")
    stop, added = context.Event(), context.Value("i", 0)
    writer = context.Process(target=_keep_adding_customers, args=(database_url, stop, added))
    writer.start()
    try:
        while added.value < 20:
            time.sleep(0.01)
        result = bootstrapped("db", "backup", str(tmp_path / "copy.sqlite3"))
        during = added.value
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "copied" in result.output and "pages" in result.output
    assert "ok: backup written to" in result.output
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        customers = copy.execute("SELECT COUNT(*) FROM organization WHERE kind = 'customer'").fetchone()[0]
        events = copy.execute("SELECT COUNT(*) FROM audit_event").fetchone()[0]
    assert 20 <= customers <= during
    assert events == customers + 2, "the supplier, its admin and each customer came with their event"


@pytest.mark.skipif(bool(TEST_POSTGRES_URL), reason="SQLite's online backup")
def test_db_backup_never_overwrites_a_file(bootstrapped, tmp_path):
    target = tmp_path / "existing.sqlite3"
    target.write_text("keep me")
    result = bootstrapped("db", "backup", str(target))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_text() == "keep me"


@pytest.mark.skipif(not TEST_POSTGRES_URL, reason="PostgreSQL's own tools")
def test_db_backup_on_postgresql_points_to_pg_dump(bootstrapped, tmp_path):
    result = bootstrapped("db", "backup", str(tmp_path / "copy.sqlite3"))
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / "copy.sqlite3").exists()
