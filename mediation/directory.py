"""Use cases for organizations, people, accounts and projects.

`actor=None` means the operator at the command line (bootstrapping), recorded in the
ledger as the system.
"""

from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.access import manages
from mediation.access import refuse_read_only
from mediation.access import visible_account
from mediation.access import visible_organizations
from mediation.access import visible_person
from mediation.credentials import hash_password
from mediation.db import locked
from mediation.db import write_transaction
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import SYSTEM
from mediation.ledger import append
from mediation.parties import CONTACT_CEILING_RANGE
from mediation.parties import ORGANIZATION_KINDS
from mediation.parties import ROLES
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from mediation.parties import normalize_email
from mediation.sessions import end_sessions_of


def _signature(actor: Actor | None, capacity: str = "admin"):
    return actor.signing(capacity) if actor else SYSTEM


def require_admin(actor: Actor | None, supplier_only: bool = True) -> None:
    """Forbidden unless `actor` administers (the supplier, with `supplier_only`). Public so
    that callers refuse before they read a request: 403 whether or not its body is valid."""
    if actor is None:
        return
    refuse_read_only(actor)
    if not actor.has("admin") or (supplier_only and not actor.is_supplier):
        raise Forbidden("only an administrator of the supplier may do this")


def manages_people_of(actor: Actor, organization_id: int) -> bool:
    """Whether `actor` may add, disable and change the roles of this organization's people:
    an administrator, of their own organization or, at the supplier, of any they see."""
    return actor.has("admin") and (actor.is_supplier or organization_id == actor.organization.id)


def _known_roles(roles) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid.field("roles", f"unknown roles: {', '.join(unknown)}")
    return roles


def _check_roles_fit(roles, organization: Organization) -> None:
    if "account_manager" in roles and organization.kind != "supplier":
        raise Invalid.field("roles", "account managers belong to a supplier")
    writing = sorted(set(roles) - {"auditor"})
    if "auditor" in roles and writing:
        raise Invalid.field("roles", "an auditor changes nothing, so auditor cannot be held with "
                                     f"{', '.join(r.replace('_', ' ') for r in writing)}; give a second person that role")


def auditors_who_write() -> list[Person]:
    """People holding auditor beside a role that writes, which earlier releases allowed:
    they are now held to reading, and `accord init` names them so an administrator can
    choose their roles again."""
    return [person for person in Person.select().where(Person.roles_text.contains("auditor")).order_by(Person.id)
            if person.roles - {"auditor"}]


def create_organization(actor: Actor | None, clock, *, name: str, kind: str) -> Organization:
    """An administrator of the supplier adds customers. Another supplier is a tenant of its
    own, which this one's people could not even see: only the command line (no actor) adds
    one, as it added the first."""
    require_admin(actor)
    if kind not in ORGANIZATION_KINDS:
        raise Invalid.field("kind", f"must be one of: {', '.join(ORGANIZATION_KINDS)}")
    if actor is not None and kind == "supplier":
        raise Invalid.field("kind", "administrators add customers; a supplier is set up from the command line "
                                    "(accord org add --kind supplier)")
    name = name.strip()
    with write_transaction():
        if Organization.select().where(Organization.name == name).exists():
            raise Invalid.field("name", f"an organization named '{name}' already exists")
        now = clock.now()
        org = Organization.create(name=name, kind=kind, created_at=now)
        append("organization", org.id, "organization_created", account_id=None, actor=_signature(actor), at=now,
               payload={"name": name, "kind": kind})
    return org


def create_person(
    actor: Actor | None,
    clock,
    *,
    email: str,
    name: str,
    organization_id: int,
    roles,
    password: str | None = None,
) -> Person:
    require_admin(actor, supplier_only=False)
    roles = _known_roles(roles)
    email = normalize_email(email)
    with write_transaction():
        org = Organization.get_or_none(Organization.id == organization_id)
        if org is None or (actor and not visible_organizations(actor).where(Organization.id == org.id).exists()):
            raise Invalid.field("organization_id", f"organization {organization_id} does not exist")
        if actor and not manages_people_of(actor, org.id):
            raise Forbidden("a customer administrator adds people to their own organization only")
        _check_roles_fit(roles, org)
        if Person.select().where(Person.email == email).exists():
            raise Invalid.field("email", f"{email} is already registered")
        now = clock.now()
        person = Person(
            email=email,
            name=name.strip(),
            organization=org,
            password_hash=hash_password(password) if password else None,
            created_at=now,
        )
        person.roles = roles
        person.save()
        append("person", person.id, "person_created", account_id=None, actor=_signature(actor), at=now,
               payload={"email": email, "name": person.name, "organization_id": org.id, "roles": roles})
    return person


def create_account(
    actor: Actor | None,
    clock,
    *,
    name: str,
    supplier_id: int,
    customer_id: int,
    manager_ids=(),
) -> Account:
    require_admin(actor)
    manager_ids = sorted(set(manager_ids))
    with write_transaction():
        supplier = Organization.get_or_none(Organization.id == supplier_id)
        customer = Organization.get_or_none(Organization.id == customer_id)
        errors = {}
        if supplier is None or supplier.kind != "supplier":
            errors["supplier_id"] = [f"organization {supplier_id} is not a supplier"]
        elif actor and supplier.id != actor.organization.id:
            errors["supplier_id"] = ["you can open accounts for your own organization only"]
        if customer is None or customer.kind != "customer":
            errors["customer_id"] = [f"organization {customer_id} is not a customer"]
        managers = list(Person.select().where(Person.id.in_(manager_ids))) if manager_ids else []
        bad = sorted(
            set(manager_ids)
            - {p.id for p in managers if p.organization_id == supplier_id and "account_manager" in p.roles}
        )
        if bad:
            errors["manager_ids"] = [
                f"not account managers of the supplier: {', '.join(map(str, bad))}"
            ]
        if errors:
            raise Invalid(errors)
        name = name.strip()
        duplicate = Account.select().where(
            (Account.supplier == supplier_id) & (Account.customer == customer_id) & (Account.name == name)
        )
        if duplicate.exists():
            raise Invalid.field("name", f"this supplier and customer already have an account named '{name}'")
        now = clock.now()
        account = Account.create(name=name, supplier=supplier, customer=customer, created_at=now)
        for manager in managers:
            AccountManager.create(account=account, person=manager)
        append("account", account.id, "account_created", account_id=account.id, actor=_signature(actor), at=now,
               payload={"name": name, "supplier_id": supplier_id, "customer_id": customer_id,
                        "manager_ids": manager_ids})
    return account


def create_project(actor: Actor | None, clock, *, name: str, account_id: int) -> Project:
    with write_transaction():
        if actor is None:
            account = Account.get_or_none(Account.id == account_id)
            if account is None:
                raise Invalid.field("account_id", f"account {account_id} does not exist")
        else:
            try:
                account = visible_account(actor, account_id)
            except NotFound:
                raise Invalid.field("account_id", f"account {account_id} does not exist") from None
            if not (is_supplier_admin(actor) or manages(actor, account.id)):
                raise Forbidden("only the supplier's administrators and this account's managers add projects")
        name = name.strip()
        if Project.select().where((Project.account == account.id) & (Project.name == name)).exists():
            raise Invalid.field("name", f"the account already has a project named '{name}'")
        now = clock.now()
        project = Project.create(name=name, account=account, created_at=now)
        capacity = "admin" if actor is None or is_supplier_admin(actor) else "account_manager"
        append("project", project.id, "project_created", account_id=account.id, actor=_signature(actor, capacity), at=now,
               payload={"name": name, "account_id": account.id})
    return project


def _ceiling_capacity(actor: Actor, account_id: int) -> str:
    """The capacity in which the caller sets the account's contact ceiling; Forbidden unless
    they administer the supplier or manage the account."""
    refuse_read_only(actor)
    if is_supplier_admin(actor):
        return "admin"
    if manages(actor, account_id):
        return "account_manager"
    raise Forbidden("only the supplier's administrators and this account's managers set its contact ceiling")


def may_set_contact_ceiling(actor: Actor, account_id: int) -> bool:
    try:
        _ceiling_capacity(actor, account_id)
    except Forbidden:
        return False
    return True


def set_contact_ceiling(actor: Actor, clock, *, account_id: int, contact_ceiling_per_week: int) -> Account:
    """Change how many contacts a week with one person the account's air traffic allows,
    recorded with the ceiling before and after. The same ceiling again changes nothing and
    records nothing."""
    low, high = CONTACT_CEILING_RANGE
    with write_transaction():
        account = visible_account(actor, account_id)
        capacity = _ceiling_capacity(actor, account.id)
        if not low <= contact_ceiling_per_week <= high:
            raise Invalid.field("contact_ceiling_per_week", f"must be {low} to {high} contacts a week")
        account = locked(Account.select().where(Account.id == account.id)).get()
        before = account.contact_ceiling_per_week
        if before == contact_ceiling_per_week:
            return account
        Account.update(contact_ceiling_per_week=contact_ceiling_per_week).where(Account.id == account.id).execute()
        account.contact_ceiling_per_week = contact_ceiling_per_week
        append("account", account.id, "contact_ceiling_changed", account_id=account.id, actor=actor.signing(capacity), at=clock.now(),
               payload={"from": before, "to": contact_ceiling_per_week})
    return account


def _managed_person(actor: Actor | None, person_id: int, *, oneself: str) -> Person:
    """The person `actor` may disable or change: NotFound when not even visible to them,
    Forbidden for another organization's people (to a customer's administrator) and, with
    the reason `oneself`, for themselves."""
    if actor is None:
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            raise NotFound("person", person_id)
        return person
    person = visible_person(actor, person_id)
    if not manages_people_of(actor, person.organization_id):
        raise Forbidden("a customer administrator manages the people of their own organization only")
    if person.id == actor.person_id:
        raise Forbidden(oneself)
    return person


def disable_person(actor: Actor | None, clock, *, person_id: int) -> Person:
    """Disable a person: their tokens and browser sessions stop working at once. Refused
    for oneself."""
    require_admin(actor, supplier_only=False)
    with write_transaction():
        person = _managed_person(actor, person_id, oneself="administrators cannot disable themselves")
        if person.disabled_at is not None:
            raise Conflict(f"{person.email} is already disabled")
        now = clock.now()
        Person.update(disabled_at=now).where(Person.id == person.id).execute()
        person.disabled_at = now
        ended = end_sessions_of(person.id, now, "person_disabled")
        append("person", person.id, "person_disabled", account_id=None, actor=_signature(actor), at=now,
               payload={"email": person.email, "sessions_ended": ended})
    return person


NAME_LENGTH = 200


def rename_self(actor: Actor, clock, *, name: str) -> Person:
    """A person changes the name others see them by; recorded with the name before. Their
    own profile, so auditors may too: it changes nothing of the relationship."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_LENGTH:
        raise Invalid.field("name", f"must be 1 to {NAME_LENGTH} characters")
    with write_transaction():
        person = locked(Person.select().where(Person.id == actor.person_id)).get()
        if person.name == name:
            return person
        Person.update(name=name).where(Person.id == person.id).execute()
        append("person", person.id, "person_renamed", account_id=None, actor=_signature(actor, "self"), at=clock.now(),
               payload={"email": person.email, "from": person.name, "to": name})
        person.name = name
    actor.person.name = name
    return person


def enable_person(actor: Actor | None, clock, *, person_id: int) -> Person:
    """Let a disabled person sign in again. Their old sessions stay ended and their tokens
    stay as they were: only new sign-ins and tokens not revoked work again."""
    require_admin(actor, supplier_only=False)
    with write_transaction():
        person = _managed_person(actor, person_id, oneself="administrators cannot enable themselves")
        person = locked(Person.select().where(Person.id == person.id)).get()
        if person.disabled_at is None:
            raise Conflict(f"{person.email} is not disabled")
        disabled_at = person.disabled_at
        Person.update(disabled_at=None).where(Person.id == person.id).execute()
        person.disabled_at = None
        append("person", person.id, "person_enabled", account_id=None, actor=_signature(actor), at=clock.now(),
               payload={"email": person.email, "disabled_since": disabled_at.isoformat()})
    return person


def set_roles(actor: Actor | None, clock, *, person_id: int, roles) -> Person:
    """Replace a person's roles, recorded with the roles before and after. The administrators
    who may disable a person may do this, never for themselves (no one grants themselves a
    role or locks themselves out). The same roles again change nothing and record nothing."""
    require_admin(actor, supplier_only=False)
    roles = _known_roles(roles)
    with write_transaction():
        person = _managed_person(actor, person_id, oneself="administrators cannot change their own roles")
        person = locked(Person.select().where(Person.id == person.id)).get()
        _check_roles_fit(roles, person.organization)
        before = sorted(person.roles)
        if before == roles:
            return person
        Person.update(roles_text=",".join(roles)).where(Person.id == person.id).execute()
        person.roles = roles
        append("person", person.id, "person_roles_changed", account_id=None, actor=_signature(actor), at=clock.now(),
               payload={"email": person.email, "from": before, "to": roles})
    return person


def find_person(email: str) -> Person:
    person = Person.get_or_none(Person.email == normalize_email(email))
    if person is None:
        raise NotFound("person", email)
    return person


def every_organization() -> list[Organization]:
    """Every organization of the installation, in order of id: what its operator (the
    `accord` command, acting as no one in particular) lists."""
    return list(Organization.select().order_by(Organization.id))


def find_organization(name: str) -> Organization:
    org = Organization.get_or_none(Organization.name == name.strip())
    if org is None:
        raise NotFound("organization", name)
    return org


def managers_of(account_ids) -> dict[int, list[int]]:
    """Account id -> manager person ids, in one query."""
    result: dict[int, list[int]] = {account_id: [] for account_id in account_ids}
    rows = AccountManager.select(AccountManager.account, AccountManager.person).where(
        AccountManager.account.in_(list(account_ids))
    ).tuples()
    for account_id, person_id in rows:
        result[account_id].append(person_id)
    return result
