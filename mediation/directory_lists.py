"""What the directory's lists show beside each row (names, head counts, project counts,
managers), read for a whole page of rows at once rather than one query per row.

Callers pass ids they took from `mediation.directory`'s visible_* queries, so nothing
here decides who sees what.
"""

from peewee import fn

from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project


def names(model, ids) -> dict[int, str]:
    """Id -> name for rows of `model` (organizations, people, accounts, projects)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(model.select(model.id, model.name).where(model.id.in_(ids)).tuples())


def _counts(column, ids) -> dict[int, int]:
    ids = sorted(set(ids))
    result = dict.fromkeys(ids, 0)
    if ids:
        rows = column.model.select(column, fn.COUNT(column.model.id)).where(column.in_(ids)).group_by(column)
        result.update(rows.tuples())
    return result


def people_per_organization(organization_ids) -> dict[int, int]:
    """Organization id -> how many people it has, disabled ones included."""
    return _counts(Person.organization, organization_ids)


def projects_per_account(account_ids) -> dict[int, int]:
    """Account id -> how many projects it has."""
    return _counts(Project.account, account_ids)


def manager_names(account_ids) -> dict[int, list[str]]:
    """Account id -> the names of its account managers, in alphabetical order."""
    result: dict[int, list[str]] = {account_id: [] for account_id in account_ids}
    if not result:
        return result
    rows = (
        AccountManager.select(AccountManager.account, Person.name)
        .join(Person)
        .where(AccountManager.account.in_(sorted(result)))
        .order_by(Person.name)
        .tuples()
    )
    for account_id, name in rows:
        result[account_id].append(name)
    return result


def account_manager_candidates(supplier_ids) -> list[Person]:
    """The active people of these suppliers who hold the account manager role: whom a new
    account may name as its managers."""
    supplier_ids = sorted(set(supplier_ids))
    if not supplier_ids:
        return []
    query = (
        Person.select(Person, Organization)
        .join(Organization)
        .where(Person.organization.in_(supplier_ids)
               & (Organization.kind == "supplier")
               & Person.disabled_at.is_null()
               & Person.roles_text.contains("account_manager"))
        .order_by(Person.name, Person.id)
    )
    return [person for person in query if "account_manager" in person.roles]
