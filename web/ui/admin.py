"""The administration pages: organizations, people (their roles, disabling them),
accounts and projects.

For administrators only. What each one sees and may change is decided by
`mediation.directory`: a customer's administrator sees their own company and its
supplier, and manages their own company's people only.
"""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from mediation import directory
from mediation import directory_lists
from mediation.access import is_supplier_admin
from mediation.access import visible_account
from mediation.access import visible_organization
from mediation.access import visible_person
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.parties import ROLES
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from web import schemas
from web.ui import directory_words
from web.ui import forms
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("admin_ui", __name__)

PER_PAGE = 25


class _Listing(Schema):
    """A list page's query: the cursor, and a filter in the subclasses. Other parameters
    are ignored, as a page would."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=None, validate=validate.Range(min=0, max=schemas.MAX_ID))


class _PeopleListing(_Listing):
    organization_id = schemas.QueryId(load_default=None)


class _ProjectListing(_Listing):
    account_id = schemas.QueryId(load_default=None)


@blueprint.before_request
def _administrators_only():
    """The whole area is for administrators; within it the directory decides the rest."""
    if not viewer().has("admin"):
        raise Forbidden("the administration pages are for administrators")


def _query(schema: Schema) -> dict:
    """The page's query parameters; blank ones (an empty filter) count as absent."""
    return schema.load({key: value for key, value in request.args.items() if value.strip()})


def _rows(found):
    """A page's rows, and the cursor of the page after it."""
    return found.items, found.last.id if found.more else None


def _supplier_admins_only() -> None:
    """Before the form is read: a customer's administrator who posts one by hand gets 403
    whether or not it is valid."""
    directory.require_admin(viewer())


def _submit(schema: Schema, act):
    """Validate the posted form through the API's schema, then act through the service:
    (what it returned, {}) or (None, errors by field) for the form to show."""
    data, errors = forms.load(schema, request.form)
    if data is None:
        return None, errors
    try:
        return act(**data), {}
    except Invalid as error:
        return None, error.errors


def _respond(render, created, errors, message: str, endpoint: str):
    """POST/redirect/GET after a create; the same page, 422, with the form's errors."""
    if created is None:
        return render(request.form, errors), 422
    flash(message.format(created.name), "success")
    return redirect(url_for(endpoint))


@blueprint.get("/admin")
def index():
    actor = viewer()
    counts = directory_lists.counts(actor)
    return render_template("admin/index.html", counts=counts, supplier_admin=is_supplier_admin(actor))


# --- organizations -------------------------------------------------------------------------


def _organizations_page(form, errors):
    actor = viewer()
    rows, next_after = _rows(directory_lists.organizations_page(actor, _query(_Listing())["after"], PER_PAGE))
    return render_template(
        "admin/organizations.html",
        rows=rows,
        next_after=next_after,
        people=directory_lists.people_per_organization(o.id for o in rows),
        may_create=is_supplier_admin(actor),
        kinds=[("customer", directory_words.organization_kind("customer"))],
        form=form,
        errors=errors,
    )


@blueprint.route("/admin/organizations", methods=["GET", "POST"])
def organizations():
    if request.method == "GET":
        return _organizations_page({}, {})
    _supplier_admins_only()
    created, errors = _submit(
        schemas.OrganizationIn(), lambda **data: directory.create_organization(viewer(), clock(), **data)
    )
    return _respond(_organizations_page, created, errors, "Organization “{}” added.", "admin_ui.organizations")


# --- people --------------------------------------------------------------------------------


def _people_page(form, errors):
    actor = viewer()
    params = _query(_PeopleListing())
    chosen = None
    if params["organization_id"]:
        chosen = visible_organization(actor, params["organization_id"])
    rows, next_after = _rows(directory_lists.people_page(actor, params["after"], PER_PAGE, params["organization_id"]))
    organizations = directory_lists.organizations_by_name(actor)
    manageable = [o for o in organizations if directory.manages_people_of(actor, o.id)]
    if not form and chosen is not None:
        form = {"organization_id": chosen.id}
    return render_template(
        "admin/people.html",
        rows=rows,
        next_after=next_after,
        chosen=chosen,
        organization_names=directory_lists.names(Organization, (p.organization_id for p in rows)),
        filter_choices=[(o.id, o.name) for o in organizations],
        organization_choices=[(o.id, o.name) for o in manageable],
        manageable_ids={o.id for o in manageable},
        roles=[(role, directory_words.role(role)) for role in ROLES],
        chosen_roles=request.form.getlist("roles"),
        form=form,
        errors=errors,
    )


@blueprint.route("/admin/people", methods=["GET", "POST"])
def people():
    if request.method == "GET":
        return _people_page({}, {})
    created, errors = _submit(
        schemas.PersonIn(), lambda **data: directory.create_person(viewer(), clock(), **data)
    )
    return _respond(_people_page, created, errors, "{} added.", "admin_ui.people")


def _person_page(person: Person, errors):
    actor = viewer()
    return render_template(
        "admin/person.html",
        person=person,
        organization=person.organization,
        manageable=directory.manages_people_of(actor, person.organization_id) and person.id != actor.person_id,
        roles=[(role, directory_words.role(role)) for role in ROLES],
        chosen_roles=request.form.getlist("roles") if errors else sorted(person.roles),
        errors=errors,
    ), (422 if errors else 200)


@blueprint.route("/admin/people/<int:person_id>", methods=["GET", "POST"])
def person(person_id):
    """A person's details and the form that changes their roles."""
    actor = viewer()
    found = visible_person(actor, person_id)
    if request.method == "GET":
        return _person_page(found, {})
    changed, errors = _submit(
        schemas.RolesIn(), lambda **data: directory.set_roles(actor, clock(), person_id=found.id, **data)
    )
    if changed is None:
        return _person_page(found, errors)
    held = ", ".join(directory_words.role(r) for r in sorted(changed.roles)) or "no role"
    flash(f"{changed.name} now holds: {held}.", "success")
    return redirect(url_for("admin_ui.person", person_id=changed.id))


@blueprint.route("/admin/people/<int:person_id>/disable", methods=["GET", "POST"])
def disable_person(person_id):
    """Disabling ends the person's sessions and tokens at once (see directory.disable_person),
    so it is asked for on a page of its own that says so, and done by a second button."""
    if request.method == "GET":
        return render_template("admin/disable.html", person=visible_person(viewer(), person_id))
    disabled = directory.disable_person(viewer(), clock(), person_id=person_id)
    flash(f"{disabled.name} is disabled and signed out everywhere.", "success")
    return redirect(url_for("admin_ui.person", person_id=disabled.id))


@blueprint.post("/admin/people/<int:person_id>/enable")
def enable_person(person_id):
    enabled = directory.enable_person(viewer(), clock(), person_id=person_id)
    flash(f"{enabled.name} may sign in again.", "success")
    return redirect(url_for("admin_ui.person", person_id=enabled.id))


# --- accounts ------------------------------------------------------------------------------


def _accounts_page(form, errors):
    actor = viewer()
    rows, next_after = _rows(directory_lists.accounts_page(actor, _query(_Listing())["after"], PER_PAGE))
    organizations = directory_lists.organizations_by_name(actor)
    suppliers = [o for o in organizations if o.kind == "supplier"]
    if not form and len(suppliers) == 1:
        form = {"supplier_id": suppliers[0].id}
    return render_template(
        "admin/accounts.html",
        rows=rows,
        next_after=next_after,
        organization_names=directory_lists.names(
            Organization, [a.supplier_id for a in rows] + [a.customer_id for a in rows]),
        managers=directory_lists.manager_names(a.id for a in rows),
        projects=directory_lists.projects_per_account(a.id for a in rows),
        may_create=is_supplier_admin(actor),
        supplier_choices=[(o.id, o.name) for o in suppliers],
        customer_choices=[(o.id, o.name) for o in organizations if o.kind == "customer"],
        manager_choices=[(p.id, p.name) for p in directory_lists.account_manager_candidates(o.id for o in suppliers)],
        chosen_managers=request.form.getlist("manager_ids"),
        form=form,
        errors=errors,
    )


@blueprint.route("/admin/accounts", methods=["GET", "POST"])
def accounts():
    if request.method == "GET":
        return _accounts_page({}, {})
    _supplier_admins_only()
    created, errors = _submit(
        schemas.AccountIn(), lambda **data: directory.create_account(viewer(), clock(), **data)
    )
    return _respond(_accounts_page, created, errors, "Account “{}” opened.", "admin_ui.accounts")


# --- projects ------------------------------------------------------------------------------


def _account_choices(actor) -> list[tuple[int, str]]:
    """Every account `actor` sees, named with its customer: two customers' accounts may
    share a name."""
    accounts = directory_lists.accounts_by_name(actor)
    customers = directory_lists.names(Organization, (a.customer_id for a in accounts))
    return [(a.id, f"{a.name} ({customers[a.customer_id]})") for a in accounts]


def _projects_page(form, errors):
    actor = viewer()
    params = _query(_ProjectListing())
    chosen = None
    if params["account_id"]:
        chosen = visible_account(actor, params["account_id"])
    rows, next_after = _rows(directory_lists.projects_page(actor, params["after"], PER_PAGE, params["account_id"]))
    if not form and chosen is not None:
        form = {"account_id": chosen.id}
    return render_template(
        "admin/projects.html",
        rows=rows,
        next_after=next_after,
        chosen=chosen,
        account_names=directory_lists.names(Account, (p.account_id for p in rows)),
        account_choices=_account_choices(actor),
        may_create=is_supplier_admin(actor),
        form=form,
        errors=errors,
    )


@blueprint.route("/admin/projects", methods=["GET", "POST"])
def projects():
    if request.method == "GET":
        return _projects_page({}, {})
    _supplier_admins_only()
    created, errors = _submit(
        schemas.ProjectIn(), lambda **data: directory.create_project(viewer(), clock(), **data)
    )
    return _respond(_projects_page, created, errors, "Project “{}” added.", "admin_ui.projects")
