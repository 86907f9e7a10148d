"""The `accord` command, through click's runner and, for `serve`, a real process."""

import json
import os
import re
import select
import socket
import multiprocessing
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import directory
from mediation import dispute_queries
from mediation import ledger
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
from web import MAX_BODY_BYTES
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


def test_init_creates_the_checkpoint_signing_key_once_and_prints_its_verifier_key(accord, tmp_path, monkeypatch):
    key_file = tmp_path / "keys" / "signing.key"
    key_file.parent.mkdir()
    monkeypatch.setenv("ACCORD_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("ACCORD_LOG_ORIGIN", "northwind.example/accord")
    first = accord("init")
    assert first.exit_code == 0, first.output
    assert f"created the checkpoint signing key {key_file}" in first.output
    assert key_file.stat().st_mode & 0o777 == 0o600
    verifier = checkpoint_notes.parse_verifier_key(first.output.split("verifier key: ")[1].strip())
    assert verifier.name == "northwind.example/accord"
    key_bytes = key_file.read_bytes()
    second = accord("init")
    assert f"kept the existing checkpoint signing key {key_file}" in second.output
    assert key_file.read_bytes() == key_bytes
    assert accord("audit", "verifier-key").output.strip() == first.output.split("verifier key: ")[1].strip()


def test_audit_integrate_makes_the_events_leaves_and_signs_a_checkpoint(bootstrapped):
    events = AuditEvent.select().count()
    result = bootstrapped("audit", "integrate")
    assert result.exit_code == 0, result.output
    assert f"integrated {events} events: the tree has {events}, a checkpoint signed" in result.output
    checkpoint = checkpoint_notes.verify(checkpoints.latest().note, checkpoints.verifier_key())
    assert checkpoint.size == events
    again = bootstrapped("audit", "integrate")
    assert f"integrated 0 events: the tree has {events}, no new checkpoint" in again.output


def test_audit_integrate_without_a_signing_key_says_where_it_looked(bootstrapped, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_SIGNING_KEY_FILE", str(tmp_path / "nowhere.key"))
    result = bootstrapped("audit", "integrate")
    assert result.exit_code == 1
    assert f"no signing key at {tmp_path / 'nowhere.key'}: 'accord init' creates one" in result.output


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


def test_user_roles_and_enable_change_a_person_from_the_command_line(bootstrapped):
    assert bootstrapped("user", "add", "ann@northwind.example", "--name", "Ann", "--org", "Northwind Systems",
                        "--role", "auditor").exit_code == 0
    result = bootstrapped("user", "roles", "ann@northwind.example", "--role", "point_person", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "(admin, point_person)" in result.output
    refused = bootstrapped("user", "roles", "ann@northwind.example", "--role", "auditor", "--role", "admin")
    assert refused.exit_code != 0 and "auditor changes nothing" in refused.output
    assert bootstrapped("user", "disable", "ann@northwind.example").exit_code == 0
    assert "ann@northwind.example enabled" in bootstrapped("user", "enable", "ann@northwind.example").output
    again = bootstrapped("user", "enable", "ann@northwind.example")
    assert again.exit_code != 0 and "is not disabled" in again.output


def test_init_names_the_auditors_an_older_release_let_write(bootstrapped):
    assert bootstrapped("user", "add", "ann@northwind.example", "--name", "Ann", "--org", "Northwind Systems",
                        "--role", "auditor").exit_code == 0
    database.execute_sql("UPDATE person SET roles_text = 'admin,auditor' WHERE email = 'ann@northwind.example'")

    result = bootstrapped("init")

    assert result.exit_code == 0
    assert "warning: ann@northwind.example holds auditor with admin" in result.output
    assert "accord user roles ann@northwind.example" in result.output


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
    assert "SIZE:ROOT" in result.output


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
    assert dispute_queries.is_stale(intake, SystemClock().now()), "the intake dispute is flagged as stale"
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


@pytest.fixture
def served(bootstrapped, database_url):
    """`accord serve` in a process of its own, answering; (port, an administrator's token)."""
    token = bootstrapped("token", "create", "admin@northwind.example").output.strip()
    database.close()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
        env=dict(os.environ, ACCORD_DATABASE_URL=database_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, token
    finally:
        server.terminate()
        server.wait(timeout=10)


LIMIT = MAX_BODY_BYTES
CHUNK = 64 * 1024


def _answer(port: int, head: str, body=(), budget: int = 0) -> tuple[bytes, dict, bytes, int]:
    """Send a request written by hand, then `body` piece by piece while nothing has been
    answered, up to `budget` bytes of it; answer (status line, headers, body, bytes of the
    body sent before the answer came)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode())
        sent = 0
        for piece in body:
            readable, _, _ = select.select([connection], [], [], 0)
            if readable or sent >= budget:
                break
            connection.sendall(piece)
            sent += len(piece)
        answer = connection.makefile("rb")
        status = answer.readline()
        headers = {}
        while (line := answer.readline().decode().strip()):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, answer.read(int(headers.get("content-length", 0))), sent


def _post(path: str, token: str, more: str) -> str:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n{more}\r\n")


def _is_the_apps_413_problem(status: bytes, headers: dict, body: bytes) -> None:
    assert status.startswith(b"HTTP/1.1 413 "), status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem == {"type": "urn:accord:problem:request-entity-too-large", "title": "Request Entity Too Large",
                       "status": 413, "detail": "the request body is larger than the limit"}


def test_serve_answers_a_declared_body_over_the_limit_with_the_apps_413_before_reading_it(served):
    port, token = served
    status, headers, body, _ = _answer(port, _post("/api/v1/disputes", token, f"Content-Length: {LIMIT + 1}\r\n"))
    _is_the_apps_413_problem(status, headers, body)

    head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {100 * LIMIT}\r\n\r\n")
    status, headers, body, _ = _answer(port, head)
    assert status.startswith(b"HTTP/1.1 413 ") and headers["content-type"] == "text/html; charset=utf-8"
    assert b'<h1 id="error-heading">Too large to send</h1>' in body and b"larger than the limit of 1 MiB" in body
    assert b'href="/login">Sign in</a>' in body, "the app's own error page, as to someone not signed in"
    assert headers["x-content-type-options"] == "nosniff" and "frame-ancestors 'none'" in headers[
        "content-security-policy"]

    # The limit itself is allowed, as by the app: this body reaches it, which finds no JSON in it.
    status, headers, body, sent = _answer(port, _post("/api/v1/disputes", token, f"Content-Length: {LIMIT}\r\n"),
                                          [b"x" * CHUNK] * (LIMIT // CHUNK), budget=LIMIT)
    assert sent == LIMIT and status.startswith(b"HTTP/1.1 400 "), status
    assert headers["content-type"] == "application/problem+json"


def test_serve_answers_a_chunked_body_over_the_limit_with_the_apps_413_without_taking_it_all(served):
    port, token = served
    pieces = [b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)] * (64 * LIMIT // CHUNK)
    for attempt in range(5):  # an answer that a reset overtook would show here
        status, headers, body, sent = _answer(port, _post("/api/v1/disputes", token, "Transfer-Encoding: chunked\r\n"),
                                              pieces, budget=64 * LIMIT)
        _is_the_apps_413_problem(status, headers, body)
        assert sent < 16 * LIMIT, f"answered after {sent} bytes: the server took far more than its limit"

    # A client that sends what it has without looking for an answer still reads it.
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(_post("/api/v1/disputes", token, "Transfer-Encoding: chunked\r\n").encode())
        connection.sendall(b"".join(pieces[:48]))
        assert connection.makefile("rb").readline().startswith(b"HTTP/1.1 413 ")


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
