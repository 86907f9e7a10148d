"""The board: every protocol in force that the caller may see, with its compliance now,
most urgent first. It reads lighter rows than a protocol's own page, in a fixed number
of queries however many protocols there are. The pages and the API show it arranged
(`arranged`): sorted by a column, of one customer, or only the protocols naming the reader."""

import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from functools import lru_cache

from mediation.access import Actor
from mediation.access import visible_accounts
from mediation.db import execute
from mediation.parties import Account
from mediation.parties import Project
from protocols import compliance as rules
from protocols.cadence import schedule_of
from protocols.models import ESCALATION
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint
from protocols.models import named_people
from protocols.queries import activations_of
from protocols.queries import latest_incidents
from protocols.queries import moment_from_sql

BOARD_HISTORY = timedelta(days=800)  # versions older than this cannot reach today's windows


@dataclass(frozen=True)
class BoardEntry:
    protocol_id: int
    scenario: str
    project_id: int
    project: str
    account_id: int
    account: str
    version: int
    channel: str
    compliance: rules.Compliance
    customer_id: int
    named: frozenset[int]  # whom the version in force names (models.named_people)


@dataclass(frozen=True)
class _Terms:
    """The parts of a version the board needs, read without building a model per row."""

    number: int
    channel: str
    supplier_point_person_id: int
    customer_point_person_id: int
    backup_ids: list
    max_contacts_per_window: int | None
    timezone: str
    in_force_from: datetime
    in_force_until: datetime | None
    schedule: tuple


@lru_cache(maxsize=1024)
def _schedule_from_text(cadence: str | None, phases: str):
    """Most protocols share a few cadences: parse each stored form once."""
    return schedule_of(json.loads(cadence) if cadence else None, json.loads(phases))


def _board_terms(protocol_ids, since: datetime) -> dict[int, list[_Terms]]:
    result: dict[int, list[_Terms]] = {pid: [] for pid in protocol_ids}
    if not result:
        return result
    sql = (
        "SELECT protocol_id, number, channel, supplier_point_person_id, customer_point_person_id, "
        "backup_ids, max_contacts_per_window, timezone, in_force_from, in_force_until, cadence, phases "
        f"FROM protocol_version WHERE protocol_id IN ({', '.join('?' for _ in result)}) "
        "AND in_force_from IS NOT NULL AND (in_force_until IS NULL OR in_force_until > ?) ORDER BY number"
    )
    params = [*result, ProtocolVersion.in_force_until.db_value(since)]
    for (pid, number, channel, supplier, customer, backups, ceiling, zone, start, end, cadence,
         phases) in execute(sql, params):
        result[pid].append(_Terms(
            number, channel, supplier, customer, json.loads(backups), ceiling, zone, moment_from_sql(start),
            moment_from_sql(end) if end is not None else None, _schedule_from_text(cadence, phases),
        ))
    return result


def _visible_protocol_rows(actor: Actor | None):
    query = (
        Protocol.select(Protocol.id, Protocol.scenario, Project.id, Project.name, Account.id, Account.name,
                        Account.customer)
        .join(Project)
        .join(Account)
    )
    if actor is not None:
        query = query.where(Account.id.in_(visible_accounts(actor).select(Account.id)))
    return query.tuples()


def _recent(model, column: str, cutoffs: dict[int, datetime]) -> dict[int, list[datetime]]:
    """`column` of `model` per protocol since each protocol's own cutoff, in one query:
    protocols sharing a cutoff share one branch of the WHERE clause."""
    by_cutoff: dict[datetime, list[int]] = {}
    for pid, cutoff in cutoffs.items():
        by_cutoff.setdefault(cutoff, []).append(pid)
    result: dict[int, list[datetime]] = {pid: [] for pid in cutoffs}
    if not by_cutoff:
        return result
    branches, params = [], []
    for cutoff, pids in by_cutoff.items():
        branches.append(f"(protocol_id IN ({', '.join('?' for _ in pids)}) AND {column} >= ?)")
        params += [*pids, model._meta.fields[column].db_value(cutoff)]
    table = model._meta.table_name
    sql = f"SELECT protocol_id, {column} FROM {table} WHERE {' OR '.join(branches)}"
    for pid, moment in execute(sql, params):
        result[pid].append(moment_from_sql(moment))
    return result


def board(actor: Actor | None, clock) -> list[BoardEntry]:
    """Every protocol in force the caller may see, most urgent first, in a fixed number of
    queries: each protocol reads only the touchpoints its current windows can reach."""
    now = clock.now()
    protocols = {row[0]: row for row in _visible_protocol_rows(actor)}
    versions = _board_terms(protocols, now - BOARD_HISTORY)
    escalations = [pid for pid, row in protocols.items() if row[1] == ESCALATION]
    activations = activations_of(escalations)
    live = {}
    for pid, (_, scenario, *_rest) in protocols.items():
        expected = rules.expectations_for(scenario, versions[pid], activations.get(pid, []))
        current = rules.version_at(expected, versions[pid], now)
        if current is not None:
            live[pid] = (current, expected)
    latest = latest_incidents(live)
    cutoffs = {}
    for pid, (_, expected) in live.items():
        cutoff = now - rules.lookback(expected)
        cutoffs[pid] = min(cutoff, latest[pid]) if pid in latest else cutoff
    times = _recent(Touchpoint, "occurred_at", cutoffs)
    entries = []
    for pid, (current, expected) in live.items():
        touchpoints = [rules.Touchpoint(t, current.channel, 0, 0) for t in times[pid]]
        incidents = [latest[pid]] if pid in latest else []
        result = rules.assess(expected, touchpoints, incidents, start=now, end=now + timedelta(seconds=1), now=now)
        _, scenario, project_id, project, account_id, account, customer_id = protocols[pid]
        entries.append(BoardEntry(pid, scenario, project_id, project, account_id, account,
                                  current.number, current.channel, result, customer_id, named_people(current)))
    entries.sort(key=lambda entry: rules.urgency(entry.compliance))
    return entries


_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)
# What the board may be sorted by: its columns as the pages show them. Texts as people read
# them, whatever their case; statuses from the most urgent; nothing due after any date.
SORTS = {
    "project": lambda entry: entry.project.lower(),
    "account": lambda entry: entry.account.lower(),
    "scenario": lambda entry: entry.scenario,
    "version": lambda entry: entry.version,
    "channel": lambda entry: entry.channel,
    "status": lambda entry: rules.STATUS_URGENCY.index(entry.compliance.status),
    "next_due": lambda entry: (entry.compliance.next_due_at is None, entry.compliance.next_due_at or _LONG_AGO),
}
ORDERS = ("asc", "desc")


def arranged(entries: list[BoardEntry], *, sort: str | None = None, order: str = "asc",
             naming: int | None = None, customer_id: int | None = None) -> list[BoardEntry]:
    """The entries of one customer (`customer_id`), or those whose version in force names
    the person `naming` as a point person or backup, sorted by a column of SORTS (ties by
    protocol id, the same way round), or without one most urgent first, as the board is."""
    kept = [entry for entry in entries
            if (customer_id is None or entry.customer_id == customer_id)
            and (naming is None or naming in entry.named)]
    if sort is None:
        return kept
    key = SORTS[sort]
    return sorted(kept, key=lambda entry: (key(entry), entry.protocol_id), reverse=order == "desc")
