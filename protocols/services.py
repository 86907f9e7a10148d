"""Protocol use cases. Each change runs in one write transaction with its audit event.

Changes to a protocol's agreement lock the protocol's row first (mediation.db.locked on
PostgreSQL; SQLite's IMMEDIATE transaction already excludes other writers), so two
companies acknowledging at the same moment still end with the version agreed.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from functools import lru_cache

from peewee import fn

from mediation.access import Actor
from mediation.access import visible_accounts
from mediation.directory import visible_project
from mediation.db import execute
from mediation.db import locked
from mediation.db import write_transaction
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.ledger import append
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from protocols import agreement
from protocols import compliance as rules
from protocols.compliance import ESCALATION
from protocols import escalation
from protocols.cadence import ResponseTime
from protocols.cadence import schedule_of
from protocols.models import Acknowledgement
from protocols.models import EscalationActivation
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint
from protocols.permissions import contact_capacity
from protocols.permissions import drafting_capacity
from protocols.terms import checked_terms
from protocols.terms import earliest_start
from protocols.terms import starts_at

MAX_RANGE = timedelta(days=731)


# --- reading -----------------------------------------------------------------------------


def visible_protocols(actor: Actor | None):
    """Protocols on the caller's accounts; every protocol for the operator (None)."""
    query = Protocol.select(Protocol, Project).join(Project)
    if actor is None:
        return query
    return query.where(Project.account.in_(visible_accounts(actor).select(Account.id)))


def get_protocol(actor: Actor, protocol_id: int) -> Protocol:
    """The protocol, or NotFound when it does not exist or is another customer's."""
    protocol = visible_protocols(actor).where(Protocol.id == protocol_id).first()
    if protocol is None:
        raise NotFound("protocol", protocol_id)
    return protocol


def versions_of(protocol_ids) -> dict[int, list[ProtocolVersion]]:
    result = {pid: [] for pid in protocol_ids}
    query = ProtocolVersion.select().where(ProtocolVersion.protocol.in_(list(protocol_ids)))
    for version in query.order_by(ProtocolVersion.number):
        result[version.protocol_id].append(version)
    return result


def activations_of(protocol_ids) -> dict[int, list[EscalationActivation]]:
    result = {pid: [] for pid in protocol_ids}
    query = EscalationActivation.select().where(EscalationActivation.protocol.in_(list(protocol_ids)))
    for activation in query.order_by(EscalationActivation.started_at):
        result[activation.protocol_id].append(activation)
    return result


def _new_version(protocol, number, terms, actor, now) -> ProtocolVersion:
    return ProtocolVersion.create(
        protocol=protocol,
        number=number,
        status="draft",
        cadence=terms.get("cadence"),
        phases=terms["phases"],
        channel=terms["channel"],
        supplier_point_person=terms["supplier_point_person_id"],
        customer_point_person=terms["customer_point_person_id"],
        backup_ids=sorted(set(terms["backup_ids"])),
        agenda=terms["agenda"],
        escalation=terms["escalation"],
        max_contacts_per_window=terms.get("max_contacts_per_window"),
        timezone=terms["timezone"],
        effective_from=terms.get("effective_from"),
        created_by=actor.person_id,
        created_at=now,
    )


def _terms_payload(version: ProtocolVersion) -> dict:
    return {
        "number": version.number,
        "cadence": version.cadence,
        "phases": version.phases,
        "channel": version.channel,
        "supplier_point_person_id": version.supplier_point_person_id,
        "customer_point_person_id": version.customer_point_person_id,
        "backup_ids": version.backup_ids,
        "agenda": version.agenda,
        "escalation": version.escalation,
        "max_contacts_per_window": version.max_contacts_per_window,
        "timezone": version.timezone,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
    }


# --- writing -----------------------------------------------------------------------------


def _lock(actor: Actor, protocol_id: int, expected_version: int | None) -> Protocol:
    protocol = get_protocol(actor, protocol_id)
    protocol = locked(Protocol.select().where(Protocol.id == protocol.id)).get()
    if expected_version is not None and expected_version != protocol.version:
        raise StaleVersion(protocol.version)
    return protocol


def _bump(protocol: Protocol) -> None:
    Protocol.update(version=Protocol.version + 1).where(Protocol.id == protocol.id).execute()
    protocol.version += 1


def _event(protocol, actor_signature, now, kind, payload, from_state=None, to_state=None):
    append("protocol", protocol.id, kind, actor=actor_signature, at=now,
           from_state=from_state, to_state=to_state, payload=payload)


def create_protocol(actor: Actor, clock, *, project_id: int, scenario: str, **terms) -> Protocol:
    with write_transaction():
        project = visible_project(actor, project_id)
        capacity = drafting_capacity(actor, project.account_id)
        if Protocol.select().where((Protocol.project == project.id) & (Protocol.scenario == scenario)).exists():
            raise Invalid.field("scenario", f"the project already has a {scenario} protocol; add a version to it")
        terms = checked_terms(project.account, terms)
        now = clock.now()
        protocol = Protocol.create(project=project, scenario=scenario, created_by=actor.person_id, created_at=now)
        version = _new_version(protocol, 1, terms, actor, now)
        signature = actor.signing(capacity)
        _event(protocol, signature, now, "protocol_created", {"project_id": project.id, "scenario": scenario})
        _event(protocol, signature, now, "version_drafted", _terms_payload(version), to_state="draft")
    return protocol


def add_version(actor: Actor, clock, protocol_id: int, *, expected_version=None, **terms) -> ProtocolVersion:
    """A new draft; a pending draft or proposal it replaces is retired."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, expected_version)
        capacity = drafting_capacity(actor, protocol.project.account_id)
        terms = checked_terms(protocol.project.account, terms, earliest_start(protocol.id))
        now = clock.now()
        signature = actor.signing(capacity)
        for pending in ProtocolVersion.select().where(
            (ProtocolVersion.protocol == protocol.id) & ProtocolVersion.status.in_(agreement.PENDING)
        ):
            _set_status(protocol, pending, "retire", signature, now, reason="replaced by a new draft")
        number = ProtocolVersion.select(fn.MAX(ProtocolVersion.number)).where(
            ProtocolVersion.protocol == protocol.id
        ).scalar() + 1
        version = _new_version(protocol, number, terms, actor, now)
        _bump(protocol)
        _event(protocol, signature, now, "version_drafted", _terms_payload(version), to_state="draft")
    return version


def _set_status(protocol, version, trigger, signature, now, companies=(), **payload) -> None:
    before = version.status
    version.status = agreement.fire(before, trigger, companies)
    columns = {"status": version.status}
    if trigger == "retire" and version.in_force_from is not None:
        version.in_force_until = max(now, version.in_force_from)
        columns["in_force_until"] = version.in_force_until
    ProtocolVersion.update(**columns).where(ProtocolVersion.id == version.id).execute()
    _event(protocol, signature, now, f"version_{version.status}", {"number": version.number, **payload},
           from_state=before, to_state=version.status)


def _version(protocol: Protocol, number: int) -> ProtocolVersion:
    version = ProtocolVersion.get_or_none(
        (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == number)
    )
    if version is None:
        raise NotFound("protocol version", number)
    return version


def transition_version(actor: Actor, clock, protocol_id: int, number: int, *, trigger: str,
                       expected_version=None) -> ProtocolVersion:
    """`propose` a draft or `retire` a version, as the account's managers."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, expected_version)
        capacity = drafting_capacity(actor, protocol.project.account_id)
        version = _version(protocol, number)
        if trigger not in agreement.REQUESTABLE_TRIGGERS:
            raise Invalid.field("trigger", f"must be one of: {', '.join(agreement.REQUESTABLE_TRIGGERS)}")
        _set_status(protocol, version, trigger, actor.signing(capacity), clock.now())
        _bump(protocol)
    return version


def acknowledge(actor: Actor, clock, protocol_id: int, *, version: int) -> ProtocolVersion:
    """The caller acknowledges exactly this version for their company; the second company's
    acknowledgement makes it agreed and supersedes the version in force before it."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, None)
        capacity = contact_capacity(actor, protocol)
        target = ProtocolVersion.get_or_none(
            (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == version)
        )
        if target is None:
            raise Invalid.field("version", f"protocol {protocol.id} has no version {version}")
        if target.status != "proposed":
            raise Invalid.field("version", f"version {version} is {target.status}; only a proposed version is acknowledged")
        if Acknowledgement.select().where(
            (Acknowledgement.version == target.id) & (Acknowledgement.organization == actor.organization.id)
        ).exists():
            raise Invalid.field("version", f"{actor.organization.name} has already acknowledged version {version}")
        # Checked again here, before anything is written: the version in force may have
        # changed (been retired, say) since this one was drafted.
        earliest = earliest_start(protocol.id)
        problem = earliest.refuses(target.effective_from) if earliest is not None else None
        if problem:
            raise Invalid.field("effective_from", f"version {version} would come into force at "
                                f"{target.effective_from.isoformat()}, before {earliest.moment.isoformat()}, "
                                f"when {earliest.reason}: draft a version that starts later")
        now = clock.now()
        Acknowledgement.create(version=target, person=actor.person_id, organization=actor.organization.id, created_at=now)
        signature = actor.signing(capacity)
        _event(protocol, signature, now, "version_acknowledged",
               {"number": version, "organization_id": actor.organization.id, "company": actor.company})
        kinds = {
            kind
            for (kind,) in Acknowledgement.select(Organization.kind)
            .join(Organization)
            .where(Acknowledgement.version == target.id)
            .tuples()
        }
        if {"supplier", "customer"} <= kinds:
            _agree(protocol, target, signature, now, kinds, starts_at(target, now, earliest))
        _bump(protocol)
    return target


def _agree(protocol, target, signature, now, kinds, starts) -> None:
    """`target` agreed at `now` and in force from `starts`, which may lie before `now`
    (back-dated) or after it; the version agreed before it is in force until then."""
    for previous in ProtocolVersion.select().where(
        (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.status == "agreed")
    ):
        previous.in_force_until = starts
        ProtocolVersion.update(in_force_until=starts).where(ProtocolVersion.id == previous.id).execute()
        _set_status(protocol, previous, "supersede", signature, now, successor=target.number,
                    in_force_until=starts.isoformat())
    target.in_force_from = starts
    ProtocolVersion.update(in_force_from=starts).where(ProtocolVersion.id == target.id).execute()
    _set_status(protocol, target, "agree", signature, now, kinds, agreed_at=now.isoformat(),
                in_force_from=starts.isoformat())
    if protocol.scenario == ESCALATION:
        escalation.activate_for_open_disputes(protocol, signature, now, since=starts)


def _load_protocol_data(protocol: Protocol):
    versions = versions_of([protocol.id])[protocol.id]
    activations = activations_of([protocol.id])[protocol.id] if protocol.scenario == ESCALATION else []
    return versions, activations


def _require_in_force(protocol, versions, activations, at, field) -> ProtocolVersion:
    version = rules.in_force(protocol, versions, activations, at)
    if version is None:
        raise Invalid.field(field, "the protocol was not in force at that time")
    return version


def log_touchpoint(actor: Actor, clock, protocol_id: int, *, occurred_at: datetime, channel: str,
                   supplier_person_id: int, customer_person_id: int, summary: str) -> Touchpoint:
    with write_transaction():
        protocol = get_protocol(actor, protocol_id)
        capacity = contact_capacity(actor, protocol)
        now = clock.now()
        if occurred_at > now:
            raise Invalid.field("occurred_at", "a touchpoint cannot be in the future")
        versions, activations = _load_protocol_data(protocol)
        _require_in_force(protocol, versions, activations, occurred_at, "occurred_at")
        account = protocol.project.account
        people = {p.id: p for p in Person.select().where(Person.id.in_([supplier_person_id, customer_person_id]))}
        errors = {}
        if getattr(people.get(supplier_person_id), "organization_id", None) != account.supplier_id:
            errors["supplier_person_id"] = [f"person {supplier_person_id} is not a person of the supplier"]
        if getattr(people.get(customer_person_id), "organization_id", None) != account.customer_id:
            errors["customer_person_id"] = [f"person {customer_person_id} is not a person of the customer"]
        if errors:
            raise Invalid(errors)
        touchpoint = Touchpoint.create(
            protocol=protocol, occurred_at=occurred_at, channel=channel,
            supplier_person=supplier_person_id, customer_person=customer_person_id,
            summary=summary, logged_by=actor.person_id, created_at=now,
        )
        _event(protocol, actor.signing(capacity), now, "touchpoint_logged", {
            "touchpoint_id": touchpoint.id, "occurred_at": occurred_at.isoformat(), "channel": channel,
            "supplier_person_id": supplier_person_id, "customer_person_id": customer_person_id,
            "summary": summary,
        })
    return touchpoint


def report_incident(actor: Actor, clock, protocol_id: int, *, started_at: datetime, summary: str) -> Incident:
    """Start the clock of a response-time cadence."""
    with write_transaction():
        protocol = get_protocol(actor, protocol_id)
        capacity = contact_capacity(actor, protocol)
        now = clock.now()
        if started_at > now:
            raise Invalid.field("started_at", "an incident cannot start in the future")
        versions, activations = _load_protocol_data(protocol)
        version = _require_in_force(protocol, versions, activations, started_at, "started_at")
        if not any(isinstance(phase.cadence, ResponseTime) for phase in version.schedule):
            raise Invalid.field("started_at", "the version in force then has no response-time cadence")
        incident = Incident.create(protocol=protocol, started_at=started_at, summary=summary,
                                   reported_by=actor.person_id, created_at=now)
        _event(protocol, actor.signing(capacity), now, "incident_reported",
               {"incident_id": incident.id, "started_at": started_at.isoformat(), "summary": summary})
    return incident


def _utc(value) -> datetime:
    """A timestamp read by hand-written SQL: text on SQLite, a naive datetime on PostgreSQL."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=timezone.utc)


def _latest_incidents(protocol_ids) -> dict[int, datetime]:
    rows = (
        Incident.select(Incident.protocol, fn.MAX(Incident.started_at))
        .where(Incident.protocol.in_(list(protocol_ids)))
        .group_by(Incident.protocol)
        .tuples()
    )
    return {pid: _utc(started) for pid, started in rows if started is not None}


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
        result[pid].append(_utc(moment))
    return result


def check_range(start: datetime, end: datetime, now: datetime) -> None:
    """Invalid unless compliance may be computed over [start, end): forwards, at most
    MAX_RANGE long, ending at most MAX_RANGE from now. Windows are counted one by one from
    the start of the version in force, so a week far ahead costs as much as every window
    before it: a week in the year 2500 of an hourly cadence took 40 seconds."""
    if start >= end:
        raise Invalid.field("from", "must be before 'to'")
    if end - start > MAX_RANGE:
        raise Invalid.field("to", "a range covers at most two years")
    if end > now + MAX_RANGE:
        raise Invalid.field("to", "a range ends at most two years from now")


def compliance(actor: Actor, clock, protocol_id: int, *, start: datetime | None = None,
               end: datetime | None = None) -> rules.Compliance:
    """Compliance over [start, end) (default: the last 30 days and the next), status as of now."""
    protocol = get_protocol(actor, protocol_id)
    now = clock.now()
    end = end or now + timedelta(days=1)
    start = start or now - timedelta(days=30)
    check_range(start, end, now)
    versions, activations = _load_protocol_data(protocol)
    expected = rules.expectations(protocol, versions, activations)
    since = min(start, now) - rules.lookback(expected)
    latest = _latest_incidents([protocol.id]).get(protocol.id)
    if latest is not None:
        since = min(since, latest)
    touchpoints = [
        rules.Touchpoint(t.occurred_at, t.channel, t.supplier_person_id, t.customer_person_id)
        for t in Touchpoint.select().where((Touchpoint.protocol == protocol.id) & (Touchpoint.occurred_at >= since))
    ]
    incidents = [i.started_at for i in Incident.select().where(
        (Incident.protocol == protocol.id) & (Incident.started_at >= since))]
    return rules.assess(expected, touchpoints, incidents, start=start, end=end, now=now)


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
            number, channel, supplier, customer, json.loads(backups), ceiling, zone, _utc(start),
            _utc(end) if end is not None else None, _schedule_from_text(cadence, phases),
        ))
    return result


def _visible_protocol_rows(actor: Actor | None):
    query = (
        Protocol.select(Protocol.id, Protocol.scenario, Project.id, Project.name, Account.id, Account.name)
        .join(Project)
        .join(Account)
    )
    if actor is not None:
        query = query.where(Account.id.in_(visible_accounts(actor).select(Account.id)))
    return query.tuples()


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
    latest = _latest_incidents(live)
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
        _, scenario, project_id, project, account_id, account = protocols[pid]
        entries.append(BoardEntry(pid, scenario, project_id, project, account_id, account,
                                  current.number, current.channel, result))
    entries.sort(key=lambda entry: rules.urgency(entry.compliance))
    return entries
