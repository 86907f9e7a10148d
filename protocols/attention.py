"""What waits on a person in protocols: versions for their company to acknowledge, and the
board entries they answer for."""

from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.parties import AccountManager
from mediation.parties import Project
from protocols.models import Acknowledgement
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import named_people
from protocols.permissions import may_contact
from protocols.queries import visible_protocols

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


def answered_for(actor: Actor, entries: list) -> list:
    """The board entries a person answers for. A customer's people answer for their own
    company's protocols, and the supplier's administrators oversee all; other supplier
    people answer for the accounts they manage and the protocols whose agreed versions name
    them."""
    if not actor.is_supplier or is_supplier_admin(actor):
        return entries
    managed = {account for (account,) in AccountManager.select(AccountManager.account)
               .where(AccountManager.person == actor.person_id).tuples()}
    in_force = (
        ProtocolVersion.select()
        .where(ProtocolVersion.protocol.in_([e.protocol_id for e in entries])
               & (ProtocolVersion.status == "agreed"))
    )
    naming = {v.protocol_id for v in in_force if actor.person_id in named_people(v)}
    return [e for e in entries if e.account_id in managed or e.protocol_id in naming]
