"""On PostgreSQL an append locks its own chain only: a writer to one account never waits on
a writer to another, while two writers to one chain take turns.

Each writer is a thread with its own connection. A writer holds its transaction open after
appending, so the others run while its chain lock is held; PostgreSQL's own view of the
locks (pg_locks) shows who waits, and the time each append took is measured.
"""

import threading
import time

import pytest

from mediation import ledger
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from tests.conftest import TEST_POSTGRES_URL

pytestmark = pytest.mark.skipif(not TEST_POSTGRES_URL, reason="SQLite has one write lock for the whole database")

WAIT = 30  # seconds before the test gives up on a step


def advisory_waits(*writers: "Writer") -> int:
    """How many of these writers' sessions wait for an advisory lock right now (other tests
    of the run, in schemas of their own, take such locks too)."""
    pids = [writer.pid for writer in writers if writer.pid is not None]
    if not pids:
        return 0
    marks = ", ".join("%s" for _ in pids)
    return database.execute_sql(
        f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid IN ({marks})",
        pids).fetchone()[0]


class Writer(threading.Thread):
    """Appends one event to an account's chain, then keeps its transaction (and so the
    chain's lock) open until told to commit."""

    def __init__(self, clock, account_id: int):
        super().__init__(daemon=True)
        self.clock, self.account_id = clock, account_id
        self.appended = threading.Event()
        self.commit = threading.Event()
        self.took = None
        self.error = None
        self.pid = None
        self.connected = threading.Event()

    def run(self):
        try:
            with write_transaction():
                self.pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
                self.connected.set()
                started = time.monotonic()
                ledger.append("account", self.account_id, "contact_ceiling_changed", account_id=self.account_id,
                              actor=ledger.SYSTEM, at=self.clock.now(), payload={"writer": self.name})
                self.took = time.monotonic() - started
                self.appended.set()
                assert self.commit.wait(WAIT)
        except BaseException as error:  # reported by the test thread
            self.error = error
            self.appended.set()
        finally:
            database.close()


def start(clock, account_id: int) -> Writer:
    writer = Writer(clock, account_id)
    writer.start()
    return writer


def finish(*writers: Writer) -> None:
    for writer in writers:
        writer.commit.set()
        writer.join(WAIT)
        assert writer.error is None, writer.error


def test_writers_to_different_accounts_never_wait_on_each_other(world, clock):
    contoso, fabrikam = world.accounts["contoso"].id, world.accounts["fabrikam"].id
    first = start(clock, contoso)
    assert first.appended.wait(WAIT)
    second = start(clock, fabrikam)
    assert second.appended.wait(WAIT), "the second writer waited on the first one's account"
    assert second.error is None
    assert advisory_waits(first, second) == 0
    finish(first, second)
    print(f"\nappend on another account while the first held its lock: {second.took * 1000:.1f} ms")
    assert ledger.verify().ok


def test_writers_to_one_account_take_turns_and_the_wait_is_seen(world, clock):
    contoso = world.accounts["contoso"].id
    first = start(clock, contoso)
    assert first.appended.wait(WAIT)
    second = start(clock, contoso)
    assert second.connected.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while advisory_waits(second) != 1:
        assert time.monotonic() < deadline, "the second writer never waited for the chain's lock"
        time.sleep(0.01)
    held = 0.3
    time.sleep(held)
    assert not second.appended.is_set(), "two writers appended to one chain at once"
    finish(first)
    assert second.appended.wait(WAIT)
    finish(second)
    print(f"\nappend on the same account waited for the first writer: {second.took * 1000:.1f} ms")
    assert second.took >= held
    chain = list(AuditEvent.select().where(AuditEvent.chain == f"account:{contoso}")
                 .order_by(AuditEvent.chain_sequence))
    assert chain[-1].prev_hash == chain[-2].hash, "the second chained onto the first"
    assert ledger.verify().ok


def test_an_internal_event_does_not_wait_on_its_accounts_shared_chain(world, clock):
    contoso = world.accounts["contoso"].id
    first = start(clock, contoso)
    assert first.appended.wait(WAIT)
    done = threading.Event()

    def internal():
        with write_transaction():
            ledger.append("dispute", 1, "note_added", account_id=contoso, actor=ledger.SYSTEM, at=clock.now(),
                          payload={"visibility": "internal"})
        database.close()
        done.set()

    threading.Thread(target=internal, daemon=True).start()
    assert done.wait(WAIT), "the internal chain waited on the shared one"
    finish(first)
