"""Connections are kept between requests: on SQLite one per thread, on PostgreSQL in a pool
of ACCORD_DB_POOL_SIZE per process. A request never hands the next one a transaction, a
forked child never uses its parent's connections, and a pooled connection whose server
went away is replaced."""

import multiprocessing
import threading
import time

import psycopg
import pytest

from mediation.db import configured_pool_size
from mediation.db import database
from mediation.db import is_postgres
from mediation.db import open_database
from mediation.parties import Organization
from tests.conftest import TEST_POSTGRES_URL

on_postgres = pytest.mark.skipif(not TEST_POSTGRES_URL, reason="PostgreSQL only (ACCORD_TEST_DATABASE_URL)")
on_sqlite = pytest.mark.skipif(bool(TEST_POSTGRES_URL), reason="SQLite only")


def connection_identity():
    """The backend's process id on PostgreSQL, the connection object's identity on SQLite."""
    if is_postgres():
        return database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return id(database.connection())


def in_transaction() -> bool:
    """Whether this thread's connection is inside a transaction, as the driver sees it."""
    connection = database.connection()
    if is_postgres():
        return connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return connection.in_transaction


@pytest.fixture
def probed(app):
    """The app with routes that tell which connection served them, and routes that fail
    with a transaction left open (as a bug would leave one)."""

    @app.get("/_probe/connection")
    def probe():
        return {
            "connection": connection_identity(),
            "in_transaction": in_transaction() or database.in_transaction(),
            "organizations": Organization.select().count(),
        }

    @app.get("/_probe/abandoned-atomic")
    def abandoned_atomic():
        database.atomic().__enter__()  # never left
        Organization.insert(name="Left half-written", kind="customer", created_at="2026-03-02 09:00:00").execute()
        raise RuntimeError("failed inside a transaction nobody closes")

    @app.get("/_probe/raw-begin")
    def raw_begin():
        database.execute_sql("BEGIN")
        Organization.insert(name="Begun and dropped", kind="customer", created_at="2026-03-02 09:00:00").execute()
        raise RuntimeError("failed after a BEGIN of its own")

    return app


def probe(client) -> dict:
    response = client.get("/_probe/connection")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_requests_on_one_thread_reuse_one_connection(probed, api):
    first = probe(api.client)
    assert api.get("/api/v1/me").status_code == 200
    assert api.get("/api/v1/disputes").status_code == 200
    assert probe(api.client)["connection"] == first["connection"]


@on_sqlite
def test_a_kept_sqlite_connection_keeps_its_pragmas(probed, api):
    probe(api.client)
    assert api.get("/api/v1/me").status_code == 200
    connection = database.connection()
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@on_sqlite
def test_each_thread_has_its_own_sqlite_connection(probed, api):
    here = probe(api.client)["connection"]
    seen = []
    worker = threading.Thread(target=lambda: seen.append(probe(probed.test_client())["connection"]))
    worker.start()
    worker.join()
    assert seen and seen[0] != here
    assert probe(api.client)["connection"] == here


@pytest.mark.parametrize("route", ["/_probe/abandoned-atomic", "/_probe/raw-begin"])
def test_a_request_that_raised_leaves_no_transaction_for_the_next(probed, api, route):
    before = probe(api.client)
    with pytest.raises(RuntimeError):
        api.client.get(route)
    after = probe(api.client)
    assert after["in_transaction"] is False
    assert after["organizations"] == before["organizations"]
    assert after["connection"] == before["connection"]
    assert api.get("/api/v1/me").status_code == 200


def _in_child(app, token: str, answer) -> None:
    """Run in a forked child: serve requests, report which connection served them, then
    close everything and collect garbage, as a worker that exits does."""
    import gc

    client = app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
    connection = probe(client)["connection"]
    database.close()
    gc.collect()
    answer.send((me, connection))
    answer.close()


@pytest.mark.parametrize("parent_holds_it", [True, False], ids=["checked-out", "idle"])
def test_a_forked_child_uses_connections_of_its_own(probed, api, world, parent_holds_it):
    token = world.token("carla")
    before = probe(api.client)
    if parent_holds_it:
        database.connect(reuse_if_open=True)
        assert connection_identity() == before["connection"]
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_in_child, args=(probed, token, sending))
    child.start()
    sending.close()
    status, child_connection = receiving.recv()
    child.join(30)
    assert child.exitcode == 0
    assert status == 200
    assert child_connection != before["connection"]
    if parent_holds_it:
        assert connection_identity() == before["connection"]
    assert probe(api.client)["connection"] == before["connection"]
    assert api.get("/api/v1/me", as_="carla").status_code == 200


def test_the_pool_size_must_be_a_whole_number(monkeypatch):
    monkeypatch.delenv("ACCORD_DB_POOL_SIZE", raising=False)
    assert configured_pool_size() == 8
    monkeypatch.setenv("ACCORD_DB_POOL_SIZE", "3")
    assert configured_pool_size() == 3
    for wrong in ("0", "-1", "two", "2.5"):
        monkeypatch.setenv("ACCORD_DB_POOL_SIZE", wrong)
        with pytest.raises(ValueError, match="ACCORD_DB_POOL_SIZE"):
            configured_pool_size()


@on_postgres
def test_the_pool_holds_at_most_its_size(db, database_url, monkeypatch):
    monkeypatch.setenv("ACCORD_DB_POOL_SIZE", "2")
    open_database(database_url)
    backends, holding, done = {}, [threading.Event() for _ in range(3)], [threading.Event() for _ in range(3)]

    def hold(number: int) -> None:
        database.connect()
        backends[number] = connection_identity()
        holding[number].set()
        done[number].wait(30)
        database.close()

    workers = [threading.Thread(target=hold, args=(number,)) for number in range(3)]
    for worker in workers[:2]:
        worker.start()
    assert holding[0].wait(10) and holding[1].wait(10)
    workers[2].start()
    assert not holding[2].wait(0.5), "a third connection was opened beyond ACCORD_DB_POOL_SIZE=2"
    done[0].set()
    assert holding[2].wait(10)
    assert backends[2] == backends[0]
    for event in done:
        event.set()
    for worker in workers:
        worker.join(10)
    assert len(set(backends.values())) == 2


@on_postgres
def test_a_pooled_connection_whose_server_went_away_is_replaced(probed, api):
    gone = probe(api.client)["connection"]
    with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [gone])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [gone]).fetchone()[0]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert api.get("/api/v1/me").status_code == 200
    replaced = probe(api.client)["connection"]
    assert replaced != gone
    assert probe(api.client)["connection"] == replaced
