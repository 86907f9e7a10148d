"""Benchmark: Accord's cheapest reads against a bare Flask endpoint in the same server.

Not named bench/http.py: the benchmarks run as scripts with this directory first on the
path, where a file of that name would stand in for the standard library's `http`.

For each database, in a fresh database of its own (a SQLite file in a temporary directory,
or a PostgreSQL database created here and dropped afterwards):

1. seed it (bench/load_world.py's Northwind, four customers, their people, accounts,
   projects, protocols and API tokens), then open disputes on every account and take them
   through the process: the caller, the first customer's point person, sees a few dozen of
   them, and one of them holds parties, stories, options, acceptances, notes and a
   commitment;
2. start two servers of the same kind on free ports of 127.0.0.1, each in processes of its
   own: a bare Flask app whose one endpoint answers a small JSON object, and Accord. On
   SQLite both run in waitress with `--threads` threads (Accord as `accord serve`), on
   PostgreSQL both in gunicorn with `--workers` sync workers and `web.gunicorn_conf`;
3. from this process, `--clients` concurrent clients (asyncio, aiohttp, a new connection
   per request as bench/load.py makes them, unless `--keep-alive`) ask one URL after
   another, one request after another: the bare endpoint, `GET /api/v1/me`,
   `GET /api/v1/disputes` and `GET /api/v1/disputes/{id}`, each for a warm-up and then
   `--seconds`, in `--rounds` rounds, so that whatever else the machine does falls on
   all of them alike.

Printed for each URL over all rounds: requests per second, p50 and p99 latency, how much of
one CPU the clients took, the ratio to the bare endpoint measured in the same run (and the
lowest and highest ratio of a round), then PASS or FAIL for the targets: `GET /me` at least 0.4 of the bare endpoint, the
disputes list at least 0.25. The exit status is 1 when a target fails or a request did not
answer 200.

    cd /work/main && .venv/bin/python bench/http_reads.py                      # both databases
    cd /work/main && .venv/bin/python bench/http_reads.py --database sqlite --seconds 10
"""

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import aiohttp

from load import Server
from load import fresh_database
from load import free_port
from load import percentile
from load_world import seed
from mediation import dispute_queries
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.db import database
from mediation.db import execute
from mediation.db import open_database
from mediation.parties import Person

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGETS = {"GET /me": 0.4, "GET /disputes": 0.25}
DISPUTES_PER_ACCOUNT = (36, 12, 12, 12)  # the caller's account first
NOTES_ON_THE_READ_DISPUTE = 12

BARE_APP = '''"""A bare Flask endpoint: what the server and Flask cost without any work."""
from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return {"id": 1, "name": "Bare Endpoint", "email": "bare@example.org", "roles": []}
'''


@dataclass
class Settings:
    postgres_url: str
    threads: int
    workers: int
    clients: int
    seconds: float
    warm_up: float
    rounds: int
    keep_alive: bool


@dataclass
class Measured:
    """One URL's requests over every round."""

    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    per_round: list[float] = field(default_factory=list)  # requests per second in each round
    client_cpu: float = 0.0  # seconds of CPU the clients took, which the servers did not have

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


# --- the data --------------------------------------------------------------------------------


@dataclass
class Seeded:
    token: str
    dispute_id: int
    visible: int


def seed_disputes() -> Seeded:
    """The load's world, and disputes in every state on each account (see DISPUTES_PER_ACCOUNT)."""
    world = seed()
    clock = ManualClock(datetime.now(timezone.utc) - timedelta(days=10))
    read_id = None
    for lane, count in zip(world.lanes, DISPUTES_PER_ACCOUNT):
        manager = Actor.of(Person.get_by_id(lane.manager.id))
        lead = Actor.of(Person.get_by_id(lane.lead.id))
        for number in range(count):
            clock.advance(minutes=7)
            dispute = services.open_dispute(
                manager, clock, title=f"Disputed invoice {number + 1}", summary="Hours billed above the agreed cap.",
                account_id=lane.account_id, project_id=lane.project_ids[number % 2],
                severity=("low", "medium", "high", "critical")[number % 4],
                party_ids=[lane.engineer.id, lane.lead.id, lane.colleague.id],
            )
            target = ("intake", "story_gathering", "option_generation", "resolution", "resolved")[number % 5]
            _drive(manager, lead, lane, clock, dispute.id, target)
            if read_id is None and target == "resolved":
                read_id = dispute.id
                _discuss(manager, lead, clock, dispute.id, lane)
    caller = world.lanes[0].lead
    return Seeded(caller.token, read_id, DISPUTES_PER_ACCOUNT[0])


def _drive(manager: Actor, lead: Actor, lane, clock, dispute_id: int, target: str) -> None:
    def fire(trigger, **data):
        version = dispute_queries.get_dispute(manager, dispute_id).version
        clock.advance(minutes=1)
        return services.transition(manager, clock, dispute_id, trigger=trigger, expected_version=version, **data)

    state = "intake"
    while state != target:
        if state == "intake":
            state = fire("gather_stories").state
        elif state == "story_gathering":
            for party in (lane.engineer, lane.lead, lane.colleague):
                clock.advance(minutes=1)
                services.record_story(manager, clock, dispute_id, party_id=party.id,
                                      text="What happened, as this party saw it, in a few sentences.")
            state = fire("generate_options").state
        elif state == "option_generation":
            for summary, supplier, customer in (("Split the difference", 2, 2), ("Credit note", -1, 3)):
                services.propose_option(manager, clock, dispute_id, summary=summary,
                                        value_to_supplier=supplier, value_to_customer=customer)
            state = fire("start_resolution").state
        elif state == "resolution":
            option = dispute_queries.details(manager, dispute_queries.get_dispute(manager, dispute_id))["options"][0]
            services.accept_option(manager, clock, dispute_id, option_id=option.id)
            services.accept_option(lead, clock, dispute_id, option_id=option.id)
            state = fire("resolve", option_id=option.id, summary="Split the difference.").state


def _discuss(manager: Actor, lead: Actor, clock, dispute_id: int, lane) -> None:
    for number in range(NOTES_ON_THE_READ_DISPUTE):
        clock.advance(minutes=3)
        services.add_note(lead if number % 2 else manager, clock, dispute_id,
                          text=f"Note {number + 1}: what was agreed on the call.")
    services.record_commitment(manager, clock, dispute_id, person_id=lane.manager.id,
                               description="Send the credit note.", due_at=clock.now() + timedelta(days=14))


# --- the servers -----------------------------------------------------------------------------


def commands(kind: str, settings: Settings, port: int, app: str) -> list[str]:
    """The command line serving `app` ("accord" or the bare module) the way `kind` is deployed."""
    if kind == "postgresql":
        return [
            sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf", "--workers", str(settings.workers),
            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
            "web:create_app()" if app == "accord" else "bare_app:app",
        ]
    if app == "accord":
        return [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                "--threads", str(settings.threads)]
    return [sys.executable, "-m", "waitress", "--host", "127.0.0.1", f"--port={port}",
            f"--threads={settings.threads}", "bare_app:app"]


def describe(kind: str, settings: Settings) -> str:
    if kind == "postgresql":
        return f"gunicorn, {settings.workers} sync workers (web.gunicorn_conf)"
    return f"waitress, {settings.threads} threads (accord serve)"


# --- the clients -----------------------------------------------------------------------------


async def hammer(url: str, token: str, settings: Settings, measured: Measured) -> None:
    """`settings.clients` clients asking `url` one request after another: a warm-up, then
    `settings.seconds` counted into `measured`."""
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=settings.clients, force_close=not settings.keep_alive)
    async with aiohttp.ClientSession(connector=connector, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def client(until: float, latencies: list, failures: list) -> None:
            while time.perf_counter() < until:
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        failures.append(response.status)
                latencies.append((time.perf_counter() - started) * 1000)

        until = time.perf_counter() + settings.warm_up
        await asyncio.gather(*(client(until, [], []) for _ in range(settings.clients)))
        latencies, failures = [], []
        started, cpu = time.perf_counter(), time.process_time()
        until = started + settings.seconds
        await asyncio.gather(*(client(until, latencies, failures) for _ in range(settings.clients)))
        elapsed = time.perf_counter() - started
        measured.client_cpu += time.process_time() - cpu
    measured.requests += len(latencies)
    measured.seconds += elapsed
    measured.latencies_ms += latencies
    measured.failures += len(failures)
    measured.per_round.append(len(latencies) / elapsed)


def measure(kind: str, settings: Settings) -> tuple[list[Measured], str]:
    with tempfile.TemporaryDirectory(prefix="accord-http-") as workdir, \
            fresh_database(kind, settings.postgres_url, workdir, "http") as url:
        print(f"\n== {kind}: seeding {url}", flush=True)
        open_database(url)
        seeded = seed_disputes()
        engine = (f"PostgreSQL {execute('SHOW server_version').fetchone()[0]}" if kind == "postgresql"
                  else f"SQLite {sqlite3.sqlite_version} (WAL)")
        database.close()
        Path(workdir, "bare_app.py").write_text(BARE_APP)
        with ExitStack() as servers:
            bases = {}
            for app in ("bare", "accord"):
                port = free_port()
                server = Server(commands(kind, settings, port, app), url, workdir)
                server.env["PYTHONPATH"] = os.pathsep.join(filter(None, (workdir, server.env.get("PYTHONPATH"))))
                servers.enter_context(server)
                bases[app] = f"http://127.0.0.1:{port}"
                ready = "/bare" if app == "bare" else "/api/v1/me"
                server.wait_ready(bases[app] + ready, seeded.token)
            connections = "kept-alive connections" if settings.keep_alive else "a connection per request"
            print(f"   {describe(kind, settings)}; {settings.clients} clients, {connections}; {settings.rounds} "
                  f"rounds of {settings.warm_up:g} s warm-up and {settings.seconds:g} s per URL; the caller sees "
                  f"{seeded.visible} disputes", flush=True)
            plan = (
                (Measured("bare endpoint"), bases["bare"] + "/bare"),
                (Measured("GET /me"), bases["accord"] + "/api/v1/me"),
                (Measured("GET /disputes"), bases["accord"] + "/api/v1/disputes"),
                (Measured("GET /disputes/{id}"), bases["accord"] + f"/api/v1/disputes/{seeded.dispute_id}"),
            )
            for _ in range(settings.rounds):
                for measured, target in plan:
                    asyncio.run(hammer(target, seeded.token, settings, measured))
    return [measured for measured, _ in plan], f"{engine}, {describe(kind, settings)}"


# --- the report ------------------------------------------------------------------------------


def report(results: list[Measured], title: str) -> bool:
    bare = results[0]
    print()
    print(f"Accord against a bare Flask endpoint: {title}")
    print(f"  machine     {os.cpu_count()} CPUs; clients and servers on this one machine over loopback; "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print(f"  {'request':<22}{'requests':>10}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'clients':>9}{'ratio':>8}"
          f"{'by round':>14}   target")
    ok = True
    for result in results:
        ratio = result.per_second / bare.per_second
        rounds = [mine / theirs for mine, theirs in zip(result.per_round, bare.per_round)]
        spread = f"{min(rounds):.2f}-{max(rounds):.2f}"
        target = TARGETS.get(result.name)
        verdict = ""
        if target is not None:
            passed = ratio >= target
            ok &= passed
            verdict = f"{'PASS' if passed else 'FAIL'} (at least {target:g})"
        if result.failures:
            ok = False
            verdict += f"; {result.failures} answers were not 200"
        latencies = sorted(result.latencies_ms)
        p50, p99 = (percentile(latencies, p) for p in (50, 99))
        clients = f"{result.client_cpu / result.seconds:.0%}"
        print(f"  {result.name:<22}{result.requests:>10,}{result.per_second:>9,.0f}{p50:>9.1f}{p99:>9.1f}"
              f"{clients:>9}{ratio:>8.2f}{spread:>14}   {verdict}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="a PostgreSQL server where a database may be created and dropped")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads on SQLite (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers on PostgreSQL (default 4)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=3, help="measured seconds per URL and round (default 3)")
    parser.add_argument("--warm-up", type=float, default=0.5, help="seconds per URL and round before measuring "
                        "(default 0.5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the URLs, one after another (default 3)")
    parser.add_argument("--keep-alive", action="store_true", help="clients keep their connections open (waitress "
                        "keeps them; gunicorn's sync workers close each); by default a connection per request")
    args = parser.parse_args(argv)
    settings = Settings(args.postgres_url, args.threads, args.workers, args.clients, args.seconds, args.warm_up,
                        args.rounds, args.keep_alive)
    kinds = {"both": ("sqlite", "postgresql"), "postgres": ("postgresql",)}.get(args.database, (args.database,))
    passed = [report(*measure(kind, settings)) for kind in kinds]
    print()
    print("PASS: every target met" if all(passed) else "FAIL: a target was missed")
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
