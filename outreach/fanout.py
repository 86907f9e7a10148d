"""Notifications of what happened, written by the ledger's listener in the transaction of
the change itself: a change that rolls back tells no one, and one that commits cannot be
lost before its notifications are written."""

from mediation.dispute_permissions import involved_in
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Option
from mediation.ledger import AuditEvent
from mediation.lifecycle import STATE_WORDS
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from outreach.notices import Notice
from outreach.notices import notify
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import named_people
from protocols.models import protocol_name

DISPUTE_UPDATES = ("opened", "transition", "option_proposed", "option_accepted", "acceptance_retracted",
                   "commitment_recorded", "commitment_kept", "commitment_broken")
PROTOCOL_UPDATES = {"version_proposed": "proposed", "version_agreed": "agreed",
                    "version_superseded": "superseded", "version_retired": "retired"}


def on_event(event: AuditEvent) -> None:
    if event.subject_type == "dispute" and event.kind in DISPUTE_UPDATES:
        _dispute_update(event)
    elif event.subject_type == "protocol" and event.kind in PROTOCOL_UPDATES:
        _protocol_update(event)


def _dispute_update(event: AuditEvent) -> None:
    dispute = Dispute.get_by_id(event.subject_id)
    notice = Notice("dispute_update", "dispute", dispute.id, dispute.account_id, f"event:{event.sequence}",
                    f"{dispute.title}: {_what_happened(event)}", f"/disputes/{dispute.id}",
                    event_sequence=event.sequence)
    notify(involved_in(dispute) - {event.actor_person_id}, notice, event.occurred_at)


def _what_happened(event: AuditEvent) -> str:
    data = event.data
    if event.kind == "opened":
        return "a new dispute"
    if event.kind == "transition":
        return f"moved to {STATE_WORDS[event.to_state].lower()}"
    if event.kind == "option_proposed":
        return f"a new option, \u201c{data['summary']}\u201d"
    if event.kind in ("option_accepted", "acceptance_retracted"):
        company = Organization.get_by_id(data["organization_id"]).name
        summary = Option.get_by_id(data["option_id"]).summary
        done = "accepted" if event.kind == "option_accepted" else "took back its acceptance of"
        return f"{company} {done} \u201c{summary}\u201d"
    commitment = Commitment.get_by_id(data["commitment_id"])
    if event.kind == "commitment_recorded":
        return f"{Person.get_by_id(commitment.person_id).name} committed to \u201c{commitment.description}\u201d"
    return f"the commitment \u201c{commitment.description}\u201d was {event.kind.removeprefix('commitment_')}"


def _protocol_update(event: AuditEvent) -> None:
    protocol = Protocol.select(Protocol, Project).join(Project).where(Protocol.id == event.subject_id).get()
    number = event.data["number"]
    version = ProtocolVersion.get((ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == number))
    account_id = protocol.project.account_id
    managers = {person_id for (person_id,) in
                AccountManager.select(AccountManager.person).where(AccountManager.account == account_id).tuples()}
    notice = Notice("protocol_update", "protocol", protocol.id, account_id, f"event:{event.sequence}",
                    f"{protocol_name(protocol.scenario, protocol.project.name)}: version {number} {PROTOCOL_UPDATES[event.kind]}",
                    f"/protocols/{protocol.id}", event_sequence=event.sequence)
    notify((named_people(version) | managers) - {event.actor_person_id}, notice, event.occurred_at)
