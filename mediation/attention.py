"""What a person should look at next: the disputes waiting on them, and why.

A dispute waits on the people running it (mediator, co-mediator, the account's managers)
while it is open; on a party whose story is still untold; on each company whose
acceptance a resolution still needs; and on a person whose commitment is due.
"""

from dataclasses import dataclass
from datetime import datetime

from mediation.access import Actor
from mediation.dispute_queries import is_stale
from mediation.dispute_queries import visible_disputes
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Party
from mediation.disputes import Story
from mediation.lifecycle import OPEN_STATES
from mediation.parties import AccountManager

LIMIT = 50


@dataclass(frozen=True)
class Waiting:
    """A dispute and why it waits: `reason` is one of REASONS; `due_at` for commitments."""

    dispute: Dispute
    reason: str
    urgent: bool = False
    due_at: datetime | None = None


REASONS = ("stale_intake", "running", "story_awaited", "acceptance_awaited", "commitment_due",
           "commitment_overdue")


def _open(actor: Actor):
    return visible_disputes(actor).where(Dispute.state.in_(OPEN_STATES))


def _running(actor: Actor, now) -> list[Waiting]:
    running = (Dispute.mediator == actor.person_id) | (Dispute.co_mediator == actor.person_id)
    if actor.has("account_manager"):
        managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
        running = running | Dispute.account.in_(managed)
    query = _open(actor).where(running)
    waiting = []
    for dispute in query.order_by(Dispute.state_changed_at).limit(LIMIT):
        if is_stale(dispute, now):
            waiting.append(Waiting(dispute, "stale_intake", urgent=True))
        else:
            waiting.append(Waiting(dispute, "running"))
    return waiting


def _untold_stories(actor: Actor) -> list[Waiting]:
    told = Story.select(Story.dispute).where(Story.party == actor.person_id)
    query = (
        _open(actor)
        .join(Party, on=(Party.dispute == Dispute.id))
        .where((Party.person == actor.person_id) & (Dispute.state == "story_gathering") & Dispute.id.not_in(told))
    )
    return [Waiting(d, "story_awaited") for d in query.limit(LIMIT)]


def _involving(actor: Actor):
    """Disputes the person is part of: as a party, a mediator, or a manager of the account."""
    parties = Party.select(Party.dispute).where(Party.person == actor.person_id)
    involved = (Dispute.id.in_(parties) | (Dispute.mediator == actor.person_id)
                | (Dispute.co_mediator == actor.person_id))
    if actor.has("account_manager"):
        managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
        involved = involved | Dispute.account.in_(managed)
    return involved


def involved_in(dispute: Dispute) -> set[int]:
    """The people part of the dispute, as `_involving` has them: its parties, its mediators
    and the managers of its account."""
    parties = Party.select(Party.person).where(Party.dispute == dispute.id)
    managers = AccountManager.select(AccountManager.person).where(AccountManager.account == dispute.account_id)
    found = {person_id for (person_id,) in parties.union_all(managers).tuples()}
    return found | {dispute.mediator_id, dispute.co_mediator_id} - {None}


def _acceptances(actor: Actor) -> list[Waiting]:
    """A customer's point people answer for their company on every dispute it has; anyone
    else only where they are involved."""
    accepted = Acceptance.select(Acceptance.dispute).where(Acceptance.organization == actor.organization.id)
    query = _open(actor).where((Dispute.state == "resolution") & Dispute.id.not_in(accepted))
    if actor.is_supplier or not actor.has("point_person"):
        query = query.where(_involving(actor))
    return [Waiting(d, "acceptance_awaited") for d in query.limit(LIMIT)]


def _commitments(actor: Actor, now) -> list[Waiting]:
    query = (
        Commitment.select(Commitment, Dispute)
        .join(Dispute)
        .where((Commitment.person == actor.person_id) & (Commitment.status == "open")
               & Dispute.id.in_(visible_disputes(actor).select(Dispute.id)))
        .order_by(Commitment.due_at)
        .limit(LIMIT)
    )
    waiting = []
    for commitment in query:
        overdue = commitment.due_at < now
        waiting.append(Waiting(commitment.dispute, "commitment_overdue" if overdue else "commitment_due",
                               urgent=overdue, due_at=commitment.due_at))
    return waiting


def disputes_waiting_on(actor: Actor, now) -> list[Waiting]:
    """Urgent first; one line per reason, so a dispute can wait on someone twice."""
    if actor.is_read_only:
        return []
    found = _commitments(actor, now) + _untold_stories(actor) + _acceptances(actor) + _running(actor, now)
    return sorted(found, key=lambda w: not w.urgent)
