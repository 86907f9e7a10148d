"""The protocol pages: the board across projects, a project's protocols, and a protocol
with its versions side by side, acknowledgements, touchpoints, compliance chart and
calendar link. Every page calls the same use cases as the JSON API (web.api.protocols);
refusals propagate to the blueprint's error pages (403, or 404 across companies).
"""

from datetime import tzinfo

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from mediation import directory_lists
from mediation import rosters
from mediation.access import visible_project
from mediation.errors import Conflict
from mediation.errors import Invalid
from mediation.paging import page_of
from protocols import board as protocol_board
from protocols import permissions
from protocols import protocol_reading
from protocols import queries
from protocols import services
from protocols.cadence import UNITS
from protocols.cadence import WEEKDAYS
from protocols.models import CHANNELS
from protocols.models import SCENARIOS
from web import boards
from web import protocol_schemas as schemas
from web.ui import dates
from web.ui import forms
from web.ui import protocol_forms
from web.ui import protocol_page
from web.ui import protocol_terms
from web.ui import protocol_words
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer
from web.links import absolute_url

blueprint = page_blueprint("protocols_ui", __name__)

BOARD_PAGE = 50
PROJECTS_PAGE = 50
BOARD_FILTERS = ("customer_id", "mine")
# The board's columns, each with what it sorts by.
BOARD_COLUMNS = (("Project", "project"), ("Account", "account"), ("Scenario", "scenario"), ("Version", "version"),
                 ("Channel", "channel"), ("Status", "status"), ("Next contact due", "next_due"))
NEW_PROTOCOL = MultiDict({"cadence_kind": protocol_forms.PERIODIC, "cadence_every": "1", "cadence_unit": "weeks",
                          "channel": "video", "timezone": "UTC"})


@blueprint.context_processor
def _helpers():
    return {
        "channels": [(c, protocol_words.channel(c)) for c in CHANNELS],
        "initiators": list(protocol_words.INITIATORS.items()),
        "not_recorded": protocol_words.NOT_RECORDED,
        "cadence_kinds": protocol_forms.CADENCE_KINDS,
        "units": [(u, protocol_words.UNITS[u]) for u in UNITS],
        "weekdays": [(d, protocol_words.WEEKDAYS[d]) for d in WEEKDAYS],
        "phase_rows": lambda values: protocol_forms.rows(protocol_forms.PHASE_PREFIXES, protocol_forms.TAPER_ROWS,
                                                         values),
        "step_rows": lambda values: protocol_forms.rows(protocol_forms.STEP_PREFIXES, protocol_forms.ESCALATION_ROWS,
                                                        values),
    }


# --- the board -----------------------------------------------------------------------------


@blueprint.get("/protocols")
def board():
    """The board, filtered and sorted as asked; a filter that is not one is shown next to
    its field (422) over the whole board."""
    actor = viewer()
    filters = {name: request.args[name] for name in BOARD_FILTERS if request.args.get(name)}
    sorting = forms.sorting(request.args, protocol_board.SORTS)
    try:
        params, errors = schemas.BoardQuery().load({**filters, **sorting}), {}
    except ValidationError as error:
        params, errors = schemas.BoardQuery().load({}), error.messages
    entries = protocol_board.arranged(boards.board(actor, clock()), sort=params["sort"], order=params["order"],
                                      naming=actor.person_id if params["mine"] else None,
                                      customer_id=params["customer_id"])
    after = forms.cursor(request.args, "after")
    shown = page_of(boards.after(entries, after), BOARD_PAGE)
    projects = directory_lists.projects_page(actor, forms.cursor(request.args, "projects_after"), PROJECTS_PAGE)
    return render_template(
        "protocols/board.html",
        entries=shown.items,
        next_after=shown.last.protocol_id if shown.more else None,
        paged=bool(after),
        projects=projects.items,
        next_projects=projects.last.id if projects.more else None,
        filters=filters,
        sorting=sorting,
        errors=errors,
        columns=BOARD_COLUMNS,
        sorted_by=dict((key, label) for label, key in BOARD_COLUMNS).get(sorting.get("sort")),
        customer_choices=[(c.id, c.name) for c in directory_lists.customers_by_name(actor)],
        board_url=lambda **changes: url_for(".board", **{**filters, **sorting, **changes}),
    ), 422 if errors else 200


# --- a project's protocols -----------------------------------------------------------------


def _people_choices(account) -> dict:
    """Whom a version or a touchpoint may name, as (id, label) choices for each select:
    point people and backups take part (rosters.may_take_part); an escalation step may
    lead to anyone active at either company, an administrator included."""
    everyone = [p for p in rosters.people_of_accounts([account]) if p.is_active]
    taking_part = [p for p in everyone if rosters.may_take_part(p)]
    supplier = [p for p in taking_part if p.organization_id == account.supplier_id]
    customer = [p for p in taking_part if p.organization_id == account.customer_id]
    return {
        "supplier": [(p.id, p.name) for p in supplier],
        "customer": [(p.id, p.name) for p in customer],
        "backups": [(p.id, f"{p.name}, {p.organization.name}") for p in supplier + customer],
        "escalation": [(p.id, f"{p.name}, {p.organization.name}") for p in everyone],
    }


def _project_page(project_id: int, values=None, errors=None, status=200):
    actor = viewer()
    read = protocol_reading.project_protocols(actor, clock(), project_id)
    account = read.account
    return render_template(
        "protocols/project.html",
        project=read.project,
        account=account,
        rows=read.rows,
        drafter=permissions.may_draft(actor, account.id),
        scenarios=[(s, protocol_words.scenario(s)) for s in SCENARIOS if s not in read.scenarios],
        people=_people_choices(account),
        values=values if values is not None else NEW_PROTOCOL,
        errors=errors or {},
    ), status


@blueprint.get("/projects/<int:project_id>/protocols")
def project_protocols(project_id):
    return _project_page(project_id)


@blueprint.post("/projects/<int:project_id>/protocols")
def create_protocol(project_id):
    actor = viewer()
    permissions.require_drafter(actor, visible_project(actor, project_id).account_id)
    data, errors = forms.load(schemas.ProtocolIn(), request.form, **protocol_forms.terms_extra(request.form))
    if data is not None:
        try:
            protocol = services.create_protocol(actor, clock(), project_id=project_id, **data)
        except Invalid as error:
            errors = error.errors
        else:
            flash("Protocol created. Version 1 is a draft: propose it when it is ready for both companies "
                  "to acknowledge.", "success")
            return redirect(url_for(".show_protocol", protocol_id=protocol.id))
    return _project_page(project_id, values=request.form, errors=protocol_forms.flat_errors(errors), status=422)


# --- one protocol --------------------------------------------------------------------------


def _protocol_page(protocol_id: int, *, status=200, submitted=None, conflict=None):
    """The protocol page; `submitted` is {form name: (values, errors)} of a form sent back,
    `conflict` what stopped a change someone else made first."""
    actor = viewer()
    page = protocol_page.context(actor, clock(), queries.get_protocol(actor, protocol_id), request.args,
                                 dates.reader_zone())
    if page["forms"]["range"][1] and status == 200:
        status = 422
    page["forms"].update(submitted or {})
    return render_template("protocols/protocol.html", conflict=conflict, people=_people_choices(page["account"]),
                           **page), status


@blueprint.get("/protocols/<int:protocol_id>")
def show_protocol(protocol_id):
    return _protocol_page(protocol_id)


def _new_version_page(protocol_id: int, *, status=200, submitted=None, conflict=None):
    """The new-version form on a page of its own, filled in from the latest version, or
    with what was typed (`submitted` as on the protocol page)."""
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    permissions.require_drafter(actor, protocol.project.account_id)
    page = protocol_page.new_version(protocol, clock().now())
    values, errors = (submitted or {}).get("version", (page.pop("values"), {}))
    page.pop("values", None)
    return render_template("protocols/new_version.html", conflict=conflict, people=_people_choices(page["account"]),
                           values=values, errors=errors, **page), status


@blueprint.get("/protocols/<int:protocol_id>/versions/new")
def new_version(protocol_id):
    return _new_version_page(protocol_id)


def _submit(protocol_id: int, form: str, schema, call, done, extra=None, page=_protocol_page):
    """Read `form` through `schema`, run the use case `call(actor, data)` and go back to the
    protocol with the message `done(result)`; or show the form's `page` again with its
    errors (422), or with what someone else changed meanwhile (409), keeping what was typed."""
    actor = viewer()
    data, errors = forms.load(schema, request.form, **(extra or {}))
    if data is not None:
        try:
            result = call(actor, data)
        except Invalid as error:
            errors = error.errors
        except Conflict as error:
            return page(protocol_id, status=409, conflict=error.detail, submitted={form: (request.form, {})})
        else:
            flash(done(result), "success")
            return redirect(url_for(".show_protocol", protocol_id=protocol_id))
    return page(protocol_id, status=422, submitted={form: (request.form, protocol_forms.flat_errors(errors))})


@blueprint.post("/protocols/<int:protocol_id>/versions")
def add_version(protocol_id):
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    permissions.require_drafter(actor, protocol.project.account_id)
    return _submit(
        protocol_id, "version", schemas.VersionIn(),
        lambda who, data: services.add_version(who, clock(), protocol_id, **data),
        lambda version: f"Version {version.number} saved as a draft. Propose it when it is ready for both "
                        "companies to acknowledge.",
        protocol_forms.terms_extra(request.form),
        page=_new_version_page,
    )


@blueprint.post("/protocols/<int:protocol_id>/versions/<int:number>/transitions")
def transition(protocol_id, number):
    actor = viewer()
    permissions.require_drafter(actor, queries.get_protocol(actor, protocol_id).project.account_id)
    done = {"propose": "proposed: each company's point person can now acknowledge it.", "retire": "retired."}
    return _submit(
        protocol_id, "transition", schemas.VersionTransitionIn(),
        lambda who, data: services.transition_version(who, clock(), protocol_id, number, **data),
        lambda version: f"Version {version.number} {done.get(request.form.get('trigger'), version.status)}",
    )


def _protocol_zone(protocol) -> tzinfo:
    """The zone in which the times typed into this protocol's forms are read."""
    return protocol_forms.zone_named(protocol_reading.read(protocol, clock().now()).zone_name)


def _acknowledged(protocol, number: int, company: str) -> str:
    """What acknowledging version `number` for `company` came to, read after it."""
    version, zone = protocol_reading.read(protocol, clock().now()).version(number), dates.reader_zone()
    if version.status == "agreed":
        agreed = version.agreed_at
        since = dates.moment_text(version.in_force_from, zone)
        text = f"Version {version.number} is agreed by both companies and in force from {since}"
        if protocol_terms.agreed_apart(agreed, version.in_force_from):
            text += f" (agreed on {dates.moment_text(agreed, zone)})"
        return text + "."
    return f"Version {version.number} acknowledged for {company}. It is agreed once the other company " \
           "acknowledges it too."


@blueprint.post("/protocols/<int:protocol_id>/acknowledgements")
def acknowledge(protocol_id):
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    permissions.require_contact(actor, protocol)
    return _submit(
        protocol_id, "acknowledgement", schemas.AcknowledgementIn(),
        lambda who, data: services.acknowledge(who, clock(), protocol_id, **data),
        lambda version: _acknowledged(protocol, version.number, actor.organization.name),
    )


@blueprint.post("/protocols/<int:protocol_id>/touchpoints")
def log_touchpoint(protocol_id):
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    permissions.require_contact(actor, protocol)
    occurred = request.form.get("occurred_at", "")
    extra = {"occurred_at": protocol_forms.local_moment(occurred, _protocol_zone(protocol))} if occurred.strip() else {}
    return _submit(
        protocol_id, "touchpoint", schemas.TouchpointIn(),
        lambda who, data: services.log_touchpoint(who, clock(), protocol_id, **data),
        lambda touchpoint: "Touchpoint logged.",
        extra,
    )


@blueprint.post("/protocols/<int:protocol_id>/incidents")
def report_incident(protocol_id):
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    permissions.require_contact(actor, protocol)
    started = request.form.get("started_at", "")
    extra = {"started_at": protocol_forms.local_moment(started, _protocol_zone(protocol))} if started.strip() else {}
    return _submit(
        protocol_id, "incident", schemas.IncidentIn(),
        lambda who, data: services.report_incident(who, clock(), protocol_id, **data),
        lambda incident: "Incident reported: the response-time clock has started.",
        extra,
    )


@blueprint.post("/protocols/<int:protocol_id>/calendar-link")
def calendar_link(protocol_id):
    """A calendar-only token in subscription URLs, shown on this page once and never again
    (only its hash is kept)."""
    actor = viewer()
    protocol = queries.get_protocol(actor, protocol_id)
    token = services.issue_calendar_token(actor, clock(), protocol)
    return render_template(
        "protocols/calendar_link.html",
        protocol=protocol,
        protocol_url=absolute_url("protocols_api.protocol_calendar", protocol_id=protocol.id, token=token),
        person_url=absolute_url("protocols_api.my_calendar", token=token),
    )
