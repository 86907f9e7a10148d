"""Who can be named on a dispute: the people of an account's two companies."""

from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person


def people_of_accounts(accounts: list[Account], active_only: bool = False) -> list[Person]:
    """The people of these accounts' suppliers and customers, with their organization:
    the supplier's first, then by organization and name. Disabled people are left out
    with `active_only` (they can no longer be named, but their names stay on the record)."""
    organization_ids = {a.supplier_id for a in accounts} | {a.customer_id for a in accounts}
    if not organization_ids:
        return []
    query = (
        Person.select(Person, Organization)
        .join(Organization)
        .where(Person.organization.in_(sorted(organization_ids)))
        .order_by(Organization.kind.desc(), Organization.name, Person.name, Person.id)
    )
    if active_only:
        query = query.where(Person.disabled_at.is_null())
    return list(query)
