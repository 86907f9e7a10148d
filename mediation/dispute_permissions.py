"""Who may act on a dispute, and in which capacity: run its process, take part in it,
accept an option for their company, or open one on an account. The use cases require
these capacities and the pages offer only what they allow. Who is part of a dispute is
stated here too: its parties, mediators and the managers of its account, whom its changes
are told to and whose "mine only" lists hold it.
"""

from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.access import manages
from mediation.access import refuse_read_only
from mediation.access import visible_accounts
from mediation.disputes import Dispute
from mediation.disputes import Party
from mediation.errors import Forbidden
from mediation.parties import Account
from mediation.parties import AccountManager


def _case_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """The capacity in which `actor` runs this dispute's process, or None."""
    if dispute.mediator_id == actor.person_id:
        return "mediator"
    if dispute.co_mediator_id == actor.person_id:
        return "co_mediator"
    if manages(actor, dispute.account_id):
        return "account_manager"
    if is_supplier_admin(actor):
        return "admin"
    return None


def involving(actor: Actor):
    """Disputes the person is part of: as a party, a mediator, or a manager of the account."""
    parties = Party.select(Party.dispute).where(Party.person == actor.person_id)
    involved = (Dispute.id.in_(parties) | (Dispute.mediator == actor.person_id)
                | (Dispute.co_mediator == actor.person_id))
    if actor.has("account_manager"):
        managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
        involved = involved | Dispute.account.in_(managed)
    return involved


def involved_in(dispute: Dispute) -> set[int]:
    """The people part of the dispute, as `involving` has them: its parties, its mediators
    and the managers of its account."""
    parties = Party.select(Party.person).where(Party.dispute == dispute.id)
    managers = AccountManager.select(AccountManager.person).where(AccountManager.account == dispute.account_id)
    found = {person_id for (person_id,) in parties.union_all(managers).tuples()}
    return found | {dispute.mediator_id, dispute.co_mediator_id} - {None}


def is_party(dispute: Dispute, person_id: int) -> bool:
    return Party.select().where((Party.dispute == dispute.id) & (Party.person == person_id)).exists()


def case_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """The capacity in which `actor` may run this dispute's process (transitions, options,
    parties, mediators, commitments), or None; read-only auditors never do."""
    if actor.is_read_only:
        return None
    return _case_capacity(actor, dispute)


def participant_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """As `case_capacity`, or "party" for a party: who may write notes and tell a story
    (a party only their own)."""
    if actor.is_read_only:
        return None
    capacity = _case_capacity(actor, dispute)
    if capacity is None and is_party(dispute, actor.person_id):
        return "party"
    return capacity


def acceptance_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """As `participant_capacity`, or "point_person": who may accept an option for their company."""
    capacity = participant_capacity(actor, dispute)
    if capacity is None and actor.has("point_person"):
        return "point_person"
    return capacity


def openable_accounts(actor: Actor) -> list[Account]:
    """The accounts on which `actor` may open a dispute: those they manage, or every one
    they see as a supplier administrator."""
    if actor.is_read_only:
        return []
    accounts = visible_accounts(actor).order_by(Account.name)
    if is_supplier_admin(actor):
        return list(accounts)
    if not actor.has("account_manager"):
        return []
    managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
    return list(accounts.where(Account.id.in_(managed)))


def require_case_worker(actor: Actor, dispute: Dispute) -> str:
    refuse_read_only(actor)
    capacity = _case_capacity(actor, dispute)
    if capacity is None:
        raise Forbidden(
            "only the mediator, the co-mediator, the account's managers or an administrator "
            "may do this"
        )
    return capacity
