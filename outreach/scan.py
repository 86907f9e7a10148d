"""What waits on people and what falls due, found by a scan rather than by an event: a
dispute left in intake, an untold story, an acceptance or acknowledgement awaited, a
commitment or a contact coming due.

Each finding is written once per period (a notification's unique key: the stage entered
at a moment, the due date), so the scan may run as often as wanted, by several workers
at once, and tells nobody twice. What waits is decided by the rules the home page shows
(mediation.attention, protocols.attention, the protocols board); the scan only asks them
for the people they could concern.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from mediation.access import Actor
from mediation.attention import disputes_waiting_on
from mediation.db import write_transaction
from mediation.dispute_queries import is_stale
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Party
from mediation.lifecycle import OPEN_STATES
from mediation.lifecycle import STATE_WORDS
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from outreach.notices import Notice
from outreach.notices import notify
from protocols.attention import awaiting_acknowledgement
from protocols.board import board
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import named_people
from protocols.models import protocol_name

COMMITMENT_NOTICE = timedelta(days=3)  # a commitment is told of this long before it is due
WAITING = {
    "story_awaited": "your story is awaited",
    "acceptance_awaited": "your company's acceptance is awaited",
    "commitment_due": "your commitment is due",
    "commitment_overdue": "your commitment is overdue",
}


@dataclass(frozen=True)
class _FixedClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def scan(now: datetime) -> int:
    """Find everything due at `now` and tell whom it concerns; how many were told anew.
    The finding reads; the telling is one short write."""
    found = _stale(now) + _waiting(now) + _touchpoints(now)
    with write_transaction():
        return sum(notify(people, notice, now) for people, notice in found)


def _stale(now: datetime) -> list:
    found = []
    for dispute in Dispute.select().where(Dispute.state == "intake"):
        if not is_stale(dispute, now):
            continue
        managers = AccountManager.select(AccountManager.person).where(AccountManager.account == dispute.account_id)
        running = {person_id for (person_id,) in managers.tuples()}
        running |= {dispute.mediator_id, dispute.co_mediator_id} - {None}
        stage = STATE_WORDS[dispute.state].lower()
        found.append((running, Notice(
            "stale_dispute", "dispute", dispute.id, dispute.account_id,
            f"stale:{dispute.state}:{dispute.state_changed_at.isoformat()}",
            f"{dispute.title}: in {stage} for more than a day", f"/disputes/{dispute.id}", urgent=True)))
    return found


def _waiting(now: datetime) -> list:
    found = []
    for person in _who_may_be_waited_on(now):
        actor = Actor.of(person)
        for waiting in disputes_waiting_on(actor, now):
            if waiting.reason not in WAITING:
                continue
            if waiting.reason == "commitment_due" and waiting.due_at > now + COMMITMENT_NOTICE:
                continue
            dispute = waiting.dispute
            marker = waiting.due_at if waiting.due_at else dispute.state_changed_at
            found.append(({person.id}, Notice(
                "waiting_on_you", "dispute", dispute.id, dispute.account_id,
                f"{waiting.reason}:{marker.isoformat()}", f"{dispute.title}: {WAITING[waiting.reason]}",
                f"/disputes/{dispute.id}")))
        for version in awaiting_acknowledgement(actor):
            protocol = version.protocol
            found.append(({person.id}, Notice(
                "waiting_on_you", "protocol", protocol.id, protocol.project.account_id,
                f"acknowledgement:{version.number}",
                f"{protocol_name(protocol.scenario, protocol.project.name)}: your company's acknowledgement of "
                f"version {version.number} is awaited",
                f"/protocols/{protocol.id}")))
    return found


def _who_may_be_waited_on(now: datetime) -> list[Person]:
    """Everyone something could wait on, and a few more: the people of open disputes, the
    holders of commitments coming due, the named people and account managers of versions
    awaiting acknowledgement, and, while a dispute awaits acceptance or a version
    acknowledgement, the customers' point people and the supplier's administrators. Far
    fewer than everyone, so the rules are asked of each of them alone."""
    open_disputes = Dispute.select().where(Dispute.state.in_(OPEN_STATES))
    ids = {person_id for (person_id,) in
           Party.select(Party.person).where(Party.dispute.in_(open_disputes.select(Dispute.id))).tuples()}
    for mediator, co_mediator in open_disputes.select(Dispute.mediator, Dispute.co_mediator).tuples():
        ids |= {mediator, co_mediator} - {None}
    ids |= {person_id for (person_id,) in Commitment.select(Commitment.person).where(
        (Commitment.status == "open") & (Commitment.due_at <= now + COMMITMENT_NOTICE)).tuples()}
    proposed = list(ProtocolVersion.select(ProtocolVersion, Protocol, Project).join(Protocol).join(Project)
                    .where(ProtocolVersion.status == "proposed"))
    for version in proposed:
        ids |= named_people(version)
    accounts = {version.protocol.project.account_id for version in proposed}
    accounts |= {account_id for (account_id,) in open_disputes.select(Dispute.account).tuples()}
    ids |= {person_id for (person_id,) in AccountManager.select(AccountManager.person).where(
        AccountManager.account.in_(list(accounts))).tuples()}
    if proposed or open_disputes.where(Dispute.state == "resolution").exists():
        deciders = Person.select(Person.id).join(Organization).where(
            Person.roles_text.contains("point_person")
            | ((Organization.kind == "supplier") & Person.roles_text.contains("admin")))
        ids |= {person_id for (person_id,) in deciders.tuples()}
    people = Person.select(Person, Organization).join(Organization).where(
        Person.id.in_(list(ids)) & Person.disabled_at.is_null())
    return list(people)


def _touchpoints(now: datetime) -> list:
    found = []
    for entry in board(None, _FixedClock(now)):
        status = entry.compliance.status
        if status not in ("due_soon", "overdue"):
            continue
        version = ProtocolVersion.get((ProtocolVersion.protocol == entry.protocol_id)
                                      & (ProtocolVersion.number == entry.version))
        people = {version.supplier_point_person_id, version.customer_point_person_id}
        if status == "overdue":
            people |= set(version.backup_ids)
        due = entry.compliance.next_due_at
        when = f"{due:%-d %b %Y, %H:%M} UTC" if due else "now"
        words = f"contact is overdue (it was due {when})" if status == "overdue" else f"contact is due by {when}"
        name = protocol_name(entry.scenario, entry.project)
        found.append((people, Notice(
            "touchpoint_due", "protocol", entry.protocol_id, entry.account_id,
            f"{status}:{due.isoformat() if due else ''}", f"{name}: {words}", f"/protocols/{entry.protocol_id}",
            urgent=status == "overdue" and entry.scenario == "incident")))
    return found
