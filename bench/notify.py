"""Benchmark: notifications delivered to 10,000 people, with digests, to a real SMTP server.

For each database, in a fresh database of its own (a SQLite file in a temporary directory,
or a PostgreSQL database created here and dropped afterwards):

1. seed a supplier and a customer with `--people` people between them (rows written at
   once: seeding is not what is measured), one account, one dispute;
2. tell every person `--per-person` things in the transactions they would come in (one
   to wait on them, mailed at once; the rest dispute and protocol updates, for the daily
   digest), through `outreach.notices.notify`, and time it;
3. run rounds of delivery (`outreach.delivery.deliver_due`) at the digest hour until the
   outbox is empty, sending to an SMTP server (aiosmtpd) in this process;
4. run one more round, which must compose and send nothing.

Printed: notifications written per second, mails composed and sent per second, the
statements and the database time each notification cost over the whole delivery, and the
second run's mails (it must be 0). The exit status is 1 if the second run sent anything
or a person did not get their mails.

    cd /work/main && .venv/bin/python bench/notify.py                       # both databases
    cd /work/main && .venv/bin/python bench/notify.py --database sqlite --people 2000
"""

import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone

from aiosmtpd.controller import Controller
from peewee import Database

from load import fresh_database
from load import free_port
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.db import database
from mediation.db import open_database
from mediation.db import write_transaction
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.schema import migrate
from outreach import install
from outreach.config import MailConfig
from outreach.delivery import deliver_due
from outreach.models import Mail
from outreach.notices import Notice
from outreach.notices import notify
from outreach.schema import ALL_PLANS

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MORNING = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)  # after every default digest hour


class Counted:
    """What an SMTP server received: only a count, as the benchmark needs."""

    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        with self.received.get_lock():
            self.received.value += 1
        return "250 OK"


def _serve_smtp(port: int, received, stop) -> None:
    controller = Controller(Counted(received), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


@contextmanager
def smtp_server():
    """An SMTP server in a process of its own, so that it takes no time from the one measured;
    yields its count of messages received and its URL."""
    port = free_port()
    received, stop = multiprocessing.Value("i", 0), multiprocessing.Event()
    server = multiprocessing.Process(target=_serve_smtp, args=(port, received, stop), daemon=True)
    server.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield received, f"smtp://127.0.0.1:{port}"
    finally:
        stop.set()
        server.join(timeout=10)


class Statements:
    """Every statement the database runs, counted and timed."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self._original = Database.execute_sql

    def __enter__(self):
        statements = self

        def counted(db, sql, params=None, *args, **kwargs):
            started = time.perf_counter()
            try:
                return statements._original(db, sql, params, *args, **kwargs)
            finally:
                statements.count += 1
                statements.seconds += time.perf_counter() - started

        Database.execute_sql = counted
        return self

    def __exit__(self, *exc):
        Database.execute_sql = self._original


def seed(people: int, clock) -> tuple[int, int]:
    """The people, an account between the two companies, a dispute on it; its id and account's."""
    install()
    migrate(clock, plans=ALL_PLANS)
    with write_transaction():
        supplier = Organization.create(name="Northwind Systems", kind="supplier", created_at=clock.now())
        customer = Organization.create(name="Contoso Retail", kind="customer", created_at=clock.now())
        rows = [{"email": f"person{n}@{'northwind' if n % 3 == 0 else 'contoso'}.example", "name": f"Person {n}",
                 "organization": supplier.id if n % 3 == 0 else customer.id,
                 "roles_text": "account_manager" if n == 0 else "", "created_at": clock.now()}
                for n in range(people)]
        for start in range(0, len(rows), 500):
            Person.insert_many(rows[start:start + 500]).execute()
        account = Account.create(name="Contoso account", supplier=supplier, customer=customer, created_at=clock.now())
        manager = Person.get(Person.email == "person0@northwind.example")
        AccountManager.create(account=account, person=manager)
    dispute = services.open_dispute(Actor.of(manager), clock, title="Hours billed above the cap",
                                    summary="The March invoice bills 60 hours above the cap.",
                                    account_id=account.id, severity="high", party_ids=[])
    return dispute.id, account.id


def measure(kind: str, args) -> bool:
    with tempfile.TemporaryDirectory(prefix="accord-notify-") as workdir, \
            fresh_database(kind, args.postgres_url, workdir, "notify") as url, smtp_server() as (inbox, smtp_url):
        open_database(url)
        clock = ManualClock(MORNING.replace(hour=6))
        print(f"\n== {kind}: seeding {args.people:,} people in {url}", flush=True)
        dispute_id, account_id = seed(args.people, clock)
        ids = [person_id for (person_id,) in Person.select(Person.id).tuples()]

        started = time.perf_counter()
        kinds = ["waiting_on_you"] + ["dispute_update", "protocol_update"] * args.per_person
        for number, kind_name in enumerate(kinds[:args.per_person]):
            for start in range(0, len(ids), 1000):
                with write_transaction():
                    notify(ids[start:start + 1000], Notice(
                        kind_name, "dispute", dispute_id, account_id, f"bench:{number}",
                        f"Hours billed above the cap: update {number}", f"/disputes/{dispute_id}"), clock.now())
        told = len(ids) * args.per_person
        writing = time.perf_counter() - started
        print(f"   told {told:,} notifications in {writing:.1f} s", flush=True)

        clock.set(MORNING)
        config = MailConfig(smtp_url=smtp_url, base_url="https://accord.example.com", daily_limit=12)
        with Statements() as statements:
            started = time.perf_counter()
            rounds, composed, sent = 0, 0, 0
            while True:
                done = deliver_due(clock, config)
                rounds += 1
                composed += done.composed
                sent += done.sent.sent
                if done.waiting == 0 and not done.composed:
                    break
            seconds = time.perf_counter() - started
        again = deliver_due(clock, config)
        mailed = Counter(person_id for (person_id,) in Mail.select(Mail.person).tuples())
        engine = "PostgreSQL" if kind == "postgresql" else "SQLite"
        print(f"\nNotifications delivered by mail: {engine}, {args.people:,} people, {args.per_person} each "
              f"(1 at once, the rest in a daily digest)")
        print(f"  notifications written      {told:>10,}   {told / writing:>9,.0f} per s")
        print(f"  mails composed and sent    {sent:>10,}   {sent / seconds:>9,.0f} per s   "
              f"({rounds} rounds, {seconds:.1f} s; the SMTP server received {inbox.value:,})")
        print(f"  database per notification  {statements.count / told:>10.2f} statements, "
              f"{statements.seconds / told * 1000:.3f} ms")
        print(f"  a second run               {again.composed:>10} mails composed, {again.sent.sent} sent, "
              f"{again.told} notifications")
        ok = (again.composed == 0 and again.sent.sent == 0 and inbox.value == sent == composed
              and all(mailed.get(person_id, 0) == 2 for person_id in ids))
        print(f"  {'PASS' if ok else 'FAIL'}: every person got one mail at once and one digest; "
              "the second run sent nothing")
        database.close()
        return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--per-person", type=int, default=3, help="notifications per person (default 3)")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = [measure(kind, args) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    os.environ.pop("ACCORD_SMTP_URL", None)
    sys.exit(main())
