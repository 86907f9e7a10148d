"""What a person should look at next: the disputes waiting on them, and why.

A dispute waits on whoever its next step names (`mediation.next_step`): the people running
it (mediator, co-mediator, the account's managers), a party whose story is still untold,
a company whose acceptance a resolution still needs; and on a person whose commitment is
due within a week or overdue. Each dispute is listed once, for the most urgent of these,
and only to someone who can act on it.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from mediation import dispute_reading
from mediation.access import Actor
from mediation.dispute_permissions import involving
from mediation.dispute_queries import is_stale
from mediation.dispute_queries import visible_disputes
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Party
from mediation.disputes import Story
from mediation.lifecycle import OPEN_STATES
from mediation.next_step import NextStep
from mediation.next_step import acts_on
from mediation.next_step import next_step
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization

LIMIT = 50


@dataclass(frozen=True)
class Waiting:
    """A dispute and why it waits: `reason` is one of REASONS; `due_at` for commitments;
    `step` the dispute's next step, in words."""

    dispute: Dispute
    reason: str
    urgent: bool = False
    due_at: datetime | None = None
    step: NextStep | None = None


# Most urgent first: a dispute waiting on someone for several reasons is listed for the first.
REASONS = ("commitment_overdue", "stale_intake", "commitment_due", "acceptance_awaited", "story_awaited",
           "running")
COMMITMENT_SOON = timedelta(days=7)
_STAGE_REASON = {"parties": "story_awaited", "acceptance": "acceptance_awaited"}


def _open(actor: Actor):
    return visible_disputes(actor).where(Dispute.state.in_(OPEN_STATES))


def _running(actor: Actor):
    running = (Dispute.mediator == actor.person_id) | (Dispute.co_mediator == actor.person_id)
    if actor.has("account_manager"):
        managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
        running = running | Dispute.account.in_(managed)
    return list(_open(actor).where(running).order_by(Dispute.state_changed_at).limit(LIMIT))


def _untold_stories(actor: Actor) -> list[Dispute]:
    told = Story.select(Story.dispute).where(Story.party == actor.person_id)
    query = (
        _open(actor)
        .join(Party, on=(Party.dispute == Dispute.id))
        .where((Party.person == actor.person_id) & (Dispute.state == "story_gathering") & Dispute.id.not_in(told))
    )
    return list(query.limit(LIMIT))


def _acceptances(actor: Actor) -> list[Dispute]:
    """A customer's point people answer for their company on every dispute it has; anyone
    else only where they are involved."""
    accepted = Acceptance.select(Acceptance.dispute).where(Acceptance.organization == actor.organization.id)
    query = _open(actor).where((Dispute.state == "resolution") & Dispute.id.not_in(accepted))
    if actor.is_supplier or not actor.has("point_person"):
        query = query.where(involving(actor))
    return list(query.limit(LIMIT))


def _commitments(actor: Actor, now) -> dict[int, Waiting]:
    """The person's open commitments due within a week or overdue, the earliest of each dispute."""
    query = (
        Commitment.select(Commitment, Dispute)
        .join(Dispute)
        .where((Commitment.person == actor.person_id) & (Commitment.status == "open")
               & (Commitment.due_at <= now + COMMITMENT_SOON)
               & Dispute.id.in_(visible_disputes(actor).select(Dispute.id)))
        .order_by(Commitment.due_at)
        .limit(LIMIT)
    )
    found: dict[int, Waiting] = {}
    for commitment in query:
        overdue = commitment.due_at < now
        found.setdefault(commitment.dispute.id, Waiting(
            commitment.dispute, "commitment_overdue" if overdue else "commitment_due", urgent=overdue,
            due_at=commitment.due_at))
    return found


def _company_names(dispute: Dispute, cache: dict) -> dict[str, str]:
    if dispute.account_id not in cache:
        account = Account.get_by_id(dispute.account_id)
        names = dict(Organization.select(Organization.id, Organization.name)
                     .where(Organization.id.in_([account.supplier_id, account.customer_id])).tuples())
        cache[dispute.account_id] = {"supplier": names[account.supplier_id], "customer": names[account.customer_id]}
    return cache[dispute.account_id]


def _step_waiting(actor: Actor, dispute: Dispute, now, names: dict) -> Waiting | None:
    """The dispute, when its next step is the reader's to take."""
    step = next_step(dispute_reading.read(actor, dispute, now), actor, _company_names(dispute, names))
    if not acts_on(step, actor, dispute):
        return None
    if step.stage == "case":
        stale = is_stale(dispute, now)
        return Waiting(dispute, "stale_intake" if stale else "running", urgent=stale, step=step)
    return Waiting(dispute, _STAGE_REASON.get(step.stage, "running"), step=step)


def disputes_waiting_on(actor: Actor, now) -> list[Waiting]:
    """Each dispute once, for the most urgent thing the person can do on it, most urgent first."""
    if actor.is_read_only:
        return []
    found = _commitments(actor, now)
    candidates = {d.id: d for d in _running(actor) + _untold_stories(actor) + _acceptances(actor)}
    names: dict = {}
    for dispute in candidates.values():
        waiting = _step_waiting(actor, dispute, now, names)
        if waiting is None:
            continue
        held = found.get(dispute.id)
        if held is None or REASONS.index(waiting.reason) < REASONS.index(held.reason):
            found[dispute.id] = waiting
    return sorted(found.values(), key=lambda w: (REASONS.index(w.reason), w.due_at or w.dispute.state_changed_at))
