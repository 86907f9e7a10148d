"""The relationship with one customer as both companies may see it: its disputes, the value
their resolutions gave each company and the balance called from it, the commitments each
company kept and missed, how each protocol's contact went and who started it, a quarterly
trend, and the latest events of its disputes and protocols.

Everything is read in a fixed number of queries, whatever the number of disputes and
touchpoints. The figures count no story or note, so an internal one never weighs in what
a customer's people see; the timeline leaves internal events out for them.
"""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from mediation.access import Actor
from mediation.access import event_position
from mediation.access import readable_chain
from mediation.access import visible_account
from mediation.access import visible_accounts
from mediation.account_team import TeamMember
from mediation.account_team import members
from mediation.balance import Balance
from mediation.balance import balance_of
from mediation.balance import resolutions
from mediation.db import execute
from mediation.disputes import Dispute
from mediation.ledger import AuditEvent
from mediation.ledger import chain_name
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from mediation.periods import last_year
from mediation.relationship_figures import COMPANIES
from mediation.relationship_figures import DisputeFigures
from mediation.relationship_figures import Kept
from mediation.relationship_figures import commitment_figures
from mediation.relationship_figures import dispute_figures
from mediation.relationship_figures import quarters
from protocols import compliance as rules
from protocols.compliance_reading import check_range
from protocols.models import ESCALATION
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import Touchpoint
from protocols.models import protocol_name
from protocols.queries import activations_of
from protocols.queries import moment_from_sql
from protocols.queries import versions_of

TIMELINE_LIMIT = 20
# Compliance statuses counted as on track: a contact due soon is not late yet.
ON_TRACK = ("on_track", "due_soon")


@dataclass(frozen=True)
class Side:
    id: int
    name: str


@dataclass(frozen=True)
class AccountView:
    id: int
    name: str
    supplier: Side
    customer: Side


@dataclass(frozen=True)
class ProtocolContact:
    """How one protocol's contact went over the period, and its status now (None: not in force)."""

    protocol_id: int
    name: str
    status: str | None
    touchpoints: int
    missed_windows: int
    over_windows: int


@dataclass(frozen=True)
class Communication:
    protocols_in_force: int
    on_track: int
    overdue: int
    over_communicating: int
    missed_windows: int
    over_windows: int
    initiated: dict
    protocols: list[ProtocolContact]


@dataclass(frozen=True)
class QuarterFigures:
    quarter: str
    resolutions: int
    to_supplier: int
    to_customer: int
    touchpoints: int
    missed_windows: int


@dataclass(frozen=True)
class Relationship:
    account: AccountView
    start: datetime
    end: datetime
    disputes: DisputeFigures
    value: Balance
    commitments: dict[str, Kept]
    communication: Communication
    trend: list[QuarterFigures]


def account_view(account: Account) -> AccountView:
    names = dict(Organization.select(Organization.id, Organization.name)
                 .where(Organization.id.in_([account.supplier_id, account.customer_id])).tuples())
    return AccountView(account.id, account.name, Side(account.supplier_id, names[account.supplier_id]),
                       Side(account.customer_id, names[account.customer_id]))


def relationship(actor: Actor, clock, account_id: int, *, start: datetime | None = None,
                 end: datetime | None = None) -> Relationship:
    """The relationship over [start, end), by default the last 12 months; NotFound when the
    caller may not see the account, Invalid for a range that is not one or ends too far
    ahead for compliance to be counted (protocols.compliance_reading.check_range)."""
    account = visible_account(actor, account_id)
    now = clock.now()
    start, end = last_year(now, start, end)
    check_range(start, end, now)
    found = resolutions(Dispute.account == account.id, start, end)
    communication, windows = _communication(account.id, start, end, now)
    return Relationship(
        account=account_view(account),
        start=start,
        end=end,
        disputes=dispute_figures(account.id, start, end, now, found),
        value=balance_of(found),
        commitments=commitment_figures(account.id, start, end, now),
        communication=communication,
        trend=_trend(start, end, found, windows),
    )


def _protocols(account_id: int) -> dict[int, tuple[str, str]]:
    rows = (Protocol.select(Protocol.id, Protocol.scenario, Project.name).join(Project)
            .where(Project.account == account_id).order_by(Project.name, Protocol.scenario).tuples())
    return {pid: (scenario, project) for pid, scenario, project in rows}


def _communication(account_id: int, start: datetime, end: datetime, now: datetime):
    """Each protocol's compliance over the period, its status now (the arithmetic of
    protocols.compliance), who started its touchpoints; and the touchpoint times and
    window reports, for the trend."""
    protocols = _protocols(account_id)
    versions = versions_of(protocols)
    activations = activations_of([pid for pid, (scenario, _) in protocols.items() if scenario == ESCALATION])
    expected = {pid: rules.expectations_for(scenario, versions[pid], activations.get(pid, []))
                for pid, (scenario, _) in protocols.items()}
    since = min(start, now) - max((rules.lookback(e) for e in expected.values()), default=rules.lookback([]))
    times, initiated = _touchpoints(protocols, since, start, end)
    incidents = {pid: [at for at, in rows] for pid, rows in _by_protocol(Incident, "started_at", protocols,
                                                                          since).items()}
    contacts, all_windows, touched = [], [], []
    for pid, (scenario, project) in protocols.items():
        result = rules.assess(expected[pid], times[pid], incidents[pid], start=start, end=end, now=now,
                              deviations=False)
        in_force = rules.version_at(expected[pid], versions[pid], now) is not None
        contacts.append(ProtocolContact(pid, protocol_name(scenario, project), result.status if in_force else None,
                                        result.touchpoints, result.missed, result.over))
        all_windows += result.windows
        touched += times[pid]
    live = [c.status for c in contacts if c.status is not None]
    communication = Communication(
        protocols_in_force=len(live),
        on_track=sum(status in ON_TRACK for status in live),
        overdue=live.count("overdue"),
        over_communicating=live.count("over_communicating"),
        missed_windows=sum(c.missed_windows for c in contacts),
        over_windows=sum(c.over_windows for c in contacts),
        initiated=initiated,
        protocols=contacts,
    )
    return communication, (sorted(touched), all_windows)


def _by_protocol(model, column: str, protocols, since: datetime, *more: str) -> dict[int, list[tuple]]:
    """(`column`, *`more`) of every row of `model` since `since`, per protocol, `column` a
    moment, in one query written by hand: an account's year holds a hundred thousand
    touchpoints, and building them through peewee took most of the view's time."""
    found = {pid: [] for pid in protocols}
    if found:
        sql = (f"SELECT protocol_id, {', '.join((column, *more))} FROM {model._meta.table_name} "
               f"WHERE protocol_id IN ({', '.join('?' for _ in found)}) AND {column} >= ?")
        for pid, at, *rest in execute(sql, [*found, model._meta.fields[column].db_value(since)]):
            found[pid].append((_moment(at), *rest))
    return found


def _moment(value) -> datetime:
    """A moment read by hand-written SQL (protocols.queries.moment_from_sql), the text of
    SQLite read the quicker way: a tenth of the view's time went into this alone."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return moment_from_sql(value)


def _touchpoints(protocols, since: datetime, start: datetime, end: datetime):
    """When each protocol's touchpoints since `since` happened, and the period's ones by the
    company that started them (`unknown` when not recorded): one read of the touchpoints."""
    rows = _by_protocol(Touchpoint, "occurred_at", protocols, since, "initiated_by")
    initiated = {company: 0 for company in (*COMPANIES, "unknown")}
    for found in rows.values():
        for at, company in found:
            if start <= at < end:
                initiated[company if company in COMPANIES else "unknown"] += 1
    return {pid: [at for at, _ in found] for pid, found in rows.items()}, initiated


def _trend(start, end, found, contact) -> list[QuarterFigures]:
    times, windows = contact
    trend = []
    for quarter in quarters(start, end):
        resolved = [r for r in found if quarter.start <= r.resolved_at < quarter.end]
        trend.append(QuarterFigures(
            quarter=quarter.label,
            resolutions=len(resolved),
            to_supplier=sum(r.to_supplier for r in resolved),
            to_customer=sum(r.to_customer for r in resolved),
            touchpoints=bisect_left(times, quarter.end) - bisect_left(times, quarter.start),
            missed_windows=sum(1 for w in windows if w.status == "missed" and quarter.start <= w.start < quarter.end),
        ))
    return trend


def relationship_page(actor: Actor, clock, account_id: int, *, start: datetime | None = None,
                      end: datetime | None = None, before: int | None = None
                      ) -> tuple[Relationship, "Timeline", list[TeamMember]]:
    """The relationship, a page of its timeline and the account's team, as its page shows them."""
    found = relationship(actor, clock, account_id, start=start, end=end)
    return found, timeline(actor, account_id, before=before), members(found.account.id)


# --- the accounts and the timeline -------------------------------------------------------


@dataclass(frozen=True)
class AccountBalance:
    account: AccountView
    balance: Balance


def relationships(actor: Actor, clock) -> list[AccountBalance]:
    """Every account the caller may see, by name, with the balance of its last 12 months:
    two queries however many accounts there are."""
    now = clock.now()
    start, end = last_year(now)
    supplier, customer = Organization.alias(), Organization.alias()
    rows = (visible_accounts(actor)
            .select(Account.id, Account.name, supplier.id, supplier.name, customer.id, customer.name)
            .join_from(Account, supplier, on=(Account.supplier == supplier.id))
            .join_from(Account, customer, on=(Account.customer == customer.id))
            .order_by(fn.LOWER(Account.name), Account.id).tuples())
    accounts = [AccountView(ident, name, Side(sid, sname), Side(cid, cname))
                for ident, name, sid, sname, cid, cname in rows]
    by_account = {account.id: [] for account in accounts}
    if by_account:
        account_of = dict(Dispute.select(Dispute.id, Dispute.account).where(
            Dispute.account.in_(list(by_account)) & (Dispute.state == "resolved")).tuples())
        for resolution in resolutions(Dispute.account.in_(list(by_account)), start, end):
            by_account[account_of[resolution.dispute_id]].append(resolution)
    return [AccountBalance(account, balance_of(by_account[account.id])) for account in accounts]


@dataclass(frozen=True)
class TimelineEvent:
    position: int
    at: datetime
    kind: str
    subject_type: str
    subject_id: int
    subject: str
    who: str
    from_state: str | None
    to_state: str | None


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    older: int | None  # the position to read older events before, when there are some


def timeline(actor: Actor, account_id: int, *, before: int | None = None,
             limit: int = TIMELINE_LIMIT) -> Timeline:
    """The latest `limit` events of the account's disputes and protocols before the position
    `before` (as `access.event_position` gives it), newest first, that the caller may read:
    a customer's people read the account's shared chain alone, so never an internal event.
    NotFound when the caller may not see the account."""
    account = visible_account(actor, account_id)
    disputes = dict(Dispute.select(Dispute.id, Dispute.title).where(Dispute.account == account.id).tuples())
    protocols = {pid: protocol_name(scenario, project) for pid, (scenario, project) in _protocols(account.id).items()}
    shared = readable_chain(actor, account.id)
    chains = [shared] if shared else [chain_name(account.id), chain_name(account.id, internal=True)]
    position = AuditEvent.chain_sequence if shared else AuditEvent.sequence
    query = AuditEvent.select().where(AuditEvent.chain.in_(chains) & AuditEvent.subject_type.in_(("dispute", "protocol")))
    if before is not None:
        query = query.where(position < before)
    found = list(query.order_by(position.desc()).limit(limit + 1))
    more = len(found) > limit
    found = found[:limit]
    names = dict(Person.select(Person.id, Person.name)
                 .where(Person.id.in_({e.actor_person_id for e in found if e.actor_person_id})).tuples())
    place = event_position(actor)
    events = [TimelineEvent(place(e), e.occurred_at, e.kind, e.subject_type, e.subject_id,
                            (disputes if e.subject_type == "dispute" else protocols).get(e.subject_id, ""),
                            names.get(e.actor_person_id, ""), e.from_state, e.to_state) for e in found]
    return Timeline(events, place(found[-1]) if more else None)

