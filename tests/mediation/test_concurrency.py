"""Concurrent changes to disputes, from several threads and from several processes.

DESIGN.md: every change to a dispute happens in one transaction together with its audit
event, and a concurrent change to the same object is detected through its version, never
silently overwritten. So when several people fire conflicting triggers and records at the
same dispute with the same `expected_version`, exactly one of them wins that version; the
others are refused (StaleVersion, or a Conflict such as "already accepted"); every success
is in the history exactly once, no refused change leaves a row behind, and the one hash
chain of the ledger still verifies.

Threads share the process and each get their own connection. Processes are started with
the 'spawn' context, open the database URL themselves (`mediation.db.open_database`) and
report through a queue; a barrier makes every contender of a round start together. On
PostgreSQL the processes are separate sessions, as with several web workers.
"""

import multiprocessing
import queue
import threading
import traceback
from collections import Counter
from datetime import timedelta

import pytest

from mediation import dispute_queries
from mediation import ledger
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.db import database
from mediation.db import open_database
from mediation.disputes import Acceptance
from mediation.disputes import Dispute
from mediation.errors import DomainError
from mediation.errors import StaleVersion
from mediation.ledger import AuditEvent
from mediation.parties import Person
from tests.conftest import START
from tests.conftest import table_counts

PROCESSES = 4
THREADS = 6
WAIT = 120  # seconds any contender waits for the others before the test gives up

# What each kind of change writes: its event kind, its table, the payload key naming its row.
CHANGES = {
    "transition": ("transition", None, None),
    "story": ("story_recorded", "story", "story_id"),
    "note": ("note_added", "note", "note_id"),
    "option": ("option_proposed", "option", "option_id"),
    "accept": ("option_accepted", "acceptance", None),
    "party": ("party_added", "party", "person_id"),
    "commitment": ("commitment_recorded", "commitment", "commitment_id"),
}
RECORDERS = {
    "story": services.record_story,
    "note": services.add_note,
    "option": services.propose_option,
    "accept": services.accept_option,
    "party": services.add_party,
    "commitment": services.record_commitment,
}


# --- what a contender does (runs in a thread or in a spawned child process) ----------------


def perform(op: dict, actors: dict, clock) -> dict:
    """Make one change described by `op` (plain data, so it crosses a process boundary)."""
    actor = actors[op["actor"]]
    if op["op"] == "transition":
        dispute = services.transition(
            actor, clock, op["dispute"], expected_version=op["expected_version"], **op["args"]
        )
        return {"version": dispute.version, "state": dispute.state}
    row = RECORDERS[op["op"]](actor, clock, op["dispute"], expected_version=op["expected_version"], **op["args"])
    return {"id": row.id}


def attempt(op, actors, clock):
    try:
        return ("ok", perform(op, actors, clock))
    except DomainError as error:
        return ("refused", type(error).__name__, error.detail)
    except Exception:  # anything else is a bug in the product: report it, do not hide it
        return ("crashed", traceback.format_exc())


def _actors(person_ids) -> dict:
    return {pid: Actor.of(Person.get_by_id(pid)) for pid in set(person_ids)}


def contend(url, worker, rounds, start, results):
    """For each round: wait for every other contender at `start`, then fire this worker's
    change (None: sit the round out). Opens the database itself when given a `url`."""
    try:
        if url:
            open_database(url)
        database.connect(reuse_if_open=True)
        clock = ManualClock(START + timedelta(days=1))
        actors = _actors(op["actor"] for op in rounds if op)
        for number, op in enumerate(rounds):
            start.wait(timeout=WAIT)
            if op is not None:
                results.put((worker, number, attempt(op, actors, clock)))
    except Exception:
        start.abort()
        results.put((worker, None, ("crashed", traceback.format_exc())))
    finally:
        database.close()


def keep_trying(url, worker, jobs, start, results):
    """Make every change in `jobs`, reading the current version before each try and trying
    again whenever somebody else got there first (the way a careful client behaves)."""
    try:
        if url:
            open_database(url)
        database.connect(reuse_if_open=True)
        clock = ManualClock(START + timedelta(days=2))
        actors = _actors(op["actor"] for op in jobs)
        start.wait(timeout=WAIT)
        for number, op in enumerate(jobs):
            retries = 0
            while True:
                current = Dispute.get_by_id(op["dispute"]).version
                outcome = attempt(dict(op, expected_version=current), actors, clock)
                if outcome[0] == "refused" and outcome[1] == StaleVersion.__name__ and retries < 200:
                    retries += 1
                    continue
                break
            results.put((worker, number, outcome))
    except Exception:
        start.abort()
        results.put((worker, None, ("crashed", traceback.format_exc())))
    finally:
        database.close()


def send_as_given(url, worker, jobs, start, results):
    """Make every change in `jobs` exactly as given, one after the other, without retrying."""
    try:
        if url:
            open_database(url)
        database.connect(reuse_if_open=True)
        clock = ManualClock(START + timedelta(days=3))
        actors = _actors(op["actor"] for op in jobs)
        start.wait(timeout=WAIT)
        for number, op in enumerate(jobs):
            results.put((worker, number, attempt(op, actors, clock)))
    except Exception:
        start.abort()
        results.put((worker, None, ("crashed", traceback.format_exc())))
    finally:
        database.close()


# --- running contenders ----------------------------------------------------------------------


def _collect(results, expected: int) -> dict:
    outcomes = {}
    while len(outcomes) < expected:
        try:
            worker, number, outcome = results.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"only {len(outcomes)} of {expected} outcomes arrived within {WAIT} s")
        assert number is not None, f"contender {worker} failed before its first change:\n{outcome[1]}"
        outcomes[(worker, number)] = outcome
    return outcomes


def run_in_processes(url, target, jobs_per_worker: list[list], expected: int) -> dict:
    """Start one spawned process per job list, let them collide, return {(worker, n): outcome}."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(jobs_per_worker))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(url, worker, jobs, start, results), daemon=True)
        for worker, jobs in enumerate(jobs_per_worker)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = _collect(results, expected)
    finally:
        for process in processes:
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return outcomes


def run_in_threads(target, jobs_per_worker: list[list], expected: int) -> dict:
    start = threading.Barrier(len(jobs_per_worker))
    results = queue.Queue()
    threads = [
        threading.Thread(target=target, args=(None, worker, jobs, start, results), daemon=True)
        for worker, jobs in enumerate(jobs_per_worker)
    ]
    for thread in threads:
        thread.start()
    try:
        return _collect(results, expected)
    finally:
        for thread in threads:
            thread.join(timeout=WAIT)


# --- building the races ----------------------------------------------------------------------


def change(op, by, dispute, version=None, **args) -> dict:
    return {"op": op, "actor": by, "dispute": dispute, "expected_version": version, "args": args}


def race_card(world) -> list[tuple[int, int, list[dict]]]:
    """Five disputes, one per state, and for each a crowd of changes that would each succeed
    on their own at the dispute's current version: (dispute id, version, changes)."""
    alice, admin, carla, sam, dev, bob = (
        world.id(k) for k in ("alice", "admin", "carla", "sam", "dev", "bob")
    )
    clock = world.clock
    races = []

    def race(dispute, changes):
        version = Dispute.get_by_id(dispute.id).version
        races.append((dispute.id, version, [dict(c, dispute=dispute.id, expected_version=version) for c in changes]))

    intake = world.open_dispute()
    race(intake, [
        change("party", admin, None, person_id=dev),
        change("party", alice, None, person_id=bob),
        change("transition", alice, None, trigger="gather_stories"),
        change("story", alice, None, party_id=sam, text="Billed as logged"),
        change("transition", admin, None, trigger="withdraw", reason="Settled by phone"),
        change("story", carla, None, party_id=carla, text="What happened to us"),
    ])

    gathering = world.drive(world.open_dispute(), "story_gathering")
    for party in (sam, carla):
        services.record_story(world.actor("alice"), clock, gathering.id, party_id=party, text="Our side")
    race(gathering, [
        change("transition", alice, None, trigger="generate_options"),
        change("transition", admin, None, trigger="generate_options"),
        change("story", alice, None, party_id=sam, text="And another thing"),
        change("transition", admin, None, trigger="withdraw", reason="Out of scope"),
        change("party", admin, None, person_id=dev),
        change("story", carla, None, party_id=carla, text="One more thing"),
    ])

    generating = world.drive(world.open_dispute(), "option_generation")
    for summary, values in (("Split the difference", (2, 2)), ("Credit note", (-1, 3))):
        services.propose_option(world.actor("alice"), clock, generating.id, summary=summary,
                                value_to_supplier=values[0], value_to_customer=values[1])
    race(generating, [
        change("transition", alice, None, trigger="start_resolution"),
        change("option", admin, None, summary="Extra training", value_to_supplier=1, value_to_customer=4),
        change("option", alice, None, summary="Discount next order", value_to_supplier=-2, value_to_customer=3),
        change("transition", admin, None, trigger="start_resolution", override_reason="Time is short"),
        change("transition", alice, None, trigger="withdraw", reason="Customer left"),
        change("option", admin, None, summary="Share the audit", value_to_supplier=1, value_to_customer=1),
    ])

    resolving = world.drive(world.open_dispute(), "resolution")
    first, second = dispute_queries.details(world.actor("alice"), resolving)["options"][:2]
    services.accept_option(world.actor("alice"), clock, resolving.id, option_id=first.id)
    services.accept_option(world.actor("carla"), clock, resolving.id, option_id=first.id)
    race(resolving, [
        change("accept", carla, None, option_id=second.id),
        change("accept", carla, None, option_id=second.id),  # the same company, twice
        change("transition", alice, None, trigger="resolve", option_id=first.id, summary="Split it"),
        change("transition", admin, None, trigger="revisit", reason="Think again"),
        change("commitment", alice, None, person_id=sam, description="Send the credit note",
               due_at=START + timedelta(days=14)),
        change("accept", alice, None, option_id=second.id),
    ])

    resolved = world.drive(world.open_dispute(), "resolved")
    race(resolved, [
        change("transition", alice, None, trigger="reopen", reason="The credit never came"),
        change("transition", admin, None, trigger="reopen", reason="Broken promise"),
        change("commitment", admin, None, person_id=carla, description="Confirm receipt",
               due_at=START + timedelta(days=21)),
        change("commitment", admin, None, person_id=sam, description="Write it up",
               due_at=START + timedelta(days=10)),
        change("transition", admin, None, trigger="reopen", reason="Still waiting"),
        change("commitment", alice, None, person_id=sam, description="Pay it",
               due_at=START + timedelta(days=7)),
    ])
    return races


def acceptances_of(races) -> dict[int, int]:
    return {
        dispute_id: Acceptance.select().where(Acceptance.dispute == dispute_id).count()
        for dispute_id, _, _ in races
    }


def assert_one_winner_per_race(races, outcomes, counts_before, accepted_before, contenders):
    """Exactly one change wins each race, the rest are refused as conflicts; the winner is in
    the history exactly once, nothing else was written, and the chain verifies."""
    grown = Counter()
    for number, (dispute_id, version, changes) in enumerate(races):
        entered = changes[:contenders]
        results = [outcomes[(worker, number)] for worker in range(len(entered))]
        crashed = [r[1] for r in results if r[0] == "crashed"]
        assert not crashed, "a contender crashed instead of being refused:\n" + "\n".join(crashed)
        winners = [(op, r[1]) for op, r in zip(entered, results) if r[0] == "ok"]
        losers = [r for r in results if r[0] == "refused"]
        assert len(winners) == 1, f"race {number}: {len(winners)} winners at version {version}: {results}"
        assert {r[1] for r in losers} <= {"StaleVersion", "Conflict"}, f"race {number}: {losers}"
        (op, won), = winners

        stored = Dispute.get_by_id(dispute_id)
        assert stored.version == version + 1
        kind, table, key = CHANGES[op["op"]]
        events = ledger.history("dispute", dispute_id)
        assert len(events) == stored.version
        newest = events[-1]
        assert (newest.kind, newest.actor_person_id) == (kind, op["actor"])
        if op["op"] == "transition":
            assert newest.data["trigger"] == op["args"]["trigger"]
            assert (newest.to_state, stored.state) == (won["state"], won["state"])
        elif key:
            ident = won["id"] if key != "person_id" else op["args"]["person_id"]
            assert [e.data[key] for e in events if e.kind == kind].count(ident) == 1
        else:
            assert newest.data["option_id"] == op["args"]["option_id"]
        if table:
            grown[table] += 1
        if op["op"] == "transition" and op["args"]["trigger"] in ("revisit", "reopen"):
            # a new round of options needs new acceptances: the old ones are cleared
            grown["acceptance"] -= accepted_before[dispute_id]
            assert not Acceptance.select().where(Acceptance.dispute == dispute_id).exists()
        grown["audit_event"] += 1

    expected = Counter(counts_before)
    expected.update(grown)
    written = table_counts()
    # the winners' events tell people; how many notifications that is, is outreach's (tests/outreach)
    expected["notification"] = max(written["notification"], counts_before["notification"])
    # and what the search index holds of them is the search's (tests/mediation/test_search.py)
    for table in (t for t in written if t.startswith("search_")):
        expected[table] = written[table]
    assert written == dict(expected), "a refused change left rows behind, or a success lost its row"
    verification = ledger.verify()
    assert verification.ok, verification.as_dict()


def assert_chain_intact():
    verification = ledger.verify()
    assert verification.ok, verification.as_dict()
    sequences = [s for (s,) in AuditEvent.select(AuditEvent.sequence).order_by(AuditEvent.sequence).tuples()]
    assert sequences == list(range(1, len(sequences) + 1)), "duplicate or missing sequence numbers"
    assert verification.checked == len(sequences)


# --- the tests ---------------------------------------------------------------------------------


def test_threads_racing_on_one_version_leave_exactly_one_winner_each_time(world):
    races = race_card(world)
    counts, accepted = table_counts(), acceptances_of(races)
    jobs = [[changes[w] for _, _, changes in races] for w in range(THREADS)]

    outcomes = run_in_threads(contend, jobs, expected=THREADS * len(races))

    assert_one_winner_per_race(races, outcomes, counts, accepted, THREADS)


def test_processes_racing_on_one_version_leave_exactly_one_winner_each_time(world, database_url):
    races = race_card(world)
    counts, accepted = table_counts(), acceptances_of(races)
    jobs = [[changes[w] for _, _, changes in races] for w in range(PROCESSES)]

    outcomes = run_in_processes(database_url, contend, jobs, expected=PROCESSES * len(races))

    assert_one_winner_per_race(races, outcomes, counts, accepted, PROCESSES)


def test_notes_and_internal_stories_written_while_a_transition_is_fired_do_not_make_it_stale(world):
    """A note or an internal story moves no version, so written at the same moment as a
    transition fired at the version read before, it takes nobody's place: each is recorded,
    and the transition alone moves the version."""
    dispute = world.open_dispute()
    version = Dispute.get_by_id(dispute.id).version
    alice, carla, sam = (world.id(k) for k in ("alice", "carla", "sam"))
    jobs = [[change(op, by, dispute.id, claimed, **args)] for op, by, claimed, args in (
        ("transition", alice, version, {"trigger": "gather_stories"}),
        ("note", carla, None, {"text": "We expect an answer"}),
        ("note", alice, None, {"text": "Margin is thin", "visibility": "internal"}),
        ("story", alice, None, {"party_id": sam, "text": "Finance padded it", "visibility": "internal"}),
    )]

    outcomes = run_in_threads(contend, jobs, expected=len(jobs))

    assert all(outcome[0] == "ok" for outcome in outcomes.values()), outcomes
    stored = Dispute.get_by_id(dispute.id)
    assert (stored.state, stored.version) == ("story_gathering", version + 1)
    assert len(ledger.history("dispute", dispute.id)) == 1 + len(jobs)
    assert_chain_intact()


def test_people_adding_the_same_party_at_once_get_one_party_and_refusals(world, database_url):
    """Everyone adds the same person as a party, at the same version, on several disputes in
    turn: one of them wins each time, the others are refused as conflicts (not an error from
    the database's unique index), and the person is a party once."""
    rounds = 4
    people = ["alice", "admin", "alice", "admin"][:PROCESSES]
    disputes = [world.open_dispute() for _ in range(rounds)]
    races = [
        (d.id, 1, [change("party", world.id(by), d.id, 1, person_id=world.id("dev")) for by in people])
        for d in disputes
    ]
    counts, accepted = table_counts(), acceptances_of(races)
    jobs = [[changes[w] for _, _, changes in races] for w in range(len(people))]

    outcomes = run_in_processes(database_url, contend, jobs, expected=len(people) * rounds)

    assert_one_winner_per_race(races, outcomes, counts, accepted, len(people))
    for dispute in disputes:
        parties = dispute_queries.details(world.actor("alice"), dispute)["parties"]
        assert sorted(p.person.id for p in parties) == sorted(world.id(k) for k in ("sam", "carla", "dev"))


def test_processes_that_retry_on_a_stale_version_lose_nothing(world, database_url):
    """Four people keep adding notes and stories to one dispute at once; whoever finds the
    version moved reads it again and retries. In the end every change is there, once."""
    dispute = world.open_dispute(parties=["sam", "carla"])
    before = Dispute.get_by_id(dispute.id).version
    sam, carla = world.id("sam"), world.id("carla")
    per_worker = 8
    writers = [world.id("alice"), world.id("carla"), world.id("admin"), world.id("alice")]
    jobs = []
    for worker, by in enumerate(writers):
        work = []
        for n in range(per_worker):
            if n % 2 and by != carla:
                work.append(change("story", by, dispute.id, party_id=sam, text=f"story {worker}-{n}"))
            elif n % 2:
                work.append(change("story", by, dispute.id, party_id=carla, text=f"story {worker}-{n}"))
            else:
                work.append(change("note", by, dispute.id, text=f"note {worker}-{n}"))
        jobs.append(work)
    counts = table_counts()

    outcomes = run_in_processes(database_url, keep_trying, jobs, expected=len(writers) * per_worker)

    failed = {k: v for k, v in outcomes.items() if v[0] != "ok"}
    assert not failed, f"changes were lost: {failed}"
    total = len(writers) * per_worker
    notes = sum(1 for work in jobs for op in work if op["op"] == "note")
    stored = Dispute.get_by_id(dispute.id)
    assert stored.version == before + total - notes, "each story moves the version, no note does"
    events = ledger.history("dispute", dispute.id)
    texts = Counter(e.data["text"] for e in events if e.kind in ("note_added", "story_recorded"))
    assert texts == Counter(op["args"]["text"] for work in jobs for op in work), "not every change is there once"
    expected = dict(counts, note=counts["note"] + notes, story=counts["story"] + total - notes,
                    audit_event=counts["audit_event"] + total)
    written = table_counts()
    assert written["search_entry"] == counts["search_entry"] + total, "each note and story is found by search"
    expected.update({table: rows for table, rows in written.items() if table.startswith("search_")})
    assert written == expected
    assert_chain_intact()


def test_records_sent_without_an_expected_version_are_never_refused_as_stale(world, database_url):
    """A note or a story sent without `expected_version` claims no version, and overwrites
    nothing: however many arrive at once, each is recorded (a stale-version refusal would
    tell the sender that something they read has changed, when they read nothing)."""
    dispute = world.open_dispute(parties=["sam", "carla"])
    per_worker = 8
    writers = [world.id("alice"), world.id("carla"), world.id("admin"), world.id("alice")]
    jobs = [
        [change("note", by, dispute.id, None, text=f"note {worker}-{n}") for n in range(per_worker)]
        for worker, by in enumerate(writers)
    ]

    outcomes = run_in_processes(database_url, send_as_given, jobs, expected=len(writers) * per_worker)

    refused = Counter(v[1] for v in outcomes.values() if v[0] != "ok")
    assert not refused, f"{sum(refused.values())} of {len(outcomes)} notes were refused: {dict(refused)}"
    assert len(ledger.history("dispute", dispute.id)) == 1 + len(writers) * per_worker
    assert Dispute.get_by_id(dispute.id).version == 1, "a note moves no version"
    assert_chain_intact()


def test_many_processes_appending_to_different_disputes_keep_one_intact_chain(world, database_url):
    """Each process works its own dispute (so no version conflicts), all at once: the single
    hash chain over all of them must come out whole, each sequence number used exactly once."""
    appends = 25
    managers = {"contoso": "alice", "fabrikam": "bob"}
    disputes = [world.open_dispute(account=a) for a in ("contoso", "fabrikam", "contoso", "fabrikam")]
    events_before = AuditEvent.select().count()
    jobs = []
    for dispute in disputes:
        by = world.id(managers["contoso" if dispute.account_id == world.accounts["contoso"].id else "fabrikam"])
        jobs.append([change("note", by, dispute.id, 1, text=f"note {n} on {dispute.id}") for n in range(appends)])

    outcomes = run_in_processes(database_url, send_as_given, jobs, expected=len(disputes) * appends)

    failed = {k: v for k, v in outcomes.items() if v[0] != "ok"}
    assert not failed, f"appends on separate disputes failed: {failed}"
    assert AuditEvent.select().count() == events_before + len(disputes) * appends
    assert_chain_intact()
    for dispute, work in zip(disputes, jobs):
        events = ledger.history("dispute", dispute.id)
        assert [e.data.get("text") for e in events[1:]] == [op["args"]["text"] for op in work]
        assert [e.from_state for e in events[1:]] == ["intake"] * appends
        assert (Dispute.get_by_id(dispute.id).version, len(events)) == (1, 1 + appends)
