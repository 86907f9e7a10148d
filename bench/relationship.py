"""Benchmark: the relationship and contacts views of an account with 1,000 disputes and 100,000
touchpoints.

One supplier and one customer, their people and the account are made with
`mediation.directory` (a few calls); projects, agreed protocols, touchpoints over the last
year (a third started by each company, a third not recorded), disputes in every state with
their options, commitments and the audit events of their state changes are written in
bulk (chunked inserts; the events carry no real hashes, which the views never check).
`build_world` makes such an account and `grow` adds disputes to it. The touchpoints fall
at random on three people of each side and ten projects, so nearly every day of each
customer person is a collision: the contacts view's worst case.

The world is first built with `--small` disputes (10) and each view's SQL statements are
counted; then it grows to `--disputes` and each view is measured again: its wall time
(first run and median of `--repeat`) as the supplier's administrator and as the
customer's point person, and its statements. Targets: under 300 ms at full size, and the
same number of statements at both sizes. PASS or FAIL next to each; the exit status is 0
even when a target fails.

    cd /work/main && .venv/bin/python bench/relationship.py                      # SQLite
    cd /work/main && .venv/bin/python bench/relationship.py --database postgresql
    cd /work/main && .venv/bin/python bench/relationship.py --disputes 100 --touchpoints 2000   # a quick look
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

from peewee import fn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compliance import CountingQueries  # noqa: E402
from load import fresh_database  # noqa: E402
from mediation import directory  # noqa: E402
from mediation import ledger  # noqa: E402
from mediation.access import Actor  # noqa: E402
from mediation.clock import ManualClock  # noqa: E402
from mediation.db import database  # noqa: E402
from mediation.db import is_postgres  # noqa: E402
from mediation.db import open_database  # noqa: E402
from mediation.db import write_transaction  # noqa: E402
from mediation.disputes import Commitment  # noqa: E402
from mediation.disputes import Dispute  # noqa: E402
from mediation.disputes import Option  # noqa: E402
from mediation.ledger import AuditEvent  # noqa: E402
from mediation.schema import migrate  # noqa: E402
from outreach import install as install_outreach  # noqa: E402
from outreach.schema import ALL_PLANS  # noqa: E402
from protocols import air_traffic  # noqa: E402
from protocols import relationship  # noqa: E402
from protocols.models import Protocol  # noqa: E402
from protocols.models import ProtocolVersion  # noqa: E402
from protocols.models import Touchpoint  # noqa: E402

DEFAULT_POSTGRES_URL = os.environ.get("ACCORD_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
YEAR = timedelta(days=365)
TARGET_SECONDS = 0.300
PROJECTS = 10
CHUNK = 500
PATH = ("intake", "story_gathering", "option_generation", "resolution", "resolved")
# Where disputes end, with weights: most resolved, some reopened and resolved again.
ENDINGS = (("resolved", 50), ("reopened", 5), ("withdrawn", 10), ("intake", 10), ("story_gathering", 10),
           ("option_generation", 8), ("resolution", 7))
INITIATORS = ("supplier", "customer", None)


@dataclass
class World:
    """The account measured, and who reads it."""

    account_id: int
    supplier_admin: Actor
    customer_person: Actor
    supplier_people: list[int]
    customer_people: list[int]
    protocol_ids: list[int]
    rng: random.Random
    disputes: int = 0
    sequence: int = 0
    chain_sequence: int = 0  # the last place taken in the account's shared chain


def _insert(model, rows: list[dict]) -> None:
    with write_transaction():
        for start in range(0, len(rows), CHUNK):
            model.insert_many(rows[start:start + CHUNK]).execute()


def build_world(clock, *, disputes: int, touchpoints: int, seed: int = 7) -> World:
    """An account between Northwind and Contoso with `disputes` disputes and `touchpoints`
    touchpoints over the last year, on the database already open and migrated."""
    rng = random.Random(seed)
    northwind = directory.create_organization(None, clock, name="Northwind Systems", kind="supplier")
    contoso = directory.create_organization(None, clock, name="Contoso Retail", kind="customer")
    people = {}
    for key, organization, roles in (("admin", northwind, ("admin",)), ("alice", northwind, ("account_manager",)),
                                     ("erin", northwind, ("point_person",)), ("sam", northwind, ()),
                                     ("carla", contoso, ("point_person",)), ("frank", contoso, ("point_person",)),
                                     ("dev", contoso, ())):
        people[key] = directory.create_person(None, clock, email=f"{key}@{organization.name.split()[0].lower()}.example",
                                              name=key.title(), organization_id=organization.id, roles=roles)
    account = directory.create_account(None, clock, name="Contoso strategic account", supplier_id=northwind.id,
                                       customer_id=contoso.id, manager_ids=[people["alice"].id])
    supplier_people = [people[k].id for k in ("alice", "erin", "sam")]
    customer_people = [people[k].id for k in ("carla", "frank", "dev")]
    start = NOW - YEAR - timedelta(days=30)
    protocol_ids = []
    for number in range(PROJECTS):
        project = directory.create_project(None, clock, name=f"Project {number + 1}", account_id=account.id)
        for scenario, cadence in (("routine", {"every": 1, "unit": "weeks"}),
                                  ("onboarding", {"every": 1, "unit": "days"})):
            with write_transaction():
                protocol = Protocol.create(project=project, scenario=scenario, created_by=people["alice"].id,
                                           created_at=start)
                ProtocolVersion.create(
                    protocol=protocol, number=1, status="agreed", cadence=cadence, phases=[], channel="video",
                    supplier_point_person=supplier_people[number % 3], customer_point_person=customer_people[number % 3],
                    backup_ids=[], agenda="", escalation=[], timezone="Europe/Berlin", in_force_from=start,
                    created_by=people["alice"].id, created_at=start)
            protocol_ids.append(protocol.id)
    world = World(account.id, Actor.of(people["admin"]), Actor.of(people["carla"]), supplier_people,
                  customer_people, protocol_ids, rng)
    seconds = int(YEAR.total_seconds())
    rows = [{"protocol": rng.choice(protocol_ids), "occurred_at": NOW - timedelta(seconds=rng.randrange(seconds)),
             "channel": "video", "supplier_person": rng.choice(supplier_people),
             "customer_person": rng.choice(customer_people), "summary": "Status.", "logged_by": supplier_people[0],
             "created_at": NOW, "initiated_by": rng.choice(INITIATORS)} for _ in range(touchpoints)]
    _insert(Touchpoint, rows)
    world.sequence = AuditEvent.select(fn.MAX(AuditEvent.sequence)).scalar() or 0
    world.chain_sequence = AuditEvent.select(fn.MAX(AuditEvent.chain_sequence)).where(
        AuditEvent.chain == ledger.chain_name(world.account_id)).scalar() or 0
    grow(world, disputes)
    return world


def _event(world: World, dispute_id: int, at: datetime, kind: str, from_state, to_state) -> dict:
    world.sequence += 1
    world.chain_sequence += 1
    return {"sequence": world.sequence, "chain": ledger.chain_name(world.account_id),
            "chain_sequence": world.chain_sequence, "occurred_at": at, "actor_person_id": world.supplier_people[0],
            "actor_organization_id": None, "actor_role": "account_manager", "subject_type": "dispute",
            "subject_id": dispute_id, "kind": kind, "from_state": from_state, "to_state": to_state, "payload": "{}",
            "prev_hash": "0" * 64, "hash": f"{world.sequence:064x}"}


def grow(world: World, disputes: int) -> None:
    """`disputes` more disputes on the account, opened over the last year, each taken along
    the process to an ending of ENDINGS, with the options, commitments and state-change
    events that gives it."""
    rng = world.rng
    first = (Dispute.select(Dispute.id).order_by(Dispute.id.desc()).scalar() or 0) + 1
    dispute_rows, option_rows, commitment_rows, events = [], [], [], []
    option_id = (Option.select(Option.id).order_by(Option.id.desc()).scalar() or 0) + 1
    for dispute_id in range(first, first + disputes):
        ending = rng.choices([e for e, _ in ENDINGS], weights=[w for _, w in ENDINGS])[0]
        at = NOW - timedelta(days=rng.uniform(5, 360))
        opened = at
        events.append(_event(world, dispute_id, at, "opened", None, "intake"))
        steps = {"reopened": PATH[1:] + ("story_gathering", "option_generation", "resolution", "resolved"),
                 "withdrawn": ("withdrawn",)}.get(ending, PATH[1:PATH.index(ending) + 1] if ending in PATH else ())
        state = "intake"
        for following in steps:
            at += timedelta(hours=rng.uniform(2, 96))
            events.append(_event(world, dispute_id, at, "transition", state, following))
            state = following
        chosen = None
        if state in ("option_generation", "resolution", "resolved"):
            for number in range(2):
                option_rows.append({"id": option_id, "dispute": dispute_id, "summary": f"Option {number}",
                                    "value_to_supplier": rng.randint(-2, 5), "value_to_customer": rng.randint(-2, 5),
                                    "proposed_by": world.supplier_people[0], "created_at": opened})
                chosen = chosen or option_id
                option_id += 1
        if state == "resolved":
            for person in (rng.choice(world.supplier_people), rng.choice(world.customer_people)):
                due = at + timedelta(days=rng.uniform(1, 30))
                status = rng.choice(("kept", "open", "broken")) if due < NOW else "open"
                commitment_rows.append({"dispute": dispute_id, "person": person, "description": "Deliver.",
                                        "due_at": due, "status": status, "recorded_by": world.supplier_people[0],
                                        "created_at": at, "settled_at": None if status == "open" else due})
        dispute_rows.append({"id": dispute_id, "title": f"Dispute {dispute_id}", "summary": "A disagreement.",
                             "account": world.account_id, "severity": "medium", "state": state, "version": 1,
                             "opened_by": world.supplier_people[0], "mediator": world.supplier_people[0],
                             "resolution_option_id": chosen if state == "resolved" else None,
                             "resolution_summary": "Agreed." if state == "resolved" else None,
                             "created_at": opened, "updated_at": at, "state_changed_at": at})
    _insert(Dispute, dispute_rows)
    _insert(Option, option_rows)
    _insert(Commitment, commitment_rows)
    _insert(AuditEvent, events)
    world.disputes += disputes


# The views measured: the relationship, and its air traffic (who is in contact with whom).
VIEWS = (("relationship", relationship.relationship), ("contacts", air_traffic.contacts))


def statements(view, world: World, clock, actor: Actor) -> int:
    with CountingQueries(database.obj) as counted:
        view(actor, clock, world.account_id)
    return counted.count


def timed(view, world: World, clock, actor: Actor, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        view(actor, clock, world.account_id)
        times.append(time.perf_counter() - began)
    return times


def settle() -> None:
    """Statistics and visibility as autovacuum leaves them after a bulk load, which a
    freshly loaded PostgreSQL table lacks: without them no index-only scan is chosen."""
    if is_postgres():
        database.execute_sql("VACUUM ANALYZE")


def measure(kind: str, args) -> bool:
    clock = ManualClock(NOW)
    with tempfile.TemporaryDirectory() as workdir, \
            fresh_database(kind, args.postgres_url, workdir, label="relationship") as url:
        open_database(url)
        install_outreach()
        migrate(clock, plans=ALL_PLANS)
        began = time.perf_counter()
        world = build_world(clock, disputes=args.small, touchpoints=args.touchpoints)
        callers = (("supplier administrator", world.supplier_admin), ("customer point person", world.customer_person))
        small = {(view, name): statements(read, world, clock, actor)
                 for view, read in VIEWS for name, actor in callers}
        grow(world, args.disputes - args.small)
        settle()
        built = time.perf_counter() - began
        print(f"\n{kind}: {world.disputes:,} disputes, {args.touchpoints:,} touchpoints, "
              f"{len(world.protocol_ids)} protocols (world built in {built:.1f} s)")
        print(f"  {'view':<13} {'caller':<24} {'first':>9} {'median':>9} {'target':>9}   "
              f"{'queries at ' + str(args.small):>16} {'at ' + f'{args.disputes:,}':>9} {'ratio':>6}")
        ok = True
        for view, read in VIEWS:
            for name, actor in callers:
                times = timed(read, world, clock, actor, args.repeat)
                middle = statistics.median(times)
                large = statements(read, world, clock, actor)
                fast, flat = middle < TARGET_SECONDS, large == small[view, name]
                ok = ok and fast and flat
                print(f"  {view:<13} {name:<24} {times[0] * 1000:>7.0f}ms {middle * 1000:>7.0f}ms "
                      f"{TARGET_SECONDS * 1000:>7.0f}ms   {small[view, name]:>16} {large:>9} "
                      f"{large / small[view, name]:>6.2f}   "
                      f"{'PASS' if fast else 'FAIL'} time, {'PASS' if flat else 'FAIL'} queries")
        database.close()
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--disputes", type=int, default=1_000)
    parser.add_argument("--small", type=int, default=10, help="disputes at the first count of queries (default 10)")
    parser.add_argument("--touchpoints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        measure(kind, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
