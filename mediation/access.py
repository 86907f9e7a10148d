"""Who may see and do what, across the two companies.

Supplier people see every account of their supplier. Customer people see only the
accounts where their organization is the customer, and never internal stories or
notes. An object the caller may not see is reported as not existing, so its
existence does not leak across companies. Auditors read everything they can see and
change nothing.
"""

from dataclasses import dataclass

from mediation.errors import Forbidden
from mediation.errors import NotFound
from mediation.ledger import INSTALLATION_CHAIN
from mediation.ledger import AuditEvent
from mediation.ledger import EventActor
from mediation.ledger import chain_name
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project


@dataclass(frozen=True)
class Actor:
    """The authenticated person a request acts for."""

    person: Person
    organization: Organization

    @classmethod
    def of(cls, person: Person) -> "Actor":
        return cls(person=person, organization=person.organization)

    @property
    def person_id(self) -> int:
        return self.person.id

    @property
    def roles(self) -> frozenset[str]:
        return self.person.roles

    @property
    def is_supplier(self) -> bool:
        return self.organization.kind == "supplier"

    @property
    def company(self) -> str:
        return self.organization.kind

    def has(self, role: str) -> bool:
        return role in self.person.roles

    @property
    def is_read_only(self) -> bool:
        """An auditor reads everything and changes nothing, whatever other roles an older
        release let them hold besides (`accord init` reports such people). A person with
        no role at all may still act in their own disputes, as a party."""
        return "auditor" in self.roles

    def signing(self, capacity: str) -> EventActor:
        return EventActor(self.person.id, self.organization.id, capacity)


def _tenant_side(actor: Actor) -> str:
    """The tenant rule: an account is seen by the people of its supplier and of its customer."""
    return "supplier" if actor.is_supplier else "customer"


def visible_accounts(actor: Actor):
    """A query of the accounts `actor` may see."""
    return Account.select().where(getattr(Account, _tenant_side(actor)) == actor.organization.id)


def seeing_account(account_id: int):
    """The condition on Person of the people who see the account: the tenant rule turned
    around, for choosing whom to tell of what happens on it."""
    companies = Account.select(Account.supplier).where(Account.id == account_id).union_all(
        Account.select(Account.customer).where(Account.id == account_id))
    return Person.organization.in_(companies)


def visible_accounts_sql(actor: Actor) -> tuple[str, list]:
    """`visible_accounts` as a subquery of their ids with its parameters, for the SQL that
    is written by hand (see mediation.db.portable)."""
    return f'SELECT a."id" FROM "account" AS a WHERE a."{_tenant_side(actor)}_id" = ?', [actor.organization.id]


def _one_of(visible, kind: str, ident: int):
    """The row of `visible` with id `ident`, or NotFound: one the caller may not see is
    reported as not existing."""
    found = visible.where(visible.model.id == ident).first()
    if found is None:
        raise NotFound(kind, ident)
    return found


def visible_account(actor: Actor, account_id: int) -> Account:
    """The account, or NotFound when it does not exist or is another tenant's."""
    return _one_of(visible_accounts(actor), "account", account_id)


def visible_organizations(actor: Actor):
    if actor.is_supplier:
        return Organization.select().where(
            (Organization.id == actor.organization.id) | (Organization.kind == "customer")
        )
    partners = visible_accounts(actor).select(Account.supplier)
    return Organization.select().where(
        (Organization.id == actor.organization.id) | Organization.id.in_(partners)
    )


def visible_organization(actor: Actor, organization_id: int) -> Organization:
    return _one_of(visible_organizations(actor), "organization", organization_id)


def visible_people(actor: Actor):
    return Person.select().where(Person.organization.in_(visible_organizations(actor).select(Organization.id)))


def visible_person(actor: Actor, person_id: int) -> Person:
    return _one_of(visible_people(actor), "person", person_id)


def visible_projects(actor: Actor):
    return Project.select().where(Project.account.in_(visible_accounts(actor).select(Account.id)))


def visible_project(actor: Actor, project_id: int) -> Project:
    return _one_of(visible_projects(actor), "project", project_id)


def manages(actor: Actor, account_id: int) -> bool:
    return (
        actor.has("account_manager")
        and AccountManager.select()
        .where((AccountManager.account == account_id) & (AccountManager.person == actor.person_id))
        .exists()
    )


def is_supplier_admin(actor: Actor) -> bool:
    return actor.is_supplier and actor.has("admin")


def refuse_read_only(actor: Actor) -> None:
    if actor.is_read_only:
        raise Forbidden("auditors read and export; they do not change anything")


def sees_internal(actor: Actor) -> bool:
    return actor.is_supplier


def may_read_event(actor: Actor, event: AuditEvent) -> bool:
    """An event is read where its chain is: an account's shared chain by both its companies,
    its internal chain by the supplier, the installation's by the supplier, and by a
    customer only where the event is about that customer or one of its people."""
    if event.chain == INSTALLATION_CHAIN:
        if actor.is_supplier:
            return True
        if event.subject_type == "organization":
            return event.subject_id == actor.organization.id
        return event.subject_type == "person" and visible_people(actor).where(
            (Person.id == event.subject_id) & (Person.organization == actor.organization.id)).exists()
    readable = {chain_name(account.id, internal)
                for account in visible_accounts(actor).select(Account.id)
                for internal in ((False, True) if sees_internal(actor) else (False,))}
    return event.chain in readable


def readable_chain(actor: Actor, account_id: int) -> str | None:
    """The one chain of an account whose events a customer's people read; None for the
    supplier's people, who read both of its chains."""
    return None if sees_internal(actor) else chain_name(account_id)


def event_position(actor: Actor):
    """Where an event stands in the histories `actor` reads, for their cursors: its place
    in its chain for a customer, who reads one chain, its sequence for the supplier."""
    return (lambda event: event.sequence) if sees_internal(actor) else (lambda event: event.chain_sequence)
