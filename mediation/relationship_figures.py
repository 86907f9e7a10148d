"""The figures of a relationship with one customer that come from its disputes: how many
stand in each state and for how long, how many were resolved, withdrawn and reopened, and
the commitments each company kept and missed. A fixed number of queries whatever the
number of disputes: the database counts, and only the state changes are read back, to
measure how long disputes stayed in each state.

None of them counts a story or a note, so an internal one never weighs in what a
customer's people see.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from statistics import median

from peewee import Case
from peewee import fn

from mediation.balance import Resolution
from mediation.dispute_queries import STALE_INTAKE
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.ledger import AuditEvent
from mediation.lifecycle import OPEN_STATES
from mediation.parties import Organization
from mediation.parties import Person

COMPANIES = ("supplier", "customer")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class DisputeFigures:
    """`open` and `stale` are counted now; the others over the period."""

    open: dict
    stale: int
    resolved: int
    withdrawn: int
    reopened: int
    median_days_to_resolution: float | None
    median_days_in_stage: dict


@dataclass(frozen=True)
class Kept:
    kept: int = 0
    missed: int = 0
    open: int = 0


def _flag(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def _days(span: timedelta) -> float:
    return round(span / DAY, 2)


def _median_days(spans: list[timedelta]) -> float | None:
    return _days(median(spans)) if spans else None


def dispute_figures(account_id: int, start: datetime, end: datetime, now: datetime,
                    found: list[Resolution]) -> DisputeFigures:
    """The account's disputes: open ones by state and the stale among them as of `now`; those
    withdrawn and reopened in [start, end); `found`, its resolutions in the period
    (mediation.balance.resolutions), counted once each from opening to final resolution;
    and how long disputes stayed in each state, for the stays that ended in the period."""
    counts = {state: (total, changed, stale) for state, total, changed, stale in (
        Dispute.select(Dispute.state, fn.COUNT(Dispute.id),
                       _flag((Dispute.state_changed_at >= start) & (Dispute.state_changed_at < end)),
                       _flag(Dispute.state_changed_at < now - STALE_INTAKE))
        .where(Dispute.account == account_id)
        .group_by(Dispute.state)
        .tuples())}
    opened, stays, reopened = _stays(account_id, start, end)
    to_resolution = [r.resolved_at - opened[r.dispute_id] for r in found if r.dispute_id in opened]
    return DisputeFigures(
        open={state: counts.get(state, (0,))[0] for state in OPEN_STATES},
        stale=int(counts.get("intake", (0, 0, 0))[2] or 0),
        resolved=len(found),
        withdrawn=int(counts.get("withdrawn", (0, 0))[1] or 0),
        reopened=len(reopened),
        median_days_to_resolution=_median_days(to_resolution),
        median_days_in_stage={state: _median_days(spans) for state, spans in stays.items()},
    )


def _stays(account_id: int, start: datetime, end: datetime):
    """When each dispute was opened; how long disputes stayed in each state, for stays that
    ended in [start, end); and the disputes reopened in it. One query of state changes."""
    changes = (AuditEvent.select(AuditEvent.subject_id, AuditEvent.occurred_at, AuditEvent.kind,
                                 AuditEvent.from_state, AuditEvent.to_state)
               .where((AuditEvent.subject_type == "dispute")
                      & AuditEvent.subject_id.in_(Dispute.select(Dispute.id).where(Dispute.account == account_id))
                      & ((AuditEvent.kind == "opened") | (AuditEvent.from_state != AuditEvent.to_state))
                      & (AuditEvent.occurred_at < end))
               .order_by(AuditEvent.subject_id, AuditEvent.sequence)
               .tuples())
    opened, since = {}, {}
    stays = {state: [] for state in OPEN_STATES}
    reopened = set()
    for dispute_id, at, kind, from_state, to_state in changes:
        if kind == "opened":
            opened[dispute_id] = at
        elif dispute_id in since and start <= at:
            if from_state in stays:
                stays[from_state].append(at - since[dispute_id])
            if from_state == "resolved":
                reopened.add(dispute_id)
        since[dispute_id] = at
    return opened, stays, reopened


def commitment_figures(account_id: int, start: datetime, end: datetime, now: datetime) -> dict[str, Kept]:
    """The account's commitments due from `start` on and made before `end`, for the company
    of the person who committed: kept; missed, when broken or due before `now` and not kept;
    open otherwise (one due later today is still open)."""
    overdue = (Commitment.status == "open") & (Commitment.due_at < now)
    rows = (Commitment.select(Organization.kind, _flag(Commitment.status == "kept"),
                              _flag((Commitment.status == "broken") | overdue),
                              _flag((Commitment.status == "open") & (Commitment.due_at >= now)))
            .join(Dispute, on=(Commitment.dispute == Dispute.id))
            .join_from(Commitment, Person, on=(Commitment.person == Person.id))
            .join(Organization, on=(Person.organization == Organization.id))
            .where((Dispute.account == account_id) & (Commitment.due_at >= start) & (Commitment.created_at < end))
            .group_by(Organization.kind)
            .tuples())
    found = {company: Kept() for company in COMPANIES}
    for company, kept, missed, still_open in rows:
        found[company] = Kept(int(kept or 0), int(missed or 0), int(still_open or 0))
    return found


@dataclass(frozen=True)
class Quarter:
    label: str
    start: datetime
    end: datetime


def quarters(start: datetime, end: datetime) -> list[Quarter]:
    """The calendar quarters (UTC) that [start, end) touches, each cut to the range."""
    found = []
    moment = start.astimezone(timezone.utc)
    while moment < end:
        first_month = 3 * ((moment.month - 1) // 3) + 1
        year, month = (moment.year + 1, 1) if first_month == 10 else (moment.year, first_month + 3)
        following = datetime(year, month, 1, tzinfo=timezone.utc)
        found.append(Quarter(f"{moment.year}-Q{(first_month + 2) // 3}", moment, min(following, end)))
        moment = following
    return found
