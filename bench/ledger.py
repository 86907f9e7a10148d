"""Benchmark: the audit ledger on PostgreSQL: appends by concurrent writers, integration
into the Merkle tree, proofs, and full verification against bare hashlib.

In a fresh PostgreSQL database of its own (created on the server of `--postgres-url` and
dropped afterwards; `--database URL` measures in a database you name instead, which must
hold no events yet), with no change listeners installed (`mediation.hooks.install()`):
the figures are the ledger's alone, without the notification and webhook rows that
`outreach.install()` would write in each append's transaction. Nothing checks that an
event's account exists, so the writers append to accounts 1 to 4 with no rows behind them.

1. Appends. 1, 2 and 4 writer processes (each opens its own connection with
   `open_database`) append for `--seconds`, every append in its own write transaction:
   first each writer on an account of its own (chains account:1 to account:4), then 2
   and 4 writers all on account 1; the five cases `--rounds` times over, one after
   another, so that a stretch of a slower disk or a busier machine falls on every case
   alike. Each writer makes a few appends before the clock starts. Printed: appends per
   second of all writers together (over every round) and the ratio to one writer.
   How to read them: with synchronous_commit on, one writer spends most of each append
   waiting for its commit to reach the disk. Writers on different accounts take
   different advisory locks, so their commits overlap and share the disk's flushes: they
   scale until the cores (writers and server on the same machine) run out. Writers on
   one account queue for one lock, which is held until the commit is on disk: they gain
   only the part of each append outside it (the transaction's start, the connection from
   the pool, the Python around the statements), and stay near one writer.
   The lock waits: each writer times the `SELECT pg_advisory_xact_lock(...)` statement
   that `ledger.append` runs, around the driver call (wrapping `execute_sql` of its
   connection), and the times are summed over the writers. The statement returns once
   the lock is granted, so its time is the wait plus one round trip to the server: the
   one-writer case, which never waits, shows the round trip alone. "share" is that time
   over the writers' whole time.
2. Integration. `--events` more events (over the four accounts, their internal chains and
   the installation's) are appended untimed, 200 to a transaction, after the tree has
   caught up with the writers' events; then `ledger_tree.integrate` adds them to the tree
   in batches of `--batch`, each in its own write transaction, timed: events per second.
   Then the checkpoint: `checkpoints.integrate` with the key (nothing left to add, the
   root read, the note signed and stored) and, apart, the Ed25519 signing of a note alone.
3. Proofs at the final tree size: `--proofs` inclusion proofs of random leaves and as many
   consistency proofs from random older sizes, per second (each reads the tree's size and
   its stored subtrees, a query each). A few of each are checked against the root.
4. Verification: `ledger.verify()` over every event (every chain, the tree rebuilt from
   the events' hashes, the signed checkpoint), in events per second; against it, hashlib
   alone: every event's row read once and its material built as `ledger.event_hash`
   builds it (checked to give the stored hash), then only the SHA-256 of those bytes
   timed in a tight loop. The ratio is how many times slower verification is than the
   hashing it cannot avoid. A second line adds the tree's hashes verification also
   computes (a leaf hash per event and about one node hash per event), a third the
   building of the material (the canonical JSON) from the rows already read: what is left
   between that and `ledger.verify()` is reading the rows (as peewee models) and the
   walk's own bookkeeping.

The exit status is 1 if verification or a proof fails.

    cd /work/main && .venv/bin/python bench/ledger.py                  # about 2 minutes
    cd /work/main && .venv/bin/python bench/ledger.py --seconds 1 --rounds 1 --events 5000
    cd /work/main && .venv/bin/python bench/ledger.py --postgres-url postgresql://postgres@db:5432/postgres
"""

import argparse
import hashlib
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import fresh_database  # noqa: E402
from mediation import checkpoint_notes  # noqa: E402
from mediation import checkpoints  # noqa: E402
from mediation import hooks  # noqa: E402
from mediation import ledger  # noqa: E402
from mediation import ledger_tree  # noqa: E402
from mediation import merkle  # noqa: E402
from mediation.clock import ManualClock  # noqa: E402
from mediation.db import database  # noqa: E402
from mediation.db import execute  # noqa: E402
from mediation.db import is_postgres  # noqa: E402
from mediation.db import open_database  # noqa: E402
from mediation.db import write_transaction  # noqa: E402
from mediation.ledger import AuditEvent  # noqa: E402
from mediation.schema import migrate  # noqa: E402
from outreach.schema import ALL_PLANS  # noqa: E402

DEFAULT_POSTGRES_URL = os.environ.get("ACCORD_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ACCOUNTS = (1, 2, 3, 4)
WARM_UP_APPENDS = 20
BULK_PER_TRANSACTION = 200
PROOFS_CHECKED = 10
LOCK_STATEMENT = "SELECT pg_advisory_xact_lock("
# (writers, whether they share one account), in the order measured
CASES = ((1, False), (2, False), (4, False), (2, True), (4, True))


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


# --- 1. appends by concurrent writers ----------------------------------------------------------


def _timing_lock_statements(db) -> list[float]:
    """Time every advisory lock statement run on `db`; the returned list holds the total."""
    spent = [0.0]
    plain = db.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        if not sql.startswith(LOCK_STATEMENT):
            return plain(sql, params, *args, **kwargs)
        began = time.perf_counter()
        try:
            return plain(sql, params, *args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began

    db.execute_sql = execute_sql
    return spent


def _append(account_id: int | None, number: int, internal: bool = False) -> None:
    payload = {"step": number, "visibility": "internal"} if internal else {"step": number}
    ledger.append("dispute", account_id or 0, "bench", account_id=account_id, actor=ledger.SYSTEM,
                  at=datetime.now(timezone.utc), from_state="intake", to_state="story_gathering", payload=payload)


def _writer(url: str, account_id: int, seconds: float, start, results) -> None:
    """One writer process: its own connection, a few appends to warm up, then appends for
    `seconds` once every writer is ready; it reports (appends, its seconds, lock seconds)."""
    open_database(url, pool_size=1)
    spent = _timing_lock_statements(database.obj)
    for number in range(WARM_UP_APPENDS):
        with write_transaction():
            _append(account_id, number)
    start.wait()
    spent[0] = 0.0
    appends = 0
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        with write_transaction():
            _append(account_id, appends)
        appends += 1
    elapsed = time.perf_counter() - began
    database.close()
    results.put((appends, elapsed, spent[0]))


def appends_case(url: str, writers: int, one_account: bool, seconds: float) -> dict:
    """`writers` processes appending for `seconds`, on accounts of their own or all on one."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers)
    results = context.Queue()
    database.obj.close_all()  # no connection of this process is shared with the writers
    processes = [context.Process(target=_writer, args=(url, ACCOUNTS[0] if one_account else ACCOUNTS[n], seconds,
                                                       start, results))
                 for n in range(writers)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a writer failed with exit code {process.exitcode}")
    return {"appends": sum(report[0] for report in reports), "seconds": max(report[1] for report in reports),
            "lock": sum(report[2] for report in reports), "busy": sum(report[1] for report in reports)}


def measure_appends(url: str, seconds: float, rounds: int) -> list[dict]:
    """Every case for `seconds`, round after round, so that a machine slower or busier for a
    while slows every case alike; each case's figures summed over the rounds."""
    cases = [{"writers": writers, "one_account": one_account, "appends": 0, "seconds": 0.0, "lock": 0.0,
              "busy": 0.0} for writers, one_account in CASES]
    for number in range(rounds):
        for case in cases:
            writers = case["writers"]
            where = "all on account 1" if case["one_account"] else "each on an account of its own"
            progress(f"round {number + 1} of {rounds}: {writers} writer{'s' * (writers > 1)} {where}, {seconds:g} s")
            measured = appends_case(url, writers, case["one_account"], seconds)
            for name, value in measured.items():
                case[name] += value
    for case in cases:
        case["rate"] = case["appends"] / case["seconds"]
    return cases


# --- 2. integration and the checkpoint ---------------------------------------------------------


def integrate_all(batch: int) -> list[float]:
    """Integrate every event waiting, a batch per write transaction; each batch's seconds."""
    times = []
    while True:
        began = time.perf_counter()
        with write_transaction():
            added = ledger_tree.integrate(batch)
        if not added:
            return times
        times.append(time.perf_counter() - began)


def append_in_bulk(events: int) -> float:
    """`events` more events over every kind of chain, many to a transaction; the seconds."""
    chains = [(account, False) for account in ACCOUNTS] + [(account, True) for account in ACCOUNTS] + [(None, False)]
    began = time.perf_counter()
    for first in range(0, events, BULK_PER_TRANSACTION):
        with write_transaction():
            for number in range(first, min(events, first + BULK_PER_TRANSACTION)):
                account, internal = chains[number % len(chains)]
                _append(account, number, internal)
        if (first // BULK_PER_TRANSACTION) % 25 == 24:
            progress(f"appended {first + BULK_PER_TRANSACTION:,} of {events:,}")
    return time.perf_counter() - began


def measure_integration(events: int, batch: int, key) -> dict:
    progress("the tree catches up with the writers' events (not timed)")
    integrate_all(batch)
    progress(f"appending {events:,} events to integrate (not timed)")
    appended = append_in_bulk(events)
    progress(f"integrating {events:,} events in batches of {batch:,}")
    times = integrate_all(batch)
    began = time.perf_counter()
    signed = checkpoints.integrate(datetime.now(timezone.utc), key)
    checkpoint = time.perf_counter() - began
    if signed.checkpoint is None or signed.added:
        raise RuntimeError("the checkpoint was not signed, or events were left outside the tree")
    body = checkpoint_notes.Checkpoint(checkpoints.origin(), signed.size, ledger_tree.root(signed.size)).body()
    notes = 200
    began = time.perf_counter()
    for _ in range(notes):
        checkpoint_notes.sign(body, checkpoints.origin(), key)
    note = (time.perf_counter() - began) / notes
    return {"events": events, "appended": appended, "batches": times, "checkpoint": checkpoint, "note": note,
            "size": signed.size}


# --- 3. proofs -----------------------------------------------------------------------------------


def measure_proofs(count: int, rng: random.Random) -> dict:
    size = ledger_tree.size()
    root = ledger_tree.root(size)
    leaves = [rng.randrange(size) for _ in range(count)]
    progress(f"{count:,} inclusion proofs at size {size:,}")
    began = time.perf_counter()
    inclusions = [ledger_tree.inclusion_proof(leaf, size) for leaf in leaves]
    inclusion = time.perf_counter() - began
    olds = [rng.randint(1, size) for _ in range(count)]
    progress(f"{count:,} consistency proofs to size {size:,}")
    began = time.perf_counter()
    consistencies = [ledger_tree.consistency_proof(old, size) for old in olds]
    consistency = time.perf_counter() - began
    ok = True
    for leaf, proof in list(zip(leaves, inclusions))[:PROOFS_CHECKED]:
        event_hash = AuditEvent.get(AuditEvent.leaf_index == leaf).hash
        ok = ok and merkle.verify_inclusion(merkle.leaf_hash(bytes.fromhex(event_hash)), leaf, size, proof, root)
    for old, proof in list(zip(olds, consistencies))[:PROOFS_CHECKED]:
        ok = ok and merkle.verify_consistency(old, size, ledger_tree.root(old), root, proof)
    return {"size": size, "count": count, "inclusion": inclusion, "consistency": consistency, "ok": ok}


# --- 4. verification against hashlib --------------------------------------------------------------


def _material(row: tuple) -> bytes:
    """An event's hashed material, from its row of the fields `ledger.event_hash` takes, as
    that function builds it."""
    values = list(row[:len(ledger._HASHED)])
    values[ledger._HASHED.index("occurred_at")] = ledger._timestamp(values[ledger._HASHED.index("occurred_at")])
    return ledger.canonical_json(values).encode()


def measure_verification() -> dict:
    progress("ledger.verify() over every event")
    began = time.perf_counter()
    result = ledger.verify()
    verified = time.perf_counter() - began
    progress("hashlib over the same material")
    fields = [getattr(AuditEvent, name) for name in ledger._HASHED] + [AuditEvent.hash]
    rows = list(AuditEvent.select(*fields).order_by(AuditEvent.sequence).tuples())
    began = time.perf_counter()
    built = [_material(row) for row in rows]
    building = time.perf_counter() - began
    sha256 = hashlib.sha256
    if any(sha256(material).hexdigest() != row[-1] for material, row in zip(built, rows)):
        raise RuntimeError("the benchmark's material is not what the ledger hashes")
    began = time.perf_counter()
    for material in built:
        sha256(material).hexdigest()
    hashing = time.perf_counter() - began
    began = time.perf_counter()
    previous = sha256(b"").digest()
    for material in built:
        leaf = sha256(b"\x00" + bytes.fromhex(sha256(material).hexdigest())).digest()
        previous = sha256(b"\x01" + previous + leaf).digest()
    with_tree = time.perf_counter() - began
    return {"result": result, "verified": verified, "events": len(built), "hashing": hashing,
            "building": building, "with_tree": with_tree}


# --- the run -----------------------------------------------------------------------------------


@contextmanager
def named_database(url: str):
    """The database named on the command line, kept afterwards."""
    yield url


def run(url: str, args, key) -> int:
    open_database(url)
    if not is_postgres():
        raise SystemExit("bench/ledger.py measures PostgreSQL's per-chain locks: give a postgresql:// URL")
    hooks.install()
    migrate(ManualClock(NOW), plans=ALL_PLANS)
    if AuditEvent.select().exists():
        raise SystemExit("the database already holds audit events: the benchmark needs a ledger of its own")
    engine = execute("SHOW server_version").fetchone()[0]
    commits = execute("SHOW synchronous_commit").fetchone()[0]
    print(f"PostgreSQL {engine} (synchronous_commit {commits}), {os.cpu_count()} cores; "
          "no listeners installed (mediation.hooks.install())", flush=True)
    print("\nmeasuring", flush=True)
    appends = measure_appends(url, args.seconds, args.rounds)
    integration = measure_integration(args.events, args.batch, key)
    proofs = measure_proofs(args.proofs, random.Random(args.seed))
    verification = measure_verification()
    database.close()
    report(args, appends, integration, proofs, verification)
    return 0 if verification["result"].ok and proofs["ok"] else 1


def report(args, appends: list[dict], integration: dict, proofs: dict, verification: dict) -> None:
    print(f"\n1. Appends, each in its own write transaction, {args.rounds} rounds of {args.seconds:g} s per case")
    print(f"  {'writers':<29} {'appends':>8} {'appends/s':>10} {'':>18}   "
          f"{'in the lock statement':>21} {'per append':>10} {'share':>6}")
    one = appends[0]["rate"]
    for case in appends:
        writers = case["writers"]
        label = (f"{writers} writer{'s' * (writers > 1)}, "
                 + ("all on account 1" if case["one_account"] else ("1 account" if writers == 1 else "own accounts")))
        ratio = "" if case is appends[0] else f"{case['rate'] / one:.2f}x one writer"
        print(f"  {label:<29} {case['appends']:>8,} {case['rate']:>10,.0f} {ratio:>18}   "
              f"{case['lock']:>19.2f} s {case['lock'] / case['appends'] * 1000:>7.2f} ms "
              f"{case['lock'] / case['busy']:>6.0%}")
    print("  (the lock statement's time is its wait plus one round trip; one writer never waits)")

    batches = integration["batches"]
    integrated = integration["events"]
    print(f"\n2. Integration into the tree: {integrated:,} events in {len(batches)} batches of up to {args.batch:,}")
    print(f"  integrated          {integrated / sum(batches):>10,.0f} events/s   "
          f"({sum(batches):.2f} s; median batch {statistics.median(batches) * 1000:,.0f} ms)")
    print(f"  appended to them    {integrated / integration['appended']:>10,.0f} events/s   "
          f"(untimed setup, {BULK_PER_TRANSACTION} appends to a transaction, for comparison)")
    print(f"  checkpoint signed   {integration['checkpoint'] * 1000:>10.1f} ms         "
          f"(checkpoints.integrate with nothing to add: root read, note signed and stored)")
    print(f"  note signing alone  {integration['note'] * 1000:>10.3f} ms         (Ed25519)")

    size, count = proofs["size"], proofs["count"]
    print(f"\n3. Proofs at tree size {size:,}, {count:,} of each")
    print(f"  inclusion proofs    {count / proofs['inclusion']:>10,.0f} /s")
    print(f"  consistency proofs  {count / proofs['consistency']:>10,.0f} /s")
    print(f"  {PROOFS_CHECKED} of each checked against the root: {'PASS' if proofs['ok'] else 'FAIL'}")

    result = verification["result"]
    events = verification["events"]
    verify_rate = result.checked / verification["verified"]
    hash_rate = events / verification["hashing"]
    tree_rate = events / verification["with_tree"]
    print(f"\n4. Verification of {result.checked:,} events: {'PASS' if result.ok else 'FAIL ' + str(result.problem)}")
    print(f"  ledger.verify()     {verify_rate:>10,.0f} events/s   ({verification['verified']:.2f} s)")
    print(f"  hashlib alone       {hash_rate:>10,.0f} events/s   (sha256 of each event's material; "
          f"verify is {hash_rate / verify_rate:.1f}x slower)")
    print(f"  hashlib with tree   {tree_rate:>10,.0f} events/s   (and the leaf and node hashes; "
          f"verify is {tree_rate / verify_rate:.1f}x slower)")
    built_rate = events / (verification["building"] + verification["hashing"])
    print(f"  material and hash   {built_rate:>10,.0f} events/s   (canonical JSON from rows already "
          f"read, then hashed; verify is {built_rate / verify_rate:.1f}x slower)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", metavar="URL",
                        help="an existing PostgreSQL database without events to measure in (default: a fresh one "
                             "created on the server of --postgres-url and dropped afterwards)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="the server on which to create the fresh database (default ACCORD_TEST_DATABASE_URL "
                             "or the test database on 127.0.0.1)")
    parser.add_argument("--seconds", type=float, default=4,
                        help="seconds of appending per writers' case and round (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the writers' cases (default 3)")
    parser.add_argument("--events", type=int, default=20_000, help="events appended, then integrated (default 20,000)")
    parser.add_argument("--batch", type=int, default=ledger_tree.INTEGRATION_BATCH,
                        help=f"events per integration transaction (default {ledger_tree.INTEGRATION_BATCH:,})")
    parser.add_argument("--proofs", type=int, default=2_000,
                        help="inclusion and consistency proofs each (default 2,000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the proofs' leaves and sizes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="accord-ledger-") as workdir:
        key_file = Path(workdir) / "signing.key"
        key = checkpoint_notes.generate_key()
        checkpoint_notes.write_private_key(key_file, key)
        os.environ["ACCORD_SIGNING_KEY_FILE"] = str(key_file)  # so that verify checks the checkpoint's signature
        chosen = named_database(args.database) if args.database else \
            fresh_database("postgres", args.postgres_url, workdir, label="ledger")
        with chosen as url:
            return run(url, args, key)


if __name__ == "__main__":
    sys.exit(main())
