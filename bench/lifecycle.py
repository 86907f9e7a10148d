"""Benchmark: disputes driven through the whole lifecycle, every step audited.

K disputes go intake -> story_gathering -> option_generation -> resolution -> resolved
through `mediation.services` on a SQLite file in a temporary directory, exactly as the
API would drive them: open, gather_stories, a story from each party, generate_options,
two options, start_resolution, an acceptance from each company, resolve. That is four
transitions and eleven audited writes per dispute.

Printed figures:

- audited transitions per second, timing only the `services.transition` calls;
- the whole journey (every service call of every dispute), as disputes and audited
  writes per second;
- a baseline: the same row writes a transition makes (a conditional UPDATE of the
  dispute's state/version/timestamps and an INSERT of one audit_event row), done with bare
  peewee, one `write_transaction()` each, on the same database with the same SQLite
  settings (WAL, synchronous=NORMAL, BEGIN IMMEDIATE), as many transitions as ours and
  interleaved with ours block by block so that both see the database at the same size;
  and the ratio ours/baseline;
- resident memory after 1,000 and after 10,000 disputes (or 1/10 and all of a shorter
  run) and the growth between the two.

Each figure is printed next to its target with PASS or FAIL. The exit status is 0 even
when a target fails.

    cd /work/main && .venv/bin/python bench/lifecycle.py            # 10,000 disputes
    cd /work/main && .venv/bin/python bench/lifecycle.py --quick    # a short run
"""

import argparse
import gc
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from datetime import timezone
from pathlib import Path

import psutil

from mediation import directory
from mediation import hooks
from mediation import ledger
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.clock import SystemClock
from mediation.db import database
from mediation.db import open_database
from mediation.db import write_transaction
from mediation.disputes import Dispute
from mediation.ledger import AuditEvent
from mediation.schema import migrate

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
MiB = 1024 * 1024

TARGET_TRANSITIONS_PER_SECOND = 1_000
TARGET_RATIO = 0.5
TARGET_GROWTH_MIB = 10.0

TRANSITIONS_PER_DISPUTE = 4
# open + 4 transitions + 2 stories + 2 options + 2 acceptances
WRITES_PER_DISPUTE = 11


# --- the world ---------------------------------------------------------------------------


class World:
    """Northwind (supplier) with two customers, as in tests/conftest.py."""

    def __init__(self, clock):
        self.clock = clock
        c = clock
        northwind = directory.create_organization(None, c, name="Northwind Systems", kind="supplier")
        contoso = directory.create_organization(None, c, name="Contoso Retail", kind="customer")
        fabrikam = directory.create_organization(None, c, name="Fabrikam Logistics", kind="customer")

        def person(key, org, roles):
            return directory.create_person(
                None, c, email=f"{key}@{org.name.split()[0].lower()}.example",
                name=key.title(), organization_id=org.id, roles=roles,
            )

        alice = person("alice", northwind, ("account_manager", "point_person"))
        bob = person("bob", northwind, ("account_manager",))
        sam = person("sam", northwind, ())
        carla = person("carla", contoso, ("point_person",))
        frank = person("frank", fabrikam, ("point_person",))
        contoso_account = directory.create_account(
            None, c, name="Contoso account", supplier_id=northwind.id,
            customer_id=contoso.id, manager_ids=[alice.id],
        )
        fabrikam_account = directory.create_account(
            None, c, name="Fabrikam account", supplier_id=northwind.id,
            customer_id=fabrikam.id, manager_ids=[bob.id],
        )
        # (account, managing actor, customer actor, party ids), alternated dispute by dispute
        self.lanes = [
            (contoso_account.id, Actor.of(alice), Actor.of(carla), [sam.id, carla.id]),
            (fabrikam_account.id, Actor.of(bob), Actor.of(frank), [sam.id, frank.id]),
        ]


class Timings:
    def __init__(self):
        self.transition_seconds = 0.0
        self.transitions = 0
        self.journey_seconds = 0.0
        self.disputes = 0
        self.writes = 0


def drive_one(world: World, n: int, timings: Timings) -> int:
    """Open dispute number `n` and take it to resolved; return its id."""
    clock = world.clock
    account_id, manager, customer, party_ids = world.lanes[n % 2]
    perf = time.perf_counter
    journey_start = perf()

    def fire(dispute_id, version, trigger, **data):
        started = perf()
        dispute = services.transition(manager, clock, dispute_id, trigger=trigger,
                                      expected_version=version, **data)
        timings.transition_seconds += perf() - started
        timings.transitions += 1
        return dispute

    dispute = services.open_dispute(
        manager, clock, title=f"Invoice dispute {n}", summary="Hours billed above the agreed cap.",
        account_id=account_id, severity="high", party_ids=party_ids,
    )
    dispute_id, version = dispute.id, dispute.version
    version = fire(dispute_id, version, "gather_stories").version
    for party_id in party_ids:
        services.record_story(manager, clock, dispute_id, party_id=party_id,
                              text=f"Party {party_id}'s side of it", expected_version=version)
        version += 1
    version = fire(dispute_id, version, "generate_options").version
    option = services.propose_option(manager, clock, dispute_id, summary="Split the difference",
                                     value_to_supplier=2, value_to_customer=2,
                                     expected_version=version)
    version += 1
    services.propose_option(manager, clock, dispute_id, summary="Credit note",
                            value_to_supplier=-1, value_to_customer=3, expected_version=version)
    version += 1
    version = fire(dispute_id, version, "start_resolution").version
    services.accept_option(manager, clock, dispute_id, option_id=option.id, expected_version=version)
    version += 1
    services.accept_option(customer, clock, dispute_id, option_id=option.id, expected_version=version)
    version += 1
    dispute = fire(dispute_id, version, "resolve", option_id=option.id, summary="Split the difference")
    if dispute.state != "resolved":
        raise RuntimeError(f"dispute {dispute_id} ended in {dispute.state}, not resolved")

    timings.journey_seconds += perf() - journey_start
    timings.disputes += 1
    timings.writes += WRITES_PER_DISPUTE
    if isinstance(clock, ManualClock):
        clock.advance(seconds=1)
    return dispute_id


# --- the baseline ------------------------------------------------------------------------

# A cycle of four transitions that leaves a resolved dispute resolved again, with the
# dispute columns each trigger sets in services.transition.
BASELINE_CYCLE = (
    ("reopen", "resolved", "story_gathering"),
    ("generate_options", "story_gathering", "option_generation"),
    ("start_resolution", "option_generation", "resolution"),
    ("resolve", "resolution", "resolved"),
)


def baseline(dispute_ids: list[int], clock, actor: Actor) -> tuple[int, float]:
    """Four transitions' worth of row writes per dispute with bare peewee.

    Per transition, in one write_transaction (BEGIN IMMEDIATE on SQLite): the same
    conditional UPDATE of the dispute row as ours (state, version, updated_at,
    state_changed_at and the trigger's own columns, guarded by the expected version) and
    one INSERT of an audit_event row with the same columns and a real chained hash. No
    reads, access checks, guards or chain-head lookup inside the timed part (versions and
    the chains' last events are read once per block, untimed): the floor cost of the writes themselves.
    The disputes end resolved again and the ledger still verifies.

    Returns (transitions, seconds).
    """
    rows = Dispute.select(Dispute.id, Dispute.version, Dispute.resolution_option_id, Dispute.account).where(
        Dispute.id.in_(dispute_ids)
    ).tuples()
    versions = {i: v for i, v, _, _ in rows}
    options = {i: o for i, _, o, _ in rows}
    chains = {i: ledger.chain_name(a) for i, _, _, a in rows}
    heads = {}
    for chain in set(chains.values()):
        last = AuditEvent.select().where(AuditEvent.chain == chain).order_by(AuditEvent.chain_sequence.desc()).first()
        heads[chain] = (last.chain_sequence, last.hash) if last else (0, ledger.GENESIS_HASH)
    sequence = ledger.last_sequence()
    signer = actor.signing("mediator")
    perf = time.perf_counter
    seconds = 0.0
    count = 0
    for dispute_id in dispute_ids:
        for trigger, from_state, to_state in BASELINE_CYCLE:
            started = perf()
            now = clock.now()
            version = versions[dispute_id]
            payload = {"trigger": trigger}
            columns = {}
            if trigger == "resolve":
                payload.update(option_id=options[dispute_id], summary="Split the difference")
                columns = {"resolution_option_id": options[dispute_id],
                           "resolution_summary": "Split the difference"}
            elif trigger == "start_resolution":
                payload["override_reason"] = None
                columns = {"override_reason": None}
            elif trigger == "reopen":
                payload["reason"] = "a commitment was broken"
                columns = {"resolution_option_id": None, "resolution_summary": None}
            chain = chains[dispute_id]
            position, prev_hash = heads[chain]
            event = dict(
                chain=chain,
                chain_sequence=position + 1,
                occurred_at=now,
                actor_person_id=signer.person_id,
                actor_organization_id=signer.organization_id,
                actor_role=signer.role,
                subject_type="dispute",
                subject_id=dispute_id,
                kind="transition",
                from_state=from_state,
                to_state=to_state,
                payload=ledger.canonical_json(payload),
                prev_hash=prev_hash,
            )
            event["hash"] = ledger.event_hash(**event)
            event["sequence"] = sequence + 1
            with write_transaction():
                changed = (
                    Dispute.update(state=to_state, version=version + 1, updated_at=now,
                                   state_changed_at=now, **columns)
                    .where((Dispute.id == dispute_id) & (Dispute.version == version))
                    .execute()
                )
                if changed != 1:
                    raise RuntimeError(f"baseline: dispute {dispute_id} was not at version {version}")
                AuditEvent.insert(**event).execute()
            seconds += perf() - started
            count += 1
            versions[dispute_id] = version + 1
            sequence += 1
            heads[chain] = (position + 1, event["hash"])
    return count, seconds


# --- reporting ---------------------------------------------------------------------------


def rss_mib() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / MiB


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def progress(message: str) -> None:
    print(message, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=None,
                        help="disputes to drive to resolved (default 10000, or 300 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a short run (300 disputes)")
    parser.add_argument("--clock", choices=("manual", "system"), default="manual",
                        help="ManualClock (advanced one second per dispute) or SystemClock")
    parser.add_argument("--progress-every", type=int, default=1000, metavar="N",
                        help="print progress every N disputes (0: never)")
    parser.add_argument("--keep", metavar="DIR",
                        help="put the database in DIR and keep it, instead of a temporary directory")
    args = parser.parse_args(argv)
    disputes = args.disputes if args.disputes is not None else (300 if args.quick else 10_000)
    if disputes < 2:
        parser.error("--disputes must be at least 2")
    early = 1_000 if disputes >= 2_000 else max(1, disputes // 10)

    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        workdir, cleanup = args.keep, None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="accord-bench-")
        workdir = cleanup.name
    path = os.path.join(workdir, "bench.sqlite3")
    clock = ManualClock(START) if args.clock == "manual" else SystemClock()

    try:
        open_database(f"sqlite:///{path}")
        hooks.install()  # mediation alone: no package builds on its disputes here
        migrate(clock)
        pragmas = {
            name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
        world = World(clock)
        events_before = AuditEvent.select().count()

        timings = Timings()
        ids = []
        block: list[int] = []
        block_size = min(1_000, max(1, disputes // 10))
        baseline_count, baseline_seconds = 0, 0.0
        rss_early = None
        rss_start = rss_mib()
        load_start = os.getloadavg()
        progress(f"driving {disputes:,} disputes to resolved on {path}, "
                 f"with the baseline interleaved every {block_size:,} disputes")
        wall_start = time.perf_counter()
        for n in range(disputes):
            block.append(drive_one(world, n, timings))
            done = n + 1
            if done == early:
                rss_early = rss_mib()
            if len(block) == block_size or done == disputes:
                # the baseline on the same database at the same size, on the same rows
                count, seconds = baseline(block, clock, world.lanes[0][1])
                baseline_count += count
                baseline_seconds += seconds
                ids.extend(block)
                block = []
            if args.progress_every and done % args.progress_every == 0 and done != disputes:
                elapsed = time.perf_counter() - wall_start
                progress(
                    f"  {done:>7,} disputes  {elapsed:7.1f} s  "
                    f"ours {timings.transitions / timings.transition_seconds:7,.0f} transitions/s  "
                    f"baseline {baseline_count / baseline_seconds:7,.0f} transitions/s  "
                    f"rss {psutil.Process().memory_info().rss / MiB:6.1f} MiB"
                )
        wall = time.perf_counter() - wall_start
        rss_late = rss_mib()
        load_end = os.getloadavg()

        # sanity: every dispute resolved, every step audited, the chain intact
        resolved = Dispute.select().where(Dispute.id.in_(ids) & (Dispute.state == "resolved")).count()
        events = AuditEvent.select().count() - events_before
        progress("verifying the ledger")
        verify_start = time.perf_counter()
        verification = ledger.verify()
        verify_seconds = time.perf_counter() - verify_start
        db_mib = sum(
            os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p)
        ) / MiB
    finally:
        if not database.is_closed():
            database.close()
        if cleanup is not None:
            cleanup.cleanup()

    ours_tps = timings.transitions / timings.transition_seconds
    base_tps = baseline_count / baseline_seconds
    ratio = ours_tps / base_tps
    journey_dps = timings.disputes / timings.journey_seconds
    journey_wps = timings.writes / timings.journey_seconds
    growth = rss_late - rss_early
    per_dispute_kib = growth * 1024 / max(1, disputes - early)

    print()
    print("Accord lifecycle benchmark")
    print(f"  machine       {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; load average {load_start[0]:.2f} at start, "
          f"{load_end[0]:.2f} at end (above {os.cpu_count()}: other work competed for the CPUs)")
    print(f"  database      SQLite file, journal_mode={pragmas['journal_mode']} "
          f"synchronous={pragmas['synchronous']} (1=NORMAL) foreign_keys={pragmas['foreign_keys']} "
          f"busy_timeout={pragmas['busy_timeout']}, BEGIN IMMEDIATE; {db_mib:.1f} MiB at the end")
    print(f"  clock         {type(clock).__name__}")
    print(f"  disputes      {disputes:,} driven intake -> resolved, {timings.transitions:,} transitions; "
          f"{baseline_count:,} baseline transitions interleaved; {wall:.1f} s in all")
    expected_events = WRITES_PER_DISPUTE * disputes + baseline_count
    print(f"  checks        {resolved:,}/{disputes:,} resolved; {events:,} audit events "
          f"(expected {WRITES_PER_DISPUTE} per dispute + 1 per baseline transition = {expected_events:,}: "
          f"{'ok' if events == expected_events else 'MISMATCH'}); ledger verify "
          f"{'ok' if verification.ok else 'FAILED: ' + str(verification.problem)} "
          f"({verification.checked:,} events in {verify_seconds:.1f} s)")
    print()
    print(f"  {'figure':<44}{'measured':>16}   {'target':<22}result")
    print(f"  {'audited transitions/s (transition calls)':<44}{ours_tps:>16,.0f}   "
          f"{'>= ' + format(TARGET_TRANSITIONS_PER_SECOND, ','):<22}{verdict(ours_tps >= TARGET_TRANSITIONS_PER_SECOND)}")
    print(f"  {'  mean time per transition':<44}{1000 * timings.transition_seconds / timings.transitions:>13.3f} ms")
    print(f"  {'whole journey: disputes/s':<44}{journey_dps:>16,.1f}")
    print(f"  {'whole journey: audited writes/s':<44}{journey_wps:>16,.0f}   "
          f"({WRITES_PER_DISPUTE} per dispute: open, 4 transitions, 2 stories, 2 options, 2 acceptances)")
    print(f"  {'baseline: bare peewee transitions/s':<44}{base_tps:>16,.0f}   "
          f"(1 UPDATE dispute + 1 INSERT audit_event per BEGIN IMMEDIATE)")
    print(f"  {'  mean time per baseline transition':<44}{1000 * baseline_seconds / baseline_count:>13.3f} ms")
    print(f"  {'ratio ours/baseline':<44}{ratio:>16.3f}   {'>= ' + str(TARGET_RATIO):<22}{verdict(ratio >= TARGET_RATIO)}")
    print(f"  {'RSS at start of the run':<44}{rss_start:>12.1f} MiB")
    print(f"  {f'RSS after {early:,} disputes':<44}{rss_early:>12.1f} MiB")
    print(f"  {f'RSS after {disputes:,} disputes':<44}{rss_late:>12.1f} MiB")
    short = "" if disputes >= 10_000 else "  (short run: indicative only)"
    print(f"  {f'RSS growth {early:,} -> {disputes:,} disputes':<44}{growth:>12.1f} MiB   "
          f"{'< ' + str(TARGET_GROWTH_MIB) + ' MiB':<22}{verdict(growth < TARGET_GROWTH_MIB)}{short}")
    print(f"  {'  growth per dispute':<44}{per_dispute_kib:>12.2f} KiB")
    print()
    failed = [
        name for name, ok in (
            ("transitions/s", ours_tps >= TARGET_TRANSITIONS_PER_SECOND),
            ("ratio", ratio >= TARGET_RATIO),
            ("memory growth", growth < TARGET_GROWTH_MIB),
        ) if not ok
    ]
    if failed:
        print(f"  FAIL: target(s) missed: {', '.join(failed)}")
    else:
        print("  PASS: every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
