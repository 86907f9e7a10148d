"""Benchmark: many concurrent clients on loopback against a multi-process server.

For each database, in a fresh database of its own (a PostgreSQL database created here
and dropped afterwards, or a SQLite file in a temporary directory):

1. seed it (bench/load_world.py: Northwind, four customers, their people, accounts,
   projects, agreed protocols and API tokens);
2. start the server in its own processes: on PostgreSQL gunicorn with `--workers` sync
   workers, on SQLite the embedded server (`accord serve`, waitress with `--threads`),
   on a free port of 127.0.0.1, every worker with the same ACCORD_SECRET_KEY;
3. from this process, `--clients` clients at once (asyncio, aiohttp) first ask the
   trivial GET /api/v1/me for a few seconds (the reference), then run journeys through
   the JSON API (bench/load_client.py): open a dispute, add a party, gather stories (the
   customer's point person tells hers), options, acceptances by each company, resolve,
   touchpoints, boards and histories, with deliberate conflicts on the same dispute
   versions that must be refused with 409;
4. stop the server and check, reading the database directly (bench/load_checks.py):
   every 2xx write is in the history exactly once, no 409 left a trace, each race had
   one winner, every chain and the tree verify, the counts equal the clients' successes, escalation
   side effects happened once, every answer was 2xx or 409, the server logged no error.

Printed: requests per second overall and per kind of request, latency p50/p95/p99 per
kind, the count of each status, the reference's throughput and the ratio, the load
average, and each check with PASS or FAIL. The exit status is 1 when a check fails
(throughput has no target: the machine is shared).

    cd /work/main && .venv/bin/python bench/load.py                         # both, 60 s each
    cd /work/main && .venv/bin/python bench/load.py --database sqlite --seconds 20
    cd /work/main && .venv/bin/python bench/load.py --quick                 # a few journeys
"""

import argparse
import asyncio
import math
import os
import platform
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

from load_checks import Baseline
from load_checks import run_checks
from load_client import Clients
from load_client import Recorded
from load_world import seed
from mediation.db import database
from mediation.db import execute
from mediation.db import open_database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
READY_SECONDS = 60
STOP_SECONDS = 20
WARM_UP_REQUESTS = 20


@dataclass
class Settings:
    postgres_url: str
    workers: int
    threads: int
    clients: int
    seconds: float
    journeys: int | None
    reference_seconds: float


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The app in its own processes, its output in a log file; stopped by its process id."""

    def __init__(self, command: list[str], database_url: str, workdir: str):
        self.command = command
        self.log_path = Path(workdir, "server.log")
        self.env = dict(os.environ, ACCORD_DATABASE_URL=database_url, ACCORD_SECRET_KEY=secrets.token_hex(32))
        self.workdir = workdir
        self.process = None

    def __enter__(self) -> "Server":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def __exit__(self, *_exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, url: str, token: str) -> None:
        """Until `url` answers 200; RuntimeError with the log when the server exits or stalls."""
        deadline = time.monotonic() + READY_SECONDS
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {READY_SECONDS} s:\n{self.log()[-3000:]}")


def server_command(settings: Settings, kind: str, port: int) -> tuple[list[str], str]:
    """The command line and how to describe it."""
    if kind == "postgres":
        return [
            sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf", "--workers", str(settings.workers),
            "--bind", f"127.0.0.1:{port}",
            "--no-control-socket", "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning",
            "web:create_app()",
        ], f"gunicorn, {settings.workers} sync worker processes"
    return [
        sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--threads", str(settings.threads),
    ], f"accord serve (waitress), {settings.threads} threads in one process"


@contextmanager
def fresh_database(kind: str, postgres_url: str, workdir: str, label: str = "load"):
    """A database URL nobody else uses, dropped afterwards: a SQLite file in `workdir`, or
    a database created on the PostgreSQL server of `postgres_url`."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir}/{label}.sqlite3"
        return
    import psycopg

    name = f"accord_{label}_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(postgres_url)._replace(path=f"/{name}").geturl()
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a run -----------------------------------------------------------------------------------


@dataclass
class Run:
    engine: str
    server: str
    settings: Settings
    reference: Recorded
    load: Recorded
    loads: list[tuple[float, float, float]]
    checks: list


async def drive(base_url: str, world, settings: Settings):
    """Warm up, measure the reference, run the journeys; sample the load average meanwhile."""
    loads = [os.getloadavg()]

    async def sample_load():
        while True:
            await asyncio.sleep(1)
            loads.append(os.getloadavg())

    # A connection per request, as gunicorn's sync workers want anyway: an idle kept-alive
    # connection would hold one of waitress's 100 channels while a new one waits outside.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        warm = Clients(session, base_url, world)
        for _ in range(WARM_UP_REQUESTS // 10):
            await asyncio.gather(*(warm.read("GET /me", "/me", world.admin) for _ in range(10)))
        sampler = asyncio.create_task(sample_load())
        reference = await Clients(session, base_url, world).run_trivial(settings.clients, settings.reference_seconds)
        load = await Clients(session, base_url, world).run_journeys(
            settings.clients, settings.seconds, settings.journeys)
        sampler.cancel()
    loads.append(os.getloadavg())
    return reference, load, loads


def measure(kind: str, settings: Settings) -> Run:
    with tempfile.TemporaryDirectory(prefix="accord-load-") as workdir, fresh_database(kind, settings.postgres_url, workdir) as url:
        print(f"\n== {kind}: seeding {url}", flush=True)
        open_database(url)
        world = seed()
        baseline = Baseline.now()
        engine = (f"PostgreSQL {execute('SHOW server_version').fetchone()[0]}" if kind == "postgres"
                  else f"SQLite {sqlite3.sqlite_version} (WAL)")
        database.close()
        port = free_port()
        command, description = server_command(settings, kind, port)
        base_url = f"http://127.0.0.1:{port}"
        with Server(command, url, workdir) as server:
            server.wait_ready(f"{base_url}/api/v1/me", world.admin.token)
            span = f"{settings.journeys} journeys" if settings.journeys is not None else f"{settings.seconds:g} s"
            print(f"   {description} on {base_url}; {settings.clients} clients for {span}", flush=True)
            reference, load, loads = asyncio.run(drive(base_url, world, settings))
        print("   checking the database", flush=True)
        open_database(url)
        try:
            checks = run_checks(load, baseline, world.escalation_project_ids, server.log())
        finally:
            database.close()
    return Run(engine, description, settings, reference, load, loads, checks)


# --- the report ------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def statuses_text(counter: Counter) -> str:
    return ", ".join(f"{status} x{count:,}" for status, count in sorted(counter.items()))


def row(kind: str, samples, seconds: float) -> str:
    latencies = sorted(s.seconds * 1000 for s in samples)
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    return (f"  {kind:<26}{len(samples):>9,}{len(samples) / seconds:>9,.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
            f"   {statuses_text(Counter(s.status for s in samples))}")


def report(run: Run) -> bool:
    load, reference, settings = run.load, run.reference, run.settings
    by_kind = defaultdict(list)
    for sample in load.samples:
        by_kind[sample.kind].append(sample)
    withdrawn = sum(1 for w in load.writes if w.ok and w.trigger == "withdraw")
    first, last = run.loads[0], run.loads[-1]
    print()
    print(f"Accord load benchmark: {run.engine}, {run.server}")
    print(f"  machine     {os.cpu_count()} CPUs, Python {platform.python_version()}; clients, server and "
          f"database on this one machine over loopback")
    peak = max(sample[0] for sample in run.loads)
    print(f"  load avg    {first[0]:.2f} {first[1]:.2f} {first[2]:.2f} before, {last[0]:.2f} {last[1]:.2f} "
          f"{last[2]:.2f} after, 1-minute peak {peak:.2f} (other work shares the machine)")
    started = f"started for {settings.seconds:g} s" if settings.journeys is None else f"{settings.journeys} started"
    print(f"  run         {settings.clients} clients; GET /me alone for {reference.seconds:.1f} s; journeys "
          f"{started}, the last ended after {load.seconds:.1f} s: {load.completed:,} completed "
          f"({withdrawn:,} withdrawn in a race on purpose), {len(load.races):,} races")
    print(f"  client CPU  {load.cpu_seconds / load.seconds:.0%} of one CPU during the journeys, "
          f"{reference.cpu_seconds / reference.seconds:.0%} during GET /me alone (taken from the server's share)")
    print()
    print(f"  {'request':<26}{'count':>9}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   statuses")
    for kind in sorted(by_kind):
        print(row(kind, by_kind[kind], load.seconds))
    if load.samples:
        print(row("all journey requests", load.samples, load.seconds))
    if reference.samples:
        print(row("reference: GET /me alone", reference.samples, reference.seconds))
    if load.samples and reference.samples:
        ratio = (len(load.samples) / load.seconds) / (len(reference.samples) / reference.seconds)
        print(f"  {'ratio journeys / reference':<26}{ratio:>18.2f}")
    print()
    print(f"  statuses    {statuses_text(Counter(s.status for s in load.samples))}")
    print()
    for check in run.checks:
        print(f"  {'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    return all(check.ok for check in run.checks)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="a PostgreSQL server where a database may be created and dropped")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers on PostgreSQL (default 4)")
    parser.add_argument("--threads", type=int, default=None, help="waitress threads on SQLite (default 8)")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 48)")
    parser.add_argument("--seconds", type=float, default=60, help="how long journeys are started (default 60)")
    parser.add_argument("--journeys", type=int, default=None, help="start this many journeys instead")
    parser.add_argument("--reference-seconds", type=float, default=None, help="GET /me alone (default 10)")
    parser.add_argument("--quick", action="store_true", help="a tiny run: 4 clients, 4 journeys")
    args = parser.parse_args(argv)
    quick = args.quick
    settings = Settings(
        postgres_url=args.postgres_url,
        workers=args.workers or (2 if quick else 4),
        threads=args.threads or (4 if quick else 8),
        clients=args.clients or (4 if quick else 48),
        seconds=args.seconds,
        journeys=args.journeys if args.journeys is not None else (4 if quick else None),
        reference_seconds=args.reference_seconds or (0.5 if quick else 10),
    )
    kinds = ("postgres", "sqlite") if args.database == "both" else (args.database,)
    passed = [report(measure(kind, settings)) for kind in kinds]
    print()
    print("PASS: every check passed" if all(passed) else "FAIL: a check failed")
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
