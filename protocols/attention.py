"""Protocol versions waiting for a person's company to acknowledge them."""

from mediation.access import Actor
from mediation.parties import Project
from protocols.models import Acknowledgement
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.services import may_contact
from protocols.services import visible_protocols

LIMIT = 50


def awaiting_acknowledgement(actor: Actor) -> list[ProtocolVersion]:
    """Proposed versions the caller may acknowledge and their company has not yet, oldest
    first; each carries its protocol and project."""
    acknowledged = Acknowledgement.select(Acknowledgement.version).where(
        Acknowledgement.organization == actor.organization.id
    )
    proposed = (
        ProtocolVersion.select(ProtocolVersion, Protocol, Project)
        .join(Protocol)
        .join(Project)
        .where(Protocol.id.in_(visible_protocols(actor).select(Protocol.id))
               & (ProtocolVersion.status == "proposed")
               & ProtocolVersion.id.not_in(acknowledged))
        .order_by(ProtocolVersion.created_at)
        .limit(LIMIT)
    )
    return [version for version in proposed if may_contact(actor, version.protocol)]
