"""Organizations, people, accounts, projects, and the caller (`/me`)."""

from flask import Blueprint

from mediation import directory
from mediation import directory_lists
from mediation.access import visible_account
from mediation.access import visible_organization
from mediation.access import visible_person
from mediation.access import visible_project
from web import schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import paged
from web.api.answers import MeOut
from web.api.documented import BODY_ID
from web.api.documented import Page
from web.api.documented import documented
from web.api.documented import link
from web.auth import current_actor

blueprint = Blueprint("directory_api", __name__)

_org = schemas.OrganizationOut()
_person = schemas.PersonOut()
_account = schemas.AccountOut()
_project = schemas.ProjectOut()


def _listing(read, endpoint, dump):
    """One page of a directory list: `read(actor, after, limit)` is a directory_lists page."""
    params = load_query()
    return paged(read(current_actor(), params["after"], params["limit"]), dump, endpoint)


def _dump_accounts(accounts):
    """Accounts with their managers, read for all of them at once."""
    managers = directory.managers_of([a.id for a in accounts])
    return [
        _account.dump({"id": a.id, "name": a.name, "supplier_id": a.supplier_id, "customer_id": a.customer_id,
                       "manager_ids": managers[a.id], "created_at": a.created_at,
                       "contact_ceiling_per_week": a.contact_ceiling_per_week})
        for a in accounts
    ]


@blueprint.get("/me")
@documented("The caller, with their organization", answers={200: MeOut})
def me():
    actor = current_actor()
    return {**_person.dump(actor.person), "organization": _org.dump(actor.organization)}


@blueprint.get("/organizations")
@documented("List the organizations the caller may see", query=schemas.PageQuery,
            answers={200: Page(schemas.OrganizationOut)})
def list_organizations():
    return _listing(directory_lists.organizations_page, "directory_api.list_organizations", _org.dump)


@blueprint.post("/organizations")
@documented("Add an organization", body=schemas.OrganizationIn, answers={201: schemas.OrganizationOut},
            refuses=(403, 409), links=(
                link("directory_api.get_organization", organization_id=BODY_ID),
                link("directory_api.create_person", body={"organization_id": BODY_ID}),
            ))
def create_organization():
    directory.require_admin(current_actor())
    data = load_body()
    return _org.dump(directory.create_organization(current_actor(), clock(), **data)), 201


@blueprint.get("/organizations/<int:organization_id>")
@documented("Read an organization", answers={200: schemas.OrganizationOut})
def get_organization(organization_id):
    return _org.dump(visible_organization(current_actor(), organization_id))


@blueprint.get("/people")
@documented("List the people the caller may see", query=schemas.PageQuery,
            answers={200: Page(schemas.PersonOut)})
def list_people():
    return _listing(directory_lists.people_page, "directory_api.list_people", _person.dump)


@blueprint.post("/people")
@documented("Add a person to an organization", body=schemas.PersonIn, answers={201: schemas.PersonOut},
            refuses=(403, 409), links=(
                link("directory_api.get_person", person_id=BODY_ID),
                link("directory_api.set_roles", person_id=BODY_ID),
                link("directory_api.disable_person", person_id=BODY_ID),
                link("directory_api.enable_person", person_id=BODY_ID),
            ))
def create_person():
    data = load_body()
    return _person.dump(directory.create_person(current_actor(), clock(), **data)), 201


@blueprint.get("/people/<int:person_id>")
@documented("Read a person", answers={200: schemas.PersonOut})
def get_person(person_id):
    return _person.dump(visible_person(current_actor(), person_id))


@blueprint.post("/people/<int:person_id>/disable")
@documented("Disable a person", answers={200: schemas.PersonOut}, refuses=(403, 409))
def disable_person(person_id):
    """Administrators disable a person; the person's tokens stop working at once."""
    return _person.dump(directory.disable_person(current_actor(), clock(), person_id=person_id))


@blueprint.post("/people/<int:person_id>/enable")
@documented("Let a disabled person sign in again", answers={200: schemas.PersonOut}, refuses=(403, 409))
def enable_person(person_id):
    """Administrators enable a disabled person again (an extension of the contract)."""
    return _person.dump(directory.enable_person(current_actor(), clock(), person_id=person_id))


@blueprint.post("/people/<int:person_id>/roles")
@documented("Replace a person's roles", body=schemas.RolesIn, answers={200: schemas.PersonOut}, refuses=(403, 409))
def set_roles(person_id):
    """Administrators replace a person's roles (an extension of the contract)."""
    data = load_body()
    return _person.dump(directory.set_roles(current_actor(), clock(), person_id=person_id, **data))


@blueprint.get("/accounts")
@documented("List the accounts the caller may see", query=schemas.PageQuery,
            answers={200: Page(schemas.AccountOut)})
def list_accounts():
    result = _listing(directory_lists.accounts_page, "directory_api.list_accounts", lambda a: a)
    result["items"] = _dump_accounts(result["items"])
    return result


@blueprint.post("/accounts")
@documented("Pair a supplier with a customer in an account", body=schemas.AccountIn,
            answers={201: schemas.AccountOut}, refuses=(403, 409), links=(
                link("directory_api.get_account", account_id=BODY_ID),
                link("directory_api.create_project", body={"account_id": BODY_ID}),
                link("disputes_api.open_dispute", body={"account_id": BODY_ID}),
            ))
def create_account():
    directory.require_admin(current_actor())
    data = load_body()
    account = directory.create_account(current_actor(), clock(), **data)
    return _dump_accounts([account])[0], 201


@blueprint.get("/accounts/<int:account_id>")
@documented("Read an account", answers={200: schemas.AccountOut})
def get_account(account_id):
    return _dump_accounts([visible_account(current_actor(), account_id)])[0]


@blueprint.patch("/accounts/<int:account_id>")
@documented("Change an account's settings: the weekly contact ceiling its air traffic counts against",
            body=schemas.AccountChange, answers={200: schemas.AccountOut}, refuses=(403,))
def change_account(account_id):
    """The supplier's administrators and the account's managers (an extension of the contract)."""
    data = load_body()
    return _dump_accounts([directory.set_contact_ceiling(current_actor(), clock(), account_id=account_id, **data)])[0]


@blueprint.get("/projects")
@documented("List the projects the caller may see", query=schemas.PageQuery,
            answers={200: Page(schemas.ProjectOut)})
def list_projects():
    return _listing(directory_lists.projects_page, "directory_api.list_projects", _project.dump)


@blueprint.post("/projects")
@documented("Add a project to an account", body=schemas.ProjectIn, answers={201: schemas.ProjectOut},
            refuses=(403, 409), links=(
                link("directory_api.get_project", project_id=BODY_ID),
                link("protocols_api.create_protocol", project_id=BODY_ID),
                link("protocols_api.project_protocols", project_id=BODY_ID),
            ))
def create_project():
    data = load_body()
    return _project.dump(directory.create_project(current_actor(), clock(), **data)), 201


@blueprint.get("/projects/<int:project_id>")
@documented("Read a project", answers={200: schemas.ProjectOut})
def get_project(project_id):
    return _project.dump(visible_project(current_actor(), project_id))
