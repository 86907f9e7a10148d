"""Who can be named on a dispute or a protocol: the people of an account's two companies
who take part in its work."""

from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person


def people_of_accounts(accounts: list[Account]) -> list[Person]:
    """The people of these accounts' suppliers and customers, with their organization:
    the supplier's first, then by organization and name, disabled ones too (they can no
    longer be named, but their names stay on the record)."""
    organization_ids = {a.supplier_id for a in accounts} | {a.customer_id for a in accounts}
    if not organization_ids:
        return []
    query = (
        Person.select(Person, Organization)
        .join(Organization)
        .where(Person.organization.in_(sorted(organization_ids)))
        .order_by(Organization.kind.desc(), Organization.name, Person.name, Person.id)
    )
    return list(query)


def may_take_part(person: Person) -> bool:
    """Whether a person may be named as a party, a mediator, a point person or a backup:
    active, and acting. Auditors change nothing, and an administrator with no other role
    keeps the directory, not the relationship's work."""
    return person.disabled_at is None and "auditor" not in person.roles and person.roles != {"admin"}


def unfit_to_take_part(people) -> str | None:
    """The message that refuses naming `people` who may not take part, or None."""
    unfit = [person.name for person in people if not may_take_part(person)]
    if not unfit:
        return None
    return (f"{', '.join(unfit)} cannot be named: disabled people, auditors and administrators without "
            "another role take no part in disputes and protocols")


def candidates(accounts: list[Account]) -> list[Person]:
    """The people a form may offer for a part in these accounts' disputes and protocols."""
    return [person for person in people_of_accounts(accounts) if may_take_part(person)]
