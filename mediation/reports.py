"""Resolution histories for auditors: find disputes by what happened to them, read them out.

Auditors and administrators read the histories of the disputes they may see (a customer's
only its own account's, without the supplier's internal events). The whole chain, its
verification and its digest span every customer, so only the supplier's auditors and
administrators read those.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

from peewee import fn

from mediation import dispute_queries
from mediation import lifecycle
from mediation.access import Actor
from mediation.db import is_postgres
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Option
from mediation.errors import Forbidden
from mediation.ledger import AuditEvent
from mediation.paging import page_of
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project

PAGE_SIZE = 25
EXPORT_LIMIT = 1_000
OUTCOMES = ("resolved", "withdrawn", "open")
DAY_SECONDS = 86_400


def reads_histories(actor: Actor) -> bool:
    return actor.has("auditor") or actor.has("admin")


def require_history_reader(actor: Actor) -> None:
    """Forbidden unless `actor` is an auditor or an administrator."""
    if not reads_histories(actor):
        raise Forbidden("resolution histories are read by auditors and administrators")


def reads_whole_chain(actor: Actor) -> bool:
    """The chain's length and head span every customer: the supplier's to read."""
    return actor.is_supplier and reads_histories(actor)


@dataclass(frozen=True)
class HistoryFilters:
    """What an auditor searches by; every field is optional.

    `outcome` is resolved, withdrawn, open (any open state) or one open state; the closing
    dates are whole UTC days, both included; the day counts bound the time from opening
    to closing (resolved or withdrawn).
    """

    text: str | None = None
    account_id: int | None = None
    outcome: str | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    min_days: int | None = None
    max_days: int | None = None


@dataclass(frozen=True)
class HistoryRow:
    dispute: Dispute
    event_count: int

    @property
    def account(self) -> str:
        return self.dispute.account.name

    @property
    def outcome(self) -> str:
        return self.dispute.state if self.dispute.state in lifecycle.CLOSED_STATES else "open"

    @property
    def opened_at(self) -> datetime:
        return self.dispute.created_at

    @property
    def closed_at(self) -> datetime | None:
        return self.dispute.state_changed_at if self.outcome != "open" else None

    @property
    def time_to_close(self) -> timedelta | None:
        return self.closed_at - self.opened_at if self.closed_at else None


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    total: int
    next_after: int | None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _seconds_to_close():
    """Whole seconds from opening to the last change of state, in the database's dialect."""
    if is_postgres():
        return fn.floor(fn.date_part("epoch", Dispute.state_changed_at - Dispute.created_at))
    return fn.strftime("%s", Dispute.state_changed_at).cast("INTEGER") - fn.strftime(
        "%s", Dispute.created_at
    ).cast("INTEGER")


def _contains(column, text: str):
    position = fn.strpos if is_postgres() else fn.instr
    return position(fn.lower(column), text.lower()) > 0


def _matching(actor: Actor, filters: HistoryFilters):
    query = dispute_queries.visible_disputes(actor)
    if filters.text and filters.text.strip():
        text = filters.text.strip()
        query = query.where(_contains(Dispute.title, text) | _contains(Dispute.summary, text))
    if filters.account_id:
        query = query.where(Dispute.account == filters.account_id)
    if filters.outcome == "open":
        query = query.where(Dispute.state.in_(lifecycle.OPEN_STATES))
    elif filters.outcome:
        query = query.where(Dispute.state == filters.outcome)
    closing = (filters.closed_from, filters.closed_to, filters.min_days, filters.max_days)
    if any(value is not None for value in closing):
        query = query.where(Dispute.state.in_(lifecycle.CLOSED_STATES))
    if filters.closed_from:
        query = query.where(Dispute.state_changed_at >= _start_of(filters.closed_from))
    if filters.closed_to:
        query = query.where(Dispute.state_changed_at < _start_of(filters.closed_to + timedelta(days=1)))
    if filters.min_days is not None:
        query = query.where(_seconds_to_close() >= filters.min_days * DAY_SECONDS)
    if filters.max_days is not None:
        query = query.where(_seconds_to_close() <= filters.max_days * DAY_SECONDS)
    return query


def _newest_first(query):
    """The disputes with their accounts, newest first."""
    return query.select(Dispute, Account).join(Account).order_by(Dispute.id.desc())


def _rows(actor: Actor, disputes) -> list[HistoryRow]:
    """Each dispute with the number of events the actor may read in its history."""
    return [HistoryRow(d, len(dispute_queries.dispute_history(actor, d.id))) for d in disputes]


def search(actor: Actor, filters: HistoryFilters, *, after: int | None = None, limit: int = PAGE_SIZE) -> HistoryPage:
    """One page of histories, newest dispute first; `after` is the last id of the page before."""
    require_history_reader(actor)
    query = _matching(actor, filters)
    total = query.count()
    if after:
        query = query.where(Dispute.id < after)
    found = page_of(_newest_first(query), limit)
    rows = _rows(actor, found.items)
    return HistoryPage(rows=rows, total=total, next_after=rows[-1].dispute.id if found.more else None)


def read_history(actor: Actor, dispute_id: int) -> tuple[HistoryRow, list[AuditEvent]]:
    """One dispute's history as the actor may read it; NotFound when they may not see it."""
    require_history_reader(actor)
    dispute = dispute_queries.get_dispute(actor, dispute_id)
    events = dispute_queries.dispute_history(actor, dispute_id)
    return HistoryRow(dispute, len(events)), events


@dataclass(frozen=True)
class Export:
    """The histories an export holds: at most `limit` of the `total` that match."""

    total: int
    limit: int
    disputes: list[Dispute]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.disputes)


def for_export(actor: Actor, filters: HistoryFilters, limit: int | None = None) -> Export:
    """The newest `limit` (EXPORT_LIMIT by default) matching disputes; their events are read
    one dispute at a time, so an export never holds more than one history in memory."""
    require_history_reader(actor)
    limit = limit or EXPORT_LIMIT
    query = _matching(actor, filters)
    return Export(total=query.count(), limit=limit, disputes=list(_newest_first(query).limit(limit)))


def export_of(actor: Actor, dispute_id: int) -> Export:
    """One dispute's history to export; NotFound when the actor may not see it."""
    require_history_reader(actor)
    return Export(total=1, limit=1, disputes=[dispute_queries.get_dispute(actor, dispute_id)])


def exported_histories(actor: Actor, export: Export):
    """(row, events) for each dispute of `export`, read lazily so an export streams."""
    for dispute in export.disputes:
        events = dispute_queries.dispute_history(actor, dispute.id)
        yield HistoryRow(dispute, len(events)), events


# What an event's payload names by id: people, and records named by one of their columns.
PERSON_KEYS = ("party_id", "party_ids", "person_id", "mediator_id", "co_mediator_id", "accepted_by")
RECORD_KEYS = {"account_id": (Account, Account.name), "project_id": (Project, Project.name),
               "option_id": (Option, Option.summary), "commitment_id": (Commitment, Commitment.description)}


@dataclass
class Signatories:
    """Names for the people and companies that signed events, looked up once each; for a
    reader, also those of whoever and whatever their payloads name by id."""

    people: dict[int, Person]
    organizations: dict[int, Organization]
    records: dict[str, dict[int, str]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "Signatories":
        return cls({}, {})

    def learn(self, events: list[AuditEvent], person_ids=()) -> "Signatories":
        """Look up whoever `events` name (and `person_ids`) that is not known yet."""
        wanted = {e.actor_person_id for e in events} | set(person_ids)
        missing = {i for i in wanted if i is not None and i not in self.people}
        if missing:
            self.people.update({p.id: p for p in Person.select().where(Person.id.in_(missing))})
        companies = {e.actor_organization_id for e in events} | {p.organization_id for p in self.people.values()}
        missing = {i for i in companies if i is not None and i not in self.organizations}
        if missing:
            self.organizations.update(
                {o.id: o for o in Organization.select().where(Organization.id.in_(missing))}
            )
        return self

    def learn_payloads(self, events: list[AuditEvent]) -> "Signatories":
        """As `learn`, and the people and records (PERSON_KEYS, RECORD_KEYS) the events'
        payloads name, so a page shows names where the ledger keeps ids."""
        people = set()
        for event in events:
            for key in PERSON_KEYS:
                value = event.data.get(key)
                people.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int))
        self.learn(events, person_ids=people)
        for key, (model, column) in RECORD_KEYS.items():
            known = self.records.setdefault(key, {})
            missing = {e.data.get(key) for e in events if isinstance(e.data.get(key), int)} - set(known)
            if missing:
                known.update(model.select(model.id, column).where(model.id.in_(missing)).tuples())
        return self

    def person(self, person_id: int | None) -> str | None:
        person = self.people.get(person_id)
        return person.name if person else None

    def company(self, organization_id: int | None) -> str | None:
        organization = self.organizations.get(organization_id)
        return organization.name if organization else None

    def record(self, key: str, record_id: int | None) -> str | None:
        """The name of the record a payload's `key` (one of RECORD_KEYS) holds the id of."""
        return self.records.get(key, {}).get(record_id)
