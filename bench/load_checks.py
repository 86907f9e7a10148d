"""What the load must leave behind, read straight from the database once the server stopped.

The clients remember every write and its answer; a 2xx write names the dispute version
it produced. Every change the load makes to a dispute bumps its version by one and appends
one event (it writes no notes and no internal stories, which bump nothing), so a dispute's
n-th event (leaving aside the escalation protocol's, which bump nothing) is the write that
produced version n: that is where each success must be found, and a refused write can have
left nothing there.
"""

import json
import re
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass

from peewee import fn

from mediation import ledger
from mediation.db import execute
from mediation.disputes import Acceptance
from mediation.disputes import Dispute
from mediation.disputes import Option
from mediation.disputes import Party
from mediation.disputes import Story
from mediation.lifecycle import CLOSED_STATES
from protocols.models import EscalationActivation
from protocols.models import Touchpoint

MARKER = re.compile(r"\[m\d{7}\]")
ESCALATION_KINDS = ("escalation_in_force", "escalation_stood_down")
EVENT_KIND = {
    "open": "opened",
    "party": "party_added",
    "story": "story_recorded",
    "option": "option_proposed",
    "acceptance": "option_accepted",
    "transition": "transition",
    "touchpoint": "touchpoint_logged",
}
RACE_LOSS = {"transition": "409 stale-version", "acceptance": "409 conflict"}
LOG_ALARMS = ("Traceback", "database is locked", "deadlock", "WORKER TIMEOUT", "Internal Server Error")
SHOWN = 3  # problems named per failed check


@dataclass(frozen=True)
class Baseline:
    """Where the seeded data ends: the load's rows and events come after."""

    sequence: int
    dispute_id: int
    touchpoint_id: int

    @classmethod
    def now(cls) -> "Baseline":
        return cls(
            ledger.last_sequence(),
            execute("SELECT COALESCE(MAX(id), 0) FROM dispute").fetchone()[0],
            execute("SELECT COALESCE(MAX(id), 0) FROM touchpoint").fetchone()[0],
        )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Event:
    sequence: int
    subject_type: str
    subject_id: int
    kind: str
    payload: str

    @property
    def data(self) -> dict:
        return json.loads(self.payload)


def _check(name: str, problems: list[str], summary: str) -> Check:
    if not problems:
        return Check(name, True, summary)
    shown = "; ".join(problems[:SHOWN]) + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")
    return Check(name, False, f"{len(problems)} problem(s): {shown}")


def run_checks(recorded, baseline: Baseline, escalation_project_ids, server_log: str) -> list[Check]:
    """Every check on the open database, in the order they are printed."""
    writes, races = recorded.writes, recorded.races
    events = [
        Event(*row) for row in execute(
            "SELECT sequence, subject_type, subject_id, kind, payload FROM audit_event "
            "WHERE sequence > ? ORDER BY sequence", (baseline.sequence,)
        )
    ]
    by_dispute = defaultdict(list)
    escalations = defaultdict(Counter)
    for event in events:
        if event.subject_type == "dispute" and event.kind in ESCALATION_KINDS:
            escalations[event.subject_id][event.kind] += 1
        elif event.subject_type == "dispute":
            by_dispute[event.subject_id].append(event)
    markers = Counter(m for event in events for m in MARKER.findall(event.payload))
    disputes = {
        row.id: row for row in Dispute.select().where(Dispute.id > baseline.dispute_id)
    }
    succeeded = [w for w in writes if w.ok]
    return [
        _in_history_once(succeeded, by_dispute, events, markers),
        _no_trace_of_refusals(writes, by_dispute, disputes, markers, baseline),
        _races(races),
        _chain(),
        _counts(succeeded, by_dispute, disputes, baseline),
        _escalations(disputes, escalations, escalation_project_ids),
        _statuses(recorded),
        _log(server_log),
    ]


def _in_history_once(succeeded, by_dispute, events, markers) -> Check:
    problems = []
    claimed = Counter()
    touchpoint_events = {
        m: event for event in events if event.kind == "touchpoint_logged" for m in MARKER.findall(event.payload)
    }
    for write in succeeded:
        if write.marker and markers[write.marker] != 1:
            problems.append(f"{write.kind} {write.marker} is in {markers[write.marker]} events")
            continue
        if write.kind == "touchpoint":
            event = touchpoint_events.get(write.marker)
            if event is None or event.subject_id != write.subject_id:
                problems.append(f"touchpoint {write.marker} has no event on protocol {write.subject_id}")
            continue
        history = by_dispute[write.subject_id]
        claimed[write.subject_id, write.version] += 1
        if not write.version or write.version > len(history):
            problems.append(f"dispute {write.subject_id} has no event for version {write.version} ({write.kind})")
            continue
        event = history[write.version - 1]
        if event.kind != EVENT_KIND[write.kind] or (write.trigger and event.data.get("trigger") != write.trigger):
            problems.append(f"dispute {write.subject_id} version {write.version}: {write.kind} "
                            f"{write.trigger or ''} answered 2xx, but the event is {event.kind}")
        elif write.marker and write.marker not in event.payload:
            problems.append(f"dispute {write.subject_id} version {write.version}: the event is not {write.marker}'s")
    problems += [f"dispute {d}: two writes were both told they made version {v}"
                 for (d, v), count in claimed.items() if count > 1]
    return _check("every 2xx write is in the history exactly once", problems,
                  f"{len(succeeded):,} writes, each found as its own event")


def _no_trace_of_refusals(writes, by_dispute, disputes, markers, baseline) -> Check:
    refused = [w for w in writes if w.status.startswith("409")]
    texts = []
    for dispute in disputes.values():
        texts += [dispute.title, dispute.resolution_summary or "", dispute.override_reason or ""]
    dispute_ids = list(disputes)
    texts += [s for (s,) in Story.select(Story.text).where(Story.dispute.in_(dispute_ids)).tuples() if s]
    texts += [s for (s,) in Option.select(Option.summary).where(Option.dispute.in_(dispute_ids)).tuples()]
    texts += [s for (s,) in Touchpoint.select(Touchpoint.summary)
              .where(Touchpoint.id > baseline.touchpoint_id).tuples()]
    stored = Counter(m for text in texts for m in MARKER.findall(text))
    problems = [f"refused {w.kind} {w.marker} was stored" for w in refused
                if w.marker and (markers[w.marker] or stored[w.marker])]
    successes = Counter(w.subject_id for w in writes if w.ok and w.kind != "touchpoint")
    for dispute_id, dispute in disputes.items():
        count = len(by_dispute[dispute_id])
        if not count == successes[dispute_id] == dispute.version:
            problems.append(f"dispute {dispute_id}: {count} events, version {dispute.version}, "
                            f"{successes[dispute_id]} writes answered 2xx")
    doubled = (
        Acceptance.select(Acceptance.option, Acceptance.organization)
        .where(Acceptance.dispute.in_(dispute_ids))
        .group_by(Acceptance.option, Acceptance.organization)
        .having(fn.COUNT(Acceptance.id) > 1)
        .count()
    )
    if doubled:
        problems.append(f"{doubled} option(s) accepted twice by one company")
    return _check("no 409 left a trace", problems,
                  f"{len(refused):,} refused writes: no row, no event; events = version = 2xx writes "
                  f"on each of {len(disputes):,} disputes")


def _races(races) -> Check:
    problems = []
    for race in races:
        statuses = sorted(w.status for w in race.writes)
        losses = [s for s in statuses if not s.startswith("2")]
        if len(statuses) - len(losses) != 1 or any(s != RACE_LOSS[race.kind] for s in losses):
            problems.append(f"{race.kind} race on dispute {race.writes[0].subject_id}: {statuses}")
    if not races:
        problems.append("no race was run")
    lost = sum(len(race.writes) - 1 for race in races)
    return _check("each deliberate conflict has exactly one winner", problems,
                  f"{len(races):,} races, {lost:,} losers refused with 409")


def _chain() -> Check:
    result = ledger.verify()
    problems = [] if result.ok else [f"{result.where}: {result.problem}"]
    return _check("every chain and the tree verify", problems, f"{result.checked:,} events")


def _counts(succeeded, by_dispute, disputes, baseline) -> Check:
    told = Counter(w.kind for w in succeeded)
    triggers = Counter(w.trigger for w in succeeded if w.kind == "transition")
    dispute_ids = list(disputes)
    states = Counter(d.state for d in disputes.values())
    pairs = [
        ("disputes", len(disputes), told["open"]),
        ("parties", Party.select().where(Party.dispute.in_(dispute_ids)).count(),
         sum(w.parties for w in succeeded if w.kind == "open") + told["party"]),
        ("stories", Story.select().where(Story.dispute.in_(dispute_ids)).count(), told["story"]),
        ("options", Option.select().where(Option.dispute.in_(dispute_ids)).count(), told["option"]),
        ("acceptances", Acceptance.select().where(Acceptance.dispute.in_(dispute_ids)).count(), told["acceptance"]),
        ("touchpoints", Touchpoint.select().where(Touchpoint.id > baseline.touchpoint_id).count(), told["touchpoint"]),
        ("transitions", sum(e.kind == "transition" for h in by_dispute.values() for e in h), told["transition"]),
        ("resolved", states["resolved"], triggers["resolve"]),
        ("withdrawn", states["withdrawn"], triggers["withdraw"]),
    ]
    problems = [f"{name}: {stored:,} in the database, {reported:,} reported" for name, stored, reported in pairs
                if stored != reported]
    summary = ", ".join(f"{name} {stored:,}" for name, stored, _ in pairs)
    return _check("counts in the database equal the clients' successes", problems, summary)


def _escalations(disputes, escalations, escalation_project_ids) -> Check:
    """Side effects in the same transactions: the escalation protocol is switched on when a
    dispute opens on its project and off when it closes, once each."""
    activations = Counter(
        dispute_id for (dispute_id,) in EscalationActivation.select(EscalationActivation.dispute)
        .where(EscalationActivation.dispute.in_(list(disputes))).tuples()
    )
    problems = []
    for dispute_id, dispute in disputes.items():
        on_project = dispute.project_id in escalation_project_ids
        closed = dispute.state in CLOSED_STATES
        expected = Counter({"escalation_in_force": int(on_project),
                            "escalation_stood_down": int(on_project and closed)})
        if +escalations[dispute_id] != +expected or activations[dispute_id] != int(on_project):
            problems.append(f"dispute {dispute_id}: {dict(escalations[dispute_id])}, "
                            f"{activations[dispute_id]} activation(s)")
    return _check("escalation protocol switched on and off once per dispute on its project", problems,
                  f"{sum(activations.values()):,} activations")


def _statuses(recorded) -> Check:
    unexpected = Counter(s.status for s in recorded.samples if not (s.status.startswith("2") or
                                                                 s.status.startswith("409")))
    problems = [f"{count:,} x {status}" for status, count in unexpected.items()]
    problems += [f"journey broken: {reason}" for reason in recorded.broken]
    return _check("every answer is 2xx or 409 and every journey ran to its end", problems,
                  f"{recorded.completed:,} journeys, no 5xx, no transport error")


def _log(server_log: str) -> Check:
    problems = [f"'{alarm}' x{server_log.count(alarm)}" for alarm in LOG_ALARMS if alarm in server_log]
    return _check("the server's log has no error", problems, "no traceback, lock error or worker timeout")
