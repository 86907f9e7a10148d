"""Who may do what with a protocol: draft its versions, or acknowledge, log contact on and
report incidents on it. Each check names the capacity in which the caller acts, which the
use cases sign their audit events with."""

from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.access import manages
from mediation.access import refuse_read_only
from mediation.errors import Forbidden
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import named_people


def _named_in(protocol_id: int, person_id: int) -> bool:
    """Whether any version of the protocol names the person, whatever its status: drafts
    and superseded versions count too."""
    versions = ProtocolVersion.select().where(ProtocolVersion.protocol == protocol_id)
    return any(person_id in named_people(version) for version in versions)


def drafting_capacity(actor: Actor, account_id: int) -> str:
    """The capacity in which the caller drafts protocols and versions on the account;
    Forbidden unless they manage it or administer the supplier."""
    refuse_read_only(actor)
    if manages(actor, account_id):
        return "account_manager"
    if is_supplier_admin(actor):
        return "admin"
    raise Forbidden("protocols are drafted by the account's managers or an administrator")


def contact_capacity(actor: Actor, protocol: Protocol) -> str:
    """Who may log contact and acknowledge: people of the account, not auditors."""
    refuse_read_only(actor)
    if manages(actor, protocol.project.account_id):
        return "account_manager"
    if _named_in(protocol.id, actor.person_id):
        return "point_person"
    if actor.has("point_person") and not actor.is_supplier:
        return "point_person"
    if is_supplier_admin(actor):
        return "admin"
    raise Forbidden("only the account's managers and the protocol's point people may do this")


def require_drafter(actor: Actor, account_id: int) -> None:
    """Forbidden unless the caller may create protocols and versions on the account: the
    check the drafting use cases run, for asking before a form is read."""
    drafting_capacity(actor, account_id)


def require_contact(actor: Actor, protocol: Protocol) -> None:
    """Forbidden unless the caller may acknowledge, log contact on and report incidents on
    the protocol: the check those use cases run, for asking before a form is read."""
    contact_capacity(actor, protocol)


def may_draft(actor: Actor, account_id: int) -> bool:
    try:
        drafting_capacity(actor, account_id)
    except Forbidden:
        return False
    return True


def may_contact(actor: Actor, protocol: Protocol) -> bool:
    try:
        contact_capacity(actor, protocol)
    except Forbidden:
        return False
    return True
