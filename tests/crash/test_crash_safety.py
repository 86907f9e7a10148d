"""Crash safety: the server killed with SIGKILL in the middle of a stream of writes, over
and over, loses no acknowledged write and leaves no half-written one.

Each round starts `accord serve` on the test's database (forked from a process that
imported Accord once, so that a restart costs a fraction of a second: see conftest.py),
lets four people write through the API at once (Alice and Bob take disputes from opening
to withdrawal: note, stories, options, transitions, and on Bob's project the escalation
protocol switching on and off; Carla and Frank log touchpoints), kills the server with
SIGKILL at a random moment 5 to 500 ms after it answered (from a printed seed), and with
the server dead opens the database and checks:

- it opens, is intact (SQLite's integrity and foreign key checks) and the chain verifies;
- every write answered 2xx is there exactly once: its row and its audit event;
- a write left without an answer is either absent or complete, never a row without its
  event or the reverse, and a dispute's version and state match its events;
- what was once there stays there.

30 rounds by default (ACCORD_CRASH_ROUNDS for more, ACCORD_CRASH_SEED to repeat a run),
a few hundred writes in all; on PostgreSQL when ACCORD_TEST_DATABASE_URL is set.

What this covers is a process crash (kill -9, the OOM killer, a segfault). SQLite runs in
WAL mode with synchronous=normal: a commit is complete once its frames are written to the
WAL file, in the kernel's page cache, before the answer goes out; only checkpoints fsync.
A dead process loses nothing the kernel holds, and the next one to open the database
rebuilds the WAL index and sees every committed frame (a torn last transaction, without
its commit frame, is ignored). PostgreSQL rolls back a dead client's open transaction and
keeps what it committed, including a COMMIT that arrived just before the kill and was never
answered: such a write is "unacknowledged but present", and complete.

What this does not cover is power loss or an operating system crash: with synchronous=
normal the last commits before one can roll back (the database stays consistent and the
chain still verifies, but a write already acknowledged can be missing). Durability against
power loss needs synchronous=full, and a test that cuts the power of a virtual machine,
not the kill of a process.
"""

import os
import random
import subprocess
import threading
import time
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

from mediation import ledger
from mediation.db import database
from mediation.db import is_postgres
from mediation.db import open_database
from mediation.db import write_transaction
from mediation.services import moves_version
from mediation.disputes import Dispute
from mediation.disputes import Note
from mediation.disputes import Option
from mediation.disputes import Party
from mediation.disputes import Story
from mediation.ledger import AuditEvent
from mediation.parties import Account
from mediation.parties import Person
from mediation.parties import Project
from protocols.models import EscalationActivation
from protocols.models import Protocol
from protocols.models import Touchpoint
from tests.crash.conftest import ACCORD
from tests.crash.stream import MARKER
from tests.crash.stream import Client
from tests.crash.stream import DisputeJourney
from tests.crash.stream import Journal
from tests.crash.stream import Speaker
from tests.crash.stream import TouchpointJourney
from web.demo import build_demo

ROUNDS = int(os.environ.get("ACCORD_CRASH_ROUNDS", "30"))
SETTLE_SECONDS = 30
KILL_AFTER_SECONDS = (0.005, 0.5)
WRITTEN = "[write "

# kind of write -> (table, column holding the marker, kind of its event, payload key of the row id)
RECORDS = {
    "opened": (Dispute, "title", "opened", None),
    "note": (Note, "text", "note_added", "note_id"),
    "story": (Story, "text", "story_recorded", "story_id"),
    "option": (Option, "summary", "option_proposed", "option_id"),
    "touchpoint": (Touchpoint, "summary", "touchpoint_logged", "touchpoint_id"),
}


@dataclass
class Cast:
    """The demo's people with their tokens, and each writer's journey (kept across rounds)."""

    tokens: dict
    journeys: dict


def prepare(url: str) -> Cast:
    demo = build_demo(url, progress=lambda message: None)
    tokens = {entry.email.split("@")[0]: entry.token for entry in demo.entries}
    person = {p.email.split("@")[0]: p.id for p in Person.select()}
    account = {a.customer.name: a.id for a in Account.select()}
    project = {p.name: p.id for p in Project.select()}

    def routine_protocol(project_name):
        return Protocol.get((Protocol.project == project[project_name]) & (Protocol.scenario == "routine")).id

    journeys = {
        "alice": DisputeJourney(account["Contoso Retail"], [person["sam"], person["carla"]], None),
        "bob": DisputeJourney(account["Fabrikam Logistics"], [person["sam"], person["frank"]],
                              project["EDI integration"]),
        "carla": TouchpointJourney(routine_protocol("Loyalty platform"), person["alice"], person["carla"]),
        "frank": TouchpointJourney(routine_protocol("Warehouse system rollout"), person["bob"], person["frank"]),
    }
    database.close()
    return Cast(tokens, journeys)


def stream_until_killed(server, cast: Cast, journal: Journal, round: int, delay: float) -> list[str]:
    """Every client writes until the server dies `delay` seconds in; the refusals heard."""
    stop, refusals = threading.Event(), []
    clients = [
        (Client(name, journal, round, Speaker(server.port, cast.tokens[name]), stop, refusals), journey)
        for name, journey in cast.journeys.items()
    ]
    threads = [threading.Thread(target=client.run, args=(journey,), daemon=True) for client, journey in clients]
    for thread in threads:
        thread.start()
    time.sleep(delay)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client still waits on a killed server"
    return refusals


@dataclass
class Traces:
    """What a write can have left in the database, read with the server dead."""

    verification: ledger.Verification
    integrity: list = field(default_factory=list)
    rows: dict = field(default_factory=lambda: defaultdict(list))  # marker -> [(kind, row)]
    events: dict = field(default_factory=lambda: defaultdict(list))  # marker -> [event]
    transitions: Counter = field(default_factory=Counter)  # (dispute id, trigger) -> events
    dispute_problems: list = field(default_factory=list)


def named(url: str) -> str:
    """On PostgreSQL, the URL with an application name that tells the server's sessions apart."""
    if url.startswith("sqlite"):
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name=accord_crash_{os.getpid()}"


def wait_for_sessions_to_end() -> None:
    """A killed server's PostgreSQL sessions end a moment after it, and a COMMIT one had
    received still lands: the check waits for them, to read what the crash left for good."""
    deadline = time.monotonic() + SETTLE_SECONDS
    others = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = current_setting('application_name') "
              "AND pid <> pg_backend_pid()")
    while database.execute_sql(others).fetchone()[0]:
        assert time.monotonic() < deadline, f"the killed server's sessions outlived it by {SETTLE_SECONDS} s"
        time.sleep(0.01)


def read_traces(url: str) -> Traces:
    open_database(url)
    try:
        if is_postgres():
            wait_for_sessions_to_end()
        traces = Traces(verification=ledger.verify())
        if not is_postgres():
            traces.integrity = [row for row in database.execute_sql("PRAGMA integrity_check") if row != ("ok",)]
            traces.integrity += list(database.execute_sql("PRAGMA foreign_key_check"))
        for kind, (model, column, _, _) in RECORDS.items():
            for row in model.select().where(getattr(model, column).contains(WRITTEN)):
                for number in MARKER.findall(getattr(row, column)):
                    traces.rows[int(number)].append((kind, row))
        for event in AuditEvent.select().where(AuditEvent.payload.contains(WRITTEN)):
            for number in MARKER.findall(event.payload):
                traces.events[int(number)].append(event)
        traces.transitions, traces.dispute_problems = _dispute_consistency()
        return traces
    finally:
        database.close()


def _dispute_consistency() -> tuple[Counter, list[str]]:
    """The test's disputes agree with their events: version, state, parties, escalation."""
    ours = {d.id: d for d in Dispute.select().where(Dispute.title.contains(WRITTEN))}
    events = defaultdict(list)
    for event in AuditEvent.select().where(AuditEvent.subject_type == "dispute").order_by(AuditEvent.sequence):
        events[event.subject_id].append(event)
    escalations = Counter(
        (event.data["dispute_id"], event.kind)
        for event in AuditEvent.select().where(
            (AuditEvent.subject_type == "protocol") & AuditEvent.kind.startswith("escalation_")
        )
    )
    parties = defaultdict(set)
    for party in Party.select():
        parties[party.dispute_id].add(party.person_id)
    activations = defaultdict(list)
    for activation in EscalationActivation.select():
        activations[activation.dispute_id].append(activation)

    transitions, problems = Counter(), []
    for dispute_id, dispute in ours.items():
        changes = [e for e in events[dispute_id] if not e.kind.startswith("escalation_")]
        said = Counter(e.kind for e in events[dispute_id] if e.kind.startswith("escalation_"))
        transitions.update((dispute_id, e.data["trigger"]) for e in changes if e.kind == "transition")
        started = len(activations[dispute_id])
        ended = sum(a.ended_at is not None for a in activations[dispute_id])
        versioned = sum(moves_version(e.kind, e.data) for e in changes)
        expectations = {
            "its first event opens it": bool(changes) and changes[0].kind == "opened",
            f"version {dispute.version} counts its {versioned} changes": dispute.version == versioned,
            f"state {dispute.state} is its last event's": bool(changes) and changes[-1].to_state == dispute.state,
            "its parties are those it was opened with":
                bool(changes) and parties[dispute_id] == set(changes[0].data.get("party_ids", [])),
            f"{started} escalation activations ({ended} ended) match the events of dispute and protocol":
                said["escalation_in_force"] == escalations[(dispute_id, "escalation_in_force")] == started
                and said["escalation_stood_down"] == escalations[(dispute_id, "escalation_stood_down")] == ended,
        }
        problems += [f"dispute {dispute_id}: not so that {what}" for what, holds in expectations.items() if not holds]
    return transitions, problems


def partial_trace(write, traces: Traces) -> str | None:
    """What is wrong with the traces of a write that left any, or None if it is complete."""
    if write.kind == "transition":
        count = traces.transitions[(write.dispute_id, write.trigger)]
        return None if count <= 1 else f"{count} '{write.trigger}' events on dispute {write.dispute_id}"
    rows, events = traces.rows.get(write.number, []), traces.events.get(write.number, [])
    if write.kind == "withdraw":
        withdrawal = len(events) == 1 and events[0].subject_id == write.dispute_id
        if rows or not withdrawal or events[0].data.get("trigger") != "withdraw":
            return f"rows {rows}, events {[(e.sequence, e.kind) for e in events]} for a withdrawal"
        return None
    _, _, event_kind, id_key = RECORDS[write.kind]
    if len(rows) != 1 or len(events) != 1:
        return f"{len(rows)} rows and {len(events)} events"
    (kind, row), event = rows[0], events[0]
    owner = getattr(row, "dispute_id", None) or getattr(row, "protocol_id", None) or row.id
    row_id = event.subject_id if id_key is None else event.data.get(id_key)
    if kind != write.kind or event.kind != event_kind or row_id != row.id or event.subject_id != owner:
        return f"a {kind} row {row.id} with a {event.kind} event {event.sequence} on {event.subject_id}"
    return None


def presence(journal: Journal, traces: Traces):
    """Whether each write left a trace.

    A transition carries no marker: its event belongs to the last attempt sent for that
    dispute and trigger, since a journey resumed after a crash tries again only when the
    dispute shows that the attempt before did not land.
    """
    last_attempt = {(w.dispute_id, w.trigger): w.number for w in journal.writes if w.kind == "transition" and w.sent}

    def is_present(write) -> bool:
        if write.kind == "transition":
            landed = traces.transitions[(write.dispute_id, write.trigger)] > 0
            return landed and last_attempt.get((write.dispute_id, write.trigger)) == write.number
        return write.number in traces.rows or write.number in traces.events

    return is_present


def problems_after_crash(journal: Journal, traces: Traces, once_present: set) -> list[str]:
    problems = [] if traces.verification.ok else [f"the chain does not verify: {traces.verification.as_dict()}"]
    problems += [f"database check: {row}" for row in traces.integrity]
    problems += traces.dispute_problems
    known = {write.number for write in journal.writes}
    strangers = (set(traces.rows) | set(traces.events)) - known
    problems += [f"write {number} is in the database but was never written" for number in sorted(strangers)]
    is_present = presence(journal, traces)
    for write in journal.writes:
        present = is_present(write)
        what = f"write {write.number} ({write.kind}, round {write.round}, {write.client})"
        if write.acknowledged and not present:
            problems.append(f"{what} was acknowledged ({write.status}) but is missing")
        elif present and not write.sent:
            problems.append(f"{what} was never sent but is present")
        elif write.number in once_present and not present:
            problems.append(f"{what} was present after an earlier crash and is gone")
        elif present and (trouble := partial_trace(write, traces)):
            problems.append(f"{what}, {'acknowledged' if write.acknowledged else 'unanswered'}: {trouble}")
        if present:
            once_present.add(write.number)
    return problems


def summary(url: str, seed: int, rounds: int, journal: Journal, once_present: set, seconds: float) -> str:
    sent = [w for w in journal.writes if w.sent]
    acknowledged = Counter(w.kind for w in sent if w.acknowledged)
    unanswered_present = [w for w in sent if w.unanswered and w.number in once_present]
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(acknowledged.items()))
    return (
        f"crash safety on {backend}, seed {seed}: {rounds} rounds, {len(sent)} writes sent, "
        f"{acknowledged.total()} acknowledged ({kinds}), {len(once_present)} present, "
        f"{len(unanswered_present)} unacknowledged but present, in {seconds:.1f} s"
    )


def test_a_killed_server_loses_no_acknowledged_write_and_leaves_no_partial_one(empty_database_url, server_for):
    started = time.monotonic()
    seed = int(os.environ.get("ACCORD_CRASH_SEED") or random.randrange(2**32))
    print(f"\ncrash safety seed {seed} (ACCORD_CRASH_SEED={seed} repeats the kill moments)")
    rng = random.Random(seed)
    url = named(empty_database_url)
    server = server_for(url)  # its process imports Accord while the demo is built
    cast = prepare(url)
    journal, once_present = Journal(), set()

    for round in range(1, ROUNDS + 1):
        server.start(cast.tokens["alice"])
        delay = rng.uniform(*KILL_AFTER_SECONDS)
        refusals = stream_until_killed(server, cast, journal, round, delay)
        assert not refusals, f"seed {seed}, round {round}: valid writes refused: {refusals}\n{server.log()}"
        problems = problems_after_crash(journal, read_traces(url), once_present)
        assert not problems, (
            f"seed {seed}, round {round} (killed after {delay * 1000:.0f} ms): "
            + "\n".join(problems[:20]) + f"\n{summary(url, seed, round, journal, once_present, 0)}"
        )

    verified = subprocess.run([str(ACCORD), "audit", "verify"], capture_output=True, text=True,
                              env={**os.environ, "ACCORD_DATABASE_URL": url})
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stdout + verified.stderr
    line = summary(url, seed, ROUNDS, journal, once_present, time.monotonic() - started)
    print(line)
    acknowledged = sum(write.acknowledged for write in journal.writes)
    assert acknowledged >= ROUNDS, f"too few writes to prove anything: {line}"


def test_the_checks_name_a_lost_write_a_half_written_one_and_a_broken_chain(world, database_url):
    """The crash test is worth what its checks find: each kind of damage it looks for is named."""
    url = named(database_url)
    journal = Journal()
    opened = journal.new("opened", 1, "alice")
    dispute = world.open_dispute(title=opened.marker)
    lost = journal.new("note", 1, "alice", dispute_id=dispute.id)
    half = journal.new("note", 1, "alice", dispute_id=dispute.id)
    opened.sent, opened.status = True, 201
    lost.sent, lost.status = True, 201
    half.sent = True
    with write_transaction():
        Note.create(dispute=dispute, author=world.id("alice"), text=half.marker, visibility="shared",
                    created_at=world.clock.now())

    assert problems_after_crash(journal, read_traces(url), set()) == [
        f"write {lost.number} (note, round 1, alice) was acknowledged (201) but is missing",
        f"write {half.number} (note, round 1, alice), unanswered: 1 rows and 0 events",
    ]

    open_database(url)
    with write_transaction():
        Dispute.update(version=Dispute.version + 1).where(Dispute.id == dispute.id).execute()
        AuditEvent.update(payload="{}").where(AuditEvent.sequence == 1).execute()
    database.close()
    problems = problems_after_crash(journal, read_traces(url), set())
    assert problems[0].startswith("the chain does not verify: ")
    assert f"dispute {dispute.id}: not so that version 2 counts its 1 changes" in problems
