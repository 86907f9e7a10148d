"""A dispute on a project puts the project's agreed escalation protocol in force while
the dispute is open, and stands it down when the dispute ends."""

from mediation.disputes import Dispute
from mediation.ledger import AuditEvent
from mediation.ledger import append
from mediation.lifecycle import CLOSED_STATES
from mediation.lifecycle import OPEN_STATES
from protocols.models import ESCALATION
from protocols.models import EscalationActivation
from protocols.models import Protocol
from protocols.models import ProtocolVersion


def escalation_protocol(project_id) -> Protocol | None:
    if project_id is None:
        return None
    return Protocol.get_or_none((Protocol.project == project_id) & (Protocol.scenario == ESCALATION))


def _record(protocol, dispute, signature, now, kind):
    append("protocol", protocol.id, kind, account_id=dispute.account_id, actor=signature, at=now, payload={"dispute_id": dispute.id})
    append("dispute", dispute.id, kind, account_id=dispute.account_id, actor=signature, at=now, from_state=dispute.state,
           to_state=dispute.state, payload={"protocol_id": protocol.id})


def switch_escalation(dispute, from_state, to_state, signature, now) -> None:
    """The dispute-change listener that `outreach.install()` installs."""
    opens = (from_state is None or from_state in CLOSED_STATES) and to_state in OPEN_STATES
    ends = from_state in OPEN_STATES and to_state in CLOSED_STATES
    if not (opens or ends):
        return
    protocol = escalation_protocol(dispute.project_id)
    if protocol is None:
        return
    if opens:
        agreed = ProtocolVersion.select().where(
            (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.status == "agreed")
        ).exists()
        if agreed:
            _activate(protocol, dispute, signature, now)
        return
    ended = (
        EscalationActivation.update(ended_at=now)
        .where((EscalationActivation.dispute == dispute.id) & EscalationActivation.ended_at.is_null())
        .execute()
    )
    if ended:
        _record(protocol, dispute, signature, now, "escalation_stood_down")


def _activate(protocol, dispute, signature, now, started=None) -> None:
    EscalationActivation.create(protocol=protocol, dispute=dispute.id, started_at=started or now)
    _record(protocol, dispute, signature, now, "escalation_in_force")


def _opened_at(dispute):
    """When the dispute last opened: its creation, or its latest reopening."""
    reopened = (
        AuditEvent.select(AuditEvent.occurred_at)
        .where((AuditEvent.subject_type == "dispute") & (AuditEvent.subject_id == dispute.id)
               & AuditEvent.from_state.in_(CLOSED_STATES) & AuditEvent.to_state.in_(OPEN_STATES))
        .order_by(AuditEvent.sequence.desc())
        .first()
    )
    return max(dispute.created_at, reopened.occurred_at) if reopened is not None else dispute.created_at


def activate_for_open_disputes(protocol, signature, now, since=None) -> None:
    """An escalation protocol agreed while disputes on its project are open comes into
    force for each of them: at once, or, for a version agreed back-dated to `since`, from
    then or from when the dispute opened, whichever is later. (A dispute that ended before
    the agreement is not reached back to.)"""
    held = EscalationActivation.select(EscalationActivation.dispute).where(
        (EscalationActivation.protocol == protocol.id) & EscalationActivation.ended_at.is_null()
    )
    open_disputes = Dispute.select().where(
        (Dispute.project == protocol.project_id) & Dispute.state.in_(OPEN_STATES) & Dispute.id.not_in(held)
    )
    for dispute in open_disputes.order_by(Dispute.id):
        started = max(since, _opened_at(dispute)) if since is not None and since < now else now
        _activate(protocol, dispute, signature, now, started)


def activation_for(dispute_id: int) -> EscalationActivation | None:
    """The open activation a dispute holds, if any: for showing it on the dispute."""
    return (
        EscalationActivation.select()
        .where((EscalationActivation.dispute == dispute_id) & EscalationActivation.ended_at.is_null())
        .first()
    )
