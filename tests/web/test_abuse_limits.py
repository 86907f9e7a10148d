"""Limits on abuse: what one request may send, read and cost, and what never reaches a log.

- A body over 1 MiB is refused with 413 before it is read, on the API (problem details)
  and on the pages (an error page), with a Content-Length or chunked without one; a field
  of a multipart form over 500 kB too. `accord serve` and gunicorn refuse it the same way.
- A list answers at most 200 items a page; a dispute's or a protocol's history and the
  board come in pages like the rest.
- Expensive requests cannot be used to exhaust the server: compliance covers at most two
  years, ending at most two years from now, whichever bounds are given; the board is computed once at a time per person and
  kept while nothing changes; exports, calendar feeds and whole-chain verifications run
  a few at a time, any more refused at once with Retry-After (429 for one person's, 503
  for the server's).
- Tokens, passwords and password hashes reach no log: neither the app's, nor the servers'
  (gunicorn's access log included), nor peewee's SQL at debug level, nor the command's.
"""

import io
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from mediation import ledger
from mediation import reports
from mediation import services
from mediation.credentials import issue_token
from mediation.db import write_transaction
from mediation.parties import Person
from protocols import board
from protocols import feeds
from tests.conftest import CSRF_FIELD
from tests.conftest import PASSWORD
from tests.conftest import Browser
from tests.conftest import _PASSWORD_HASH
from tests.conftest import assert_problem
from tests.conftest import table_counts
from tests.web.ui.test_protocols import agreed
from tests.web.ui.test_protocols import touch
from web import create_app
from web.cli import main

API = "/api/v1"
LIMIT = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
ACCORD = Path(sys.executable).with_name("accord")
FORM = "application/x-www-form-urlencoded"


def _bearer(world, who: str) -> dict:
    return {"Authorization": f"Bearer {world.token(who)}"}


def _chunked(client, path: str, body: bytes, headers=None, **kwargs):
    """A POST without Content-Length, as a server hands on a chunked request."""
    return client.post(path, input_stream=io.BytesIO(body), headers={"Transfer-Encoding": "chunked", **(headers or {})},
                       environ_overrides={"wsgi.input_terminated": True}, **kwargs)


def _dispute(world, summary: str) -> bytes:
    return json.dumps({"title": "Late deliveries", "summary": summary, "account_id": world.accounts["contoso"].id,
                       "severity": "medium", "party_ids": [world.id("sam"), world.id("carla")]}).encode()


# --- bodies: 413 ------------------------------------------------------------------------------


def test_an_api_body_over_one_mebibyte_is_refused_with_413_with_or_without_a_content_length(client, signed_in):
    world = signed_in
    headers = {**_bearer(world, "alice"), "Content-Type": "application/json"}
    before = table_counts()
    over = _dispute(world, "x" * LIMIT)
    for response in (client.post(f"{API}/disputes", data=over, headers=headers),
                     _chunked(client, f"{API}/disputes", over, headers)):
        assert "larger than the limit" in assert_problem(response, 413, "request-entity-too-large")["detail"]
    assert table_counts() == before
    assert_problem(_chunked(client, f"{API}/disputes", over), 401)  # nothing is read before the caller is known
    assert _chunked(client, f"{API}/disputes", _dispute(world, "Three late deliveries."), headers).status_code == 201


def test_a_page_form_over_the_limit_is_refused_with_an_error_page_and_changes_nothing(browser, browser_as, world):
    csrf = browser.csrf_from("/login")
    login = urlencode({"email": "alice@northwind.example", "password": "x" * LIMIT, "csrf_token": csrf}).encode()
    alice = browser_as("alice")
    dispute = world.open_dispute()
    notes = f"/disputes/{dispute.id}/notes"
    before = table_counts()
    refused = [
        browser.client.post("/login", data=login, content_type=FORM),
        _chunked(browser.client, "/login", login, content_type=FORM),
        alice.post(notes, {"text": "x" * LIMIT, "visibility": "shared"}),
        _chunked(alice.client, notes, urlencode({"text": "x" * LIMIT, "csrf_token": alice.token}).encode(),
                 content_type=FORM),
        # a multipart form under the body's limit, with a field over what one may hold in memory (500 kB)
        alice.client.post(notes, data={"text": "x" * 600_000, "csrf_token": alice.token},
                          content_type="multipart/form-data"),
    ]
    for index, response in enumerate(refused):
        assert response.status_code == 413, (index, response.get_data(as_text=True)[-800:])
        assert response.mimetype == "text/html"
        assert "larger than the limit" in response.get_data(as_text=True)
    assert table_counts() == before


# --- pages of lists ---------------------------------------------------------------------------


# Lists without pages, and what bounds them.
BOUNDED_LISTS = {
    f"{API}/projects/{{project_id}}/protocols": "one protocol per scenario of the project (a unique index)",
    f"{API}/webhooks": "an organization has at most 20 webhooks (outreach.webhooks.MAX_WEBHOOKS)",
}


def _lists(client) -> dict:
    """Every GET of the description whose answer is a list: path -> its query parameters."""
    described = client.get(f"{API}/openapi.json").json
    found = {}
    for path, operations in described["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if "items" in schema.get("properties", {}):
            found[path] = {p["name"]: p for p in operations["get"].get("parameters", []) if p["in"] == "query"}
    return found


def test_every_list_of_the_api_comes_in_pages_of_at_most_200_or_is_bounded_by_its_nature(client):
    lists = _lists(client)
    assert f"{API}/disputes/{{dispute_id}}/history" in lists and f"{API}/protocols/board" in lists
    for path, query in lists.items():
        if path in BOUNDED_LISTS:
            assert "limit" not in query
            continue
        # `before` in a list newest first; an opaque `cursor` in one ranked by relevance
        assert "limit" in query and {"after", "before", "cursor"} & set(query), path
        assert query["limit"]["schema"]["maximum"] <= 200, path


def test_a_list_refuses_a_page_of_more_than_200(api, world):
    dispute = world.open_dispute()
    protocol = agreed(world)
    for path in (f"{API}/disputes", f"{API}/people", f"{API}/protocols", f"{API}/protocols/board",
                 f"{API}/disputes/{dispute.id}/history", f"{API}/protocols/{protocol.id}/history",
                 f"{API}/protocols/{protocol.id}/touchpoints", f"{API}/disputes/{dispute.id}/notes",
                 f"{API}/me/notifications"):
        assert "limit" in assert_problem(api.get(f"{path}?limit=201", as_="admin"), 422)["errors"], path
        assert api.get(f"{path}?limit=200", as_="admin").status_code == 200, path


def _every_page(api, path: str, as_: str) -> tuple[list[dict], int]:
    items, pages = [], 0
    while path:
        answer = api.get(path, as_=as_).json
        items += answer["items"]
        pages += 1
        path = answer["next"]
    return items, pages


def test_a_long_history_comes_in_pages_of_50_and_a_customer_never_sees_an_internal_event(api, world, clock):
    dispute = world.open_dispute()
    actor = world.actor("alice")
    for number in range(60):
        services.add_note(actor, clock, dispute.id, text=f"note {number}",
                          visibility="internal" if number % 3 == 0 else "shared")
    first = api.get(f"{API}/disputes/{dispute.id}/history").json
    assert len(first["items"]) == 50 and first["next"]
    everything, pages = _every_page(api, f"{API}/disputes/{dispute.id}/history", "alice")
    assert pages == 2 and len(everything) == 61
    sequences = [event["sequence"] for event in everything]
    assert sequences == sorted(set(sequences))

    shared, pages = _every_page(api, f"{API}/disputes/{dispute.id}/history?limit=7", "carla")
    assert len(shared) == 41 and pages == 6
    assert all(event["payload"].get("visibility") != "internal" for event in shared)
    assert [e["hash"] for e in shared] == [e["hash"] for e in everything
                                            if e["payload"].get("visibility") != "internal"]
    assert [e["chain_sequence"] for e in shared] == list(range(shared[0]["chain_sequence"], shared[0]["chain_sequence"] + 41)), \
        "the customer's chain has no gap where an internal note was written"
    assert all(e["sequence"] is None for e in shared), "a customer never reads a place among all events"


def test_a_dispute_answers_its_latest_50_notes_and_the_rest_come_in_pages(api, world, clock):
    dispute = world.open_dispute()
    actor = world.actor("alice")
    for number in range(1, 91):
        services.add_note(actor, clock, dispute.id, text=f"note {number}",
                          visibility="internal" if number % 3 == 0 else "shared")
    detail = api.get(f"{API}/disputes/{dispute.id}", as_="alice").json
    assert [n["text"] for n in detail["notes"]] == [f"note {n}" for n in range(41, 91)]
    assert detail["earlier_notes"] == 40

    shared = [f"note {n}" for n in range(1, 91) if n % 3]
    detail = api.get(f"{API}/disputes/{dispute.id}", as_="carla").json
    assert [n["text"] for n in detail["notes"]] == shared[-50:]
    assert detail["earlier_notes"] == len(shared) - 50 == 10

    everything, pages = _every_page(api, f"{API}/disputes/{dispute.id}/notes", "alice")
    assert [n["text"] for n in everything] == [f"note {n}" for n in range(1, 91)] and pages == 2
    theirs, pages = _every_page(api, f"{API}/disputes/{dispute.id}/notes?limit=25", "carla")
    assert [n["text"] for n in theirs] == shared and pages == 3


def test_a_dispute_with_few_notes_answers_them_all(api, world, clock):
    dispute = world.open_dispute()
    services.add_note(world.actor("alice"), clock, dispute.id, text="Only one.")
    detail = api.get(f"{API}/disputes/{dispute.id}", as_="alice").json
    assert ([n["text"] for n in detail["notes"]], detail["earlier_notes"]) == (["Only one."], 0)
    assert api.get(f"{API}/disputes/{dispute.id}/notes", as_="alice").json["next"] is None


def test_the_notes_of_another_customers_dispute_are_not_found(api, world):
    dispute = world.open_dispute()
    assert_problem(api.get(f"{API}/disputes/{dispute.id}/notes", as_="frank"), 404)


def test_a_protocols_history_and_the_board_come_in_pages(api, world, clock):
    routine = agreed(world)
    agreed(world, scenario="incident", cadence={"respond_within_hours": 4})
    agreed(world, scenario="onboarding")
    history, pages = _every_page(api, f"{API}/protocols/{routine.id}/history?limit=2", "alice")
    assert [e["sequence"] for e in history] == [e.sequence for e in ledger.history("protocol", routine.id)]
    assert pages == -(-len(history) // 2) > 1
    whole = api.get(f"{API}/protocols/board").json
    assert len(whole["items"]) == 3 and whole["next"] is None
    paged, pages = _every_page(api, f"{API}/protocols/board?limit=1", "alice")
    assert pages == 3 and paged == whole["items"]


# --- expensive requests -----------------------------------------------------------------------


def test_compliance_covers_at_most_two_years_ending_at_most_two_years_from_now(api, world, browser_as):
    protocol = agreed(world, cadence={"every": 1, "unit": "hours"})
    url = f"{API}/protocols/{protocol.id}/compliance"
    for query in ("?to=8999-01-01T00:00:00Z", "?from=1900-01-02T00:00:00Z",
                  "?from=2026-01-01T00:00:00Z&to=2028-06-01T00:00:00Z",
                  "?from=2500-01-01T00:00:00Z&to=2500-01-08T00:00:00Z"):
        assert "to" in assert_problem(api.get(url + query), 422)["errors"], query
    longest = api.get(url + "?from=2026-03-02T00:00:00Z&to=2028-03-01T00:00:00Z")
    assert longest.status_code == 200 and len(longest.json["windows"]) > 17_000

    alice = browser_as("alice")
    for query in ("?to=2500-01-08", "?from=1900-01-01", "?from=2026-01-01&to=2028-06-01"):
        page = alice.get(f"/protocols/{protocol.id}{query}")
        assert page.status_code == 422 and "two years" in page.get_data(as_text=True), query


class Stalled:
    """Requests that stop inside `name` of `module` until released, each on a thread of its
    own, as a slow export does while it streams."""

    def __init__(self, monkeypatch, module, name: str):
        self.inside = threading.Semaphore(0)
        self.go = threading.Event()
        self.threads = []
        real = getattr(module, name)

        def stalled(*args, **kwargs):
            self.inside.release()
            self.go.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, stalled)

    def start(self, request) -> None:
        thread = threading.Thread(target=request)
        thread.start()
        self.threads.append(thread)
        assert self.inside.acquire(timeout=30), "the request never got inside"

    def release(self) -> None:
        self.go.set()
        for thread in self.threads:
            thread.join(30)


def _read_export(browser):
    return lambda: browser.get("/audit/export.csv").get_data()


def test_one_person_runs_at_most_two_expensive_requests_at_once_and_is_told_when_to_retry(
        browser_as, api, world, monkeypatch):
    world.open_dispute()
    exports = Stalled(monkeypatch, reports, "exported_histories")
    admin = browser_as("admin")
    exports.start(_read_export(browser_as("admin")))
    exports.start(_read_export(browser_as("admin")))
    refused = admin.get("/audit/export.json")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert refused.headers["Retry-After"] == "5" and "Too many requests" in refused.get_data(as_text=True)
    response = api.get(f"{API}/audit/verify", as_="admin")
    assert_problem(response, 429, "too-many-requests")
    assert response.headers["Retry-After"] == "5"
    assert api.get(f"{API}/audit/verify", as_="auditor").status_code == 200
    exports.release()
    assert api.get(f"{API}/audit/verify", as_="admin").status_code == 200
    assert admin.get("/audit/export.json").get_data(as_text=True).startswith("{")


def test_a_server_process_runs_a_few_expensive_requests_at_once_and_refuses_more_with_503(
        database_url, clock, world, monkeypatch):
    app = create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True, "EXPENSIVE_SLOTS": 2})
    world.open_dispute()
    readers = {who: Browser(app, world) for who in ("admin", "auditor", "contoso_auditor")}
    for who, reader in readers.items():
        assert reader.sign_in(who).status_code == 302
    exports = Stalled(monkeypatch, reports, "exported_histories")
    exports.start(_read_export(readers["admin"]))
    exports.start(_read_export(readers["auditor"]))
    busy = readers["contoso_auditor"].get("/audit/export.csv")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5" and busy.mimetype == "text/html"
    client = app.test_client()
    carla = {"Authorization": f"Bearer {world.token('carla')}"}
    assert_problem(client.get(f"{API}/me/calendar.ics", headers=carla), 503, "busy")
    assert client.get(f"{API}/me", headers=carla).status_code == 200
    exports.release()
    assert client.get(f"{API}/me/calendar.ics", headers=carla).status_code == 200


def test_an_export_gives_its_place_back_when_it_has_been_read(browser_as, world):
    world.open_dispute()
    admin = browser_as("admin")
    for _ in range(3):
        assert "Invoice dispute" in admin.get("/audit/export.csv").get_data(as_text=True)


def test_the_board_is_computed_once_while_nothing_changes_and_again_when_anything_does(
        api, world, clock, browser_as, monkeypatch):
    protocol = agreed(world)
    computed = []
    real_board = board.board
    monkeypatch.setattr(board, "board", lambda actor, clock: computed.append(actor.person_id)
                        or real_board(actor, clock))
    alice = browser_as("alice")
    alice.get("/")
    alice.get("/protocols")
    assert api.get(f"{API}/protocols/board").json["items"][0]["status"] == "on_track"
    assert computed == [world.id("alice")]

    carla = api.get(f"{API}/protocols/board", as_="carla").json["items"]
    frank = api.get(f"{API}/protocols/board", as_="frank").json["items"]
    assert [e["protocol_id"] for e in carla] == [protocol.id] and frank == []
    assert computed == [world.id("alice"), world.id("carla"), world.id("frank")]

    clock.advance(days=8)
    assert api.get(f"{API}/protocols/board").json["items"][0]["status"] == "overdue"
    touch(world, protocol, clock.now())
    assert api.get(f"{API}/protocols/board").json["items"][0]["status"] == "on_track"
    clock.advance(seconds=29)
    api.get(f"{API}/protocols/board")
    clock.advance(seconds=1)
    api.get(f"{API}/protocols/board")
    assert computed.count(world.id("alice")) == 4


def test_one_persons_boards_asked_for_at_once_are_computed_once(app, world, monkeypatch):
    agreed(world)
    computed = []
    real_board = board.board

    def slow_board(actor, clock):
        computed.append(actor.person_id)
        time.sleep(0.3)
        return real_board(actor, clock)

    monkeypatch.setattr(board, "board", slow_board)
    headers = {"Authorization": f"Bearer {world.token('alice')}"}
    answers = []

    def ask():
        answers.append(app.test_client().get(f"{API}/protocols/board", headers=headers).json)

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert computed == [world.id("alice")] and len(answers) == 4 and all(a == answers[0] for a in answers)


def test_a_wrong_token_costs_a_read_and_writes_nothing(client, signed_in):
    before = table_counts()
    for _ in range(20):
        guess = {"Authorization": f"Bearer acc_{secrets.token_urlsafe(32)}"}
        assert_problem(client.get(f"{API}/me", headers=guess), 401)
        assert_problem(client.get(f"{API}/me/calendar.ics?token=acc_{secrets.token_urlsafe(32)}"), 401)
    assert table_counts() == before


# --- logs -------------------------------------------------------------------------------------


def _secrets_in(text: str, *candidates: str) -> list[str]:
    return [secret for secret in candidates if secret in text] + (["a password hash"] if "$argon2" in text else [])


def test_a_failure_while_serving_is_logged_without_the_token_of_the_request(
        database_url, clock, signed_in, monkeypatch, caplog):
    """Flask logs an unhandled exception with its traceback; whatever the exception says of
    the request it failed on, the token is gone from the log."""
    world = signed_in
    app = create_app({"DATABASE_URL": database_url, "CLOCK": clock})
    client = app.test_client()
    with write_transaction():
        _, calendar = issue_token(world.people["carla"], clock.now(), "calendar", scope="calendar")

    def failing(actor, clock):
        from flask import request

        raise RuntimeError(f"no feed for {request.url} ({request.headers.get('Authorization')})")

    monkeypatch.setattr(feeds, "person_feed", failing)
    assert client.get(f"{API}/me/calendar.ics?token={calendar}").status_code == 500
    assert client.get(f"{API}/me/calendar.ics", headers=_bearer(world, "carla")).status_code == 500
    assert "Exception on /api/v1/me/calendar.ics [GET]" in caplog.text
    assert "token=[redacted]" in caplog.text and "Bearer [redacted]" in caplog.text
    assert _secrets_in(caplog.text, calendar, world.token("carla")) == []


def test_sql_logged_at_debug_level_holds_no_password_and_no_password_hash(app, api, world, caplog):
    caplog.set_level(logging.DEBUG)
    password = secrets.token_urlsafe(16)
    created = api.post(f"{API}/people", {"email": "hana@contoso.example", "name": "Hana", "roles": ["point_person"],
                                         "organization_id": world.orgs["contoso"].id, "password": password},
                       as_="admin")
    assert created.status_code == 201
    visitor = Browser(app, world)
    for attempt, status in ((f"{password}!", 401), (password, 302)):
        form = {"email": "hana@contoso.example", "password": attempt, "csrf_token": visitor.csrf_from("/login")}
        assert visitor.client.post("/login", data=form).status_code == status
    stored = Person.get(Person.email == "hana@contoso.example").password_hash
    assert "INSERT INTO" in caplog.text and "[redacted]" in caplog.text
    assert _secrets_in(caplog.text, password, stored, world.token("admin")) == []


def test_accord_user_add_prints_and_logs_neither_the_password_nor_its_hash(database_url, world, caplog):
    caplog.set_level(logging.DEBUG)
    password = secrets.token_urlsafe(16)
    result = CliRunner().invoke(main, [
        "--database", database_url, "user", "add", "hana@contoso.example", "--name", "Hana",
        "--org", "Contoso Retail", "--role", "point_person", "--password-stdin",
    ], input=password + "\n")
    assert result.exit_code == 0, result.output
    stored = Person.get(Person.email == "hana@contoso.example").password_hash
    assert _secrets_in(result.output + caplog.text, password, stored) == []


# --- the same, on real servers ----------------------------------------------------------------


SERVERS = {
    "accord serve": lambda port: [str(ACCORD), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"],
    "gunicorn": lambda port: [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf", "--workers", "2",
                              "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "web:create_app()"],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """Accord in a server process of its own, everything it writes kept in a file."""

    def __init__(self, name: str, database_url: str, log_path: Path):
        self.name, self.log_path, self.port = name, log_path, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, ACCORD_DATABASE_URL=database_url, ACCORD_SECRET_KEY=secrets.token_hex(32))
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(SERVERS[name](self.port), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited:\n{self.log_path.read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}{API}/openapi.json", timeout=5).close()
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"{self.name} did not answer:\n{self.log_path.read_text()}")

    def stop(self) -> str:
        """Stop the server and answer everything it wrote."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        return self.log_path.read_text(errors="replace")

    def status(self, path: str, headers=None, body: bytes | None = None, opener=None) -> int:
        request = urllib.request.Request(self.url + path, data=body, headers=headers or {})
        try:
            with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def sign_in(self, email: str, password: str) -> int:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with opener.open(f"{self.url}/login", timeout=30) as page:
            csrf = CSRF_FIELD.search(page.read().decode()).group(1)
        form = urlencode({"email": email, "password": password, "csrf_token": csrf}).encode()
        return self.status("/login", body=form, opener=opener)

    def raw(self, head: str, chunks=()) -> str:
        """The status line answered to a request written by hand."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall(head.encode())
            try:
                for chunk in chunks:
                    connection.sendall(chunk)
            except OSError:
                pass  # the server answered and closed before taking the rest
            return connection.makefile("rb").readline().decode()


@pytest.fixture(params=SERVERS)
def served(request, database_url, signed_in, tmp_path):
    server = Served(request.param, database_url, tmp_path / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_real_server_refuses_a_large_body_without_taking_it_all(served, signed_in):
    chunk = 64 * 1024
    chunks = [b"%x\r\n%s\r\n" % (chunk, b"x" * chunk)] * (LIMIT // chunk + 1) + [b"0\r\n\r\n"]
    for path, kind in ((f"{API}/disputes", "application/json"), ("/login", FORM)):
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {kind}\r\n"
                f"Authorization: Bearer {signed_in.token('alice')}\r\n")
        assert " 413 " in served.raw(head + f"Content-Length: {2 * LIMIT}\r\n\r\n"), (served.name, path)
        assert " 413 " in served.raw(head + "Transfer-Encoding: chunked\r\n\r\n", chunks), (served.name, path)


def test_a_real_server_logs_no_token_password_or_password_hash(served, signed_in):
    world = signed_in
    with write_transaction():
        _, calendar = issue_token(world.people["carla"], world.clock.now(), "calendar", scope="calendar")
        Person.update(password_hash=_PASSWORD_HASH).where(Person.id == world.id("carla")).execute()
    stranger = f"acc_{secrets.token_urlsafe(32)}"
    password = secrets.token_urlsafe(16)
    person = json.dumps({"email": "hana@contoso.example", "name": "Hana", "organization_id": world.orgs["contoso"].id,
                         "password": password}).encode()
    admin = {"Authorization": f"Bearer {world.token('admin')}", "Content-Type": "application/json"}
    answers = [
        served.status(f"{API}/me/calendar.ics?token={calendar}"),
        served.status(f"{API}/me/calendar.ics?token={stranger}"),
        served.status(f"{API}/me", {"Authorization": f"Bearer {world.token('alice')}"}),
        served.status(f"{API}/me", {"Authorization": f"Bearer {stranger}"}),
        served.status(f"{API}/people", admin, person),
        served.sign_in("carla@contoso.example", "not carla's password"),
        served.sign_in("carla@contoso.example", PASSWORD),
        served.sign_in("hana@contoso.example", password),
    ]
    assert answers == [200, 401, 200, 401, 201, 401, 200, 200]
    if served.name == "gunicorn":
        # a request line gunicorn cannot read, which it quotes in its error log
        assert " 400 " in served.raw(f"GET {API}/me/calendar.ics?token={calendar}\t HTTP/1.1\r\n\r\n")
    log = served.stop()
    stored = Person.get(Person.email == "hana@contoso.example").password_hash
    assert _secrets_in(log, calendar, stranger, world.token("alice"), world.token("admin"), PASSWORD,
                       "not carla's password", password, stored, _PASSWORD_HASH) == []
    if served.name == "gunicorn":
        assert f'"GET {API}/me/calendar.ics HTTP/1.1" 200' in log and f'"POST {API}/people HTTP/1.1" 201' in log
        assert "Invalid request" in log and "token=[redacted]" in log
