"""The directory's lists as the pages and the API show them: a page at a time of what a
person may see, and what each row shows beside it (names, head counts, project counts,
managers), read for a whole page of rows at once rather than one query per row.

Who sees what is decided by `mediation.access`'s visible_* queries and nowhere here.
"""

from peewee import fn

from mediation.access import Actor
from mediation.access import visible_account
from mediation.access import visible_accounts
from mediation.access import visible_organization
from mediation.access import visible_organizations
from mediation.access import visible_people
from mediation.access import visible_projects
from mediation.paging import Page
from mediation.paging import page_of
from mediation.parties import Account
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


def _page(query, model, after: int | None, limit: int) -> Page:
    """Rows of `query` in order of id after the cursor `after`."""
    if after:
        query = query.where(model.id > after)
    return page_of(query.order_by(model.id), limit)


def organizations_page(actor: Actor, after: int | None, limit: int) -> Page[Organization]:
    return _page(visible_organizations(actor), Organization, after, limit)


def people_page(actor: Actor, after: int | None, limit: int, organization_id: int | None = None) -> Page[Person]:
    """People `actor` sees, of one organization when given (NotFound for one they do not see)."""
    query = visible_people(actor)
    if organization_id:
        query = query.where(Person.organization == visible_organization(actor, organization_id).id)
    return _page(query, Person, after, limit)


def accounts_page(actor: Actor, after: int | None, limit: int) -> Page[Account]:
    return _page(visible_accounts(actor), Account, after, limit)


def projects_page(actor: Actor, after: int | None, limit: int, account_id: int | None = None) -> Page[Project]:
    """Projects `actor` sees, with their accounts, of one account when given (NotFound for
    one they do not see)."""
    query = visible_projects(actor).select(Project, Account).join(Account)
    if account_id:
        query = query.where(Project.account == visible_account(actor, account_id).id)
    return _page(query, Project, after, limit)


def projects_by_name(actor: Actor) -> list[Project]:
    return list(visible_projects(actor).order_by(Project.name, Project.id))


def active_projects_by_name(actor: Actor, account_ids) -> list[Project]:
    """The active projects of these accounts that `actor` sees: where a new dispute may be
    filed."""
    query = visible_projects(actor).where(Project.account.in_(sorted(set(account_ids))) & Project.active)
    return list(query.order_by(Project.name))


def organizations_by_name(actor: Actor) -> list[Organization]:
    return list(visible_organizations(actor).order_by(Organization.name))


def customers_by_name(actor: Actor) -> list[Organization]:
    """The customers `actor` sees: every one for the supplier's people, their own for a
    customer's."""
    return list(visible_organizations(actor).where(Organization.kind == "customer").order_by(Organization.name))


def accounts_by_name(actor: Actor) -> list[Account]:
    return list(visible_accounts(actor).order_by(Account.name, Account.id))


def counts(actor: Actor) -> dict[str, int]:
    """How many of each the directory holds that `actor` sees."""
    return {
        "organizations": visible_organizations(actor).count(),
        "people": visible_people(actor).count(),
        "accounts": visible_accounts(actor).count(),
        "projects": visible_projects(actor).count(),
    }
