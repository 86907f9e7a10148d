"""The protocol pages: the board across projects, a project's protocols, and a protocol
with its versions side by side, acknowledgements, touchpoints, compliance chart and
calendar link. Every page calls the same use cases as the JSON API (web.api.protocols);
refusals propagate to the blueprint's error pages (403, or 404 across companies).
"""

from datetime import timedelta
from datetime import timezone
from datetime import tzinfo

from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import MultiDict

from mediation.access import refuse_read_only
from mediation.credentials import issue_token
from mediation.db import write_transaction
from mediation.directory import visible_project
from mediation.directory import visible_projects
from mediation.errors import Conflict
from mediation.errors import Invalid
from mediation.parties import Account
from mediation.parties import Project
from protocols import agreement
from protocols import reading
from protocols import services
from protocols.cadence import UNITS
from protocols.cadence import WEEKDAYS
from protocols.models import CHANNELS
from protocols.models import SCENARIOS
from protocols.models import Protocol
from web import protocol_schemas as schemas
from web.ui import charts
from web.ui import forms
from web.ui import protocol_forms
from web.ui import protocol_terms
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("protocols_ui", __name__)

BOARD_PAGE = 50
PROJECTS_PAGE = 50
TOUCHPOINTS_PAGE = 20
DEFAULT_RANGE = timedelta(days=90)
STATUS_TEXT = {"on_track": "On track", "due_soon": "Due soon", "overdue": "Overdue",
               "over_communicating": "Over-communicating"}
VERSION_STATUS_TEXT = {"draft": "Draft", "proposed": "Proposed", "agreed": "Agreed",
                       "superseded": "Superseded", "retired": "Retired"}
NEW_PROTOCOL = MultiDict({"cadence_kind": protocol_forms.PERIODIC, "cadence_every": "1", "cadence_unit": "weeks",
                          "channel": "video", "timezone": "UTC"})


@blueprint.context_processor
def _helpers():
    return {
        "moment_text": protocol_terms.moment_text,
        "channel_text": protocol_terms.channel_text,
        "cadence_text": protocol_terms.cadence_text,
        "status_text": STATUS_TEXT,
        "version_status_text": VERSION_STATUS_TEXT,
        "utc": timezone.utc,
        "channels": [(c, protocol_terms.channel_text(c)) for c in CHANNELS],
        "cadence_kinds": protocol_forms.CADENCE_KINDS,
        "units": [(u, u) for u in UNITS],
        "weekdays": [(d, protocol_terms.WEEKDAY_NAMES[d]) for d in WEEKDAYS],
    }


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


# --- the board -----------------------------------------------------------------------------


@blueprint.get("/protocols")
def board():
    actor = viewer()
    entries = services.board(actor, clock())
    after = _cursor("after")
    first = next((i + 1 for i, entry in enumerate(entries) if entry.protocol_id == after), 0) if after else 0
    shown = entries[first:first + BOARD_PAGE]
    more = len(entries) > first + BOARD_PAGE
    projects = visible_projects(actor).select(Project, Account).join(Account)
    projects_after = _cursor("projects_after")
    if projects_after:
        projects = projects.where(Project.id > projects_after)
    projects = list(projects.order_by(Project.id).limit(PROJECTS_PAGE + 1))
    return render_template(
        "protocols/board.html",
        entries=shown,
        next_after=shown[-1].protocol_id if more else None,
        paged=bool(after),
        projects=projects[:PROJECTS_PAGE],
        next_projects=projects[PROJECTS_PAGE - 1].id if len(projects) > PROJECTS_PAGE else None,
    )


# --- a project's protocols -----------------------------------------------------------------


def _people_choices(account) -> dict:
    """Whom a version or a touchpoint may name, as (id, label) choices for each select."""
    supplier = reading.people_of(account.supplier_id)
    customer = reading.people_of(account.customer_id)
    return {
        "supplier": [(p.id, p.name) for p in supplier],
        "customer": [(p.id, p.name) for p in customer],
        "backups": [(p.id, f"{p.name}, {account.supplier.name}") for p in supplier]
        + [(p.id, f"{p.name}, {account.customer.name}") for p in customer],
    }


def _project_page(project_id: int, values=None, errors=None, status=200):
    actor = viewer()
    project = visible_project(actor, project_id)
    account = project.account
    protocols = list(services.visible_protocols(actor).where(Protocol.project == project.id).order_by(Protocol.id))
    ids = [p.id for p in protocols]
    versions = services.versions_of(ids)
    activations = services.activations_of(ids)
    now = clock().now()
    rows = []
    for protocol in protocols:
        current = services.in_force(protocol, versions[protocol.id], activations[protocol.id], now)
        state = None
        if current is not None:
            state = services.compliance(actor, clock(), protocol.id, start=now, end=now + timedelta(seconds=1)).status
        rows.append({
            "protocol": protocol,
            "current": current,
            "agreed": next((v for v in versions[protocol.id] if v.status == "agreed"), None),
            "pending": [v for v in versions[protocol.id] if v.status in agreement.PENDING],
            "status": state,
        })
    used = {p.scenario for p in protocols}
    return render_template(
        "protocols/project.html",
        project=project,
        account=account,
        rows=rows,
        drafter=reading.may_draft(actor, account.id),
        scenarios=[(s, s.replace("_", " ").capitalize()) for s in SCENARIOS if s not in used],
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
    reading.require_drafter(actor, visible_project(actor, project_id).account_id)
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


def _column_note(version, current, protocol) -> str:
    if version is current:
        return "in force now"
    if version.status == "agreed" and protocol.scenario == services.ESCALATION:
        return "in force while a dispute on the project is open"
    if version.status == "agreed":
        return f"in force from {protocol_terms.moment_text(version.in_force_from, timezone.utc)}"
    return "pending: not in force"


def _compliance_range(zone, now):
    """The range asked for (dates in the protocol's zone, `to` inclusive), else the last 90
    days up to now; with the values of the range form and its errors."""
    given = {key: request.args.get(key, "").strip() for key in ("from", "to")}
    values = MultiDict({
        "from": given["from"] or (now - DEFAULT_RANGE).astimezone(zone).date().isoformat(),
        "to": given["to"] or now.astimezone(zone).date().isoformat(),
    })
    extra = {}
    if given["from"]:
        extra["from"] = protocol_forms.day_start(given["from"], zone)
    if given["to"]:
        extra["to"] = protocol_forms.day_start(given["to"], zone, later=1)
    if not extra:
        return now - DEFAULT_RANGE, now, values, {}
    data, errors = forms.load(schemas.ComplianceQuery(), MultiDict(), **extra)
    if data is None:
        return now - DEFAULT_RANGE, now, values, errors
    end = data["end"] or now
    return data["start"] or end - DEFAULT_RANGE, end, values, {}


def _protocol_page(protocol_id: int, *, status=200, submitted=None, conflict=None):
    """The protocol page; `submitted` is {form name: (values, errors)} of a form sent back."""
    actor = viewer()
    protocol = services.get_protocol(actor, protocol_id)
    account = protocol.project.account
    now = clock().now()
    versions, activations = services.versions_of([protocol.id])[protocol.id], []
    if protocol.scenario == services.ESCALATION:
        activations = services.activations_of([protocol.id])[protocol.id]
    current = services.in_force(protocol, versions, activations, now)
    agreed = next((v for v in versions if v.status == "agreed"), None)
    base = current or agreed
    others = ([agreed] if agreed is not None and agreed is not base else [])
    others += [v for v in versions if v.status in agreement.PENDING]
    columns = ([base] if base is not None else []) + others
    latest = versions[-1]
    zone = protocol_forms.zone_named((current or latest).timezone)
    names = reading.names_of(protocol_terms.people_in(versions))
    rows = protocol_terms.compare(
        protocol_terms.terms_of(base, names, zone) if base is not None else None,
        [protocol_terms.terms_of(v, names, zone) for v in others],
    )
    acknowledgements = reading.acknowledgements_of([v.id for v in columns])
    drafter = reading.may_draft(actor, account.id)
    contact = services.may_contact(actor, protocol)

    triggers = {v.id: [t for t in agreement.available_triggers(v.status) if t in agreement.REQUESTABLE_TRIGGERS]
                for v in columns} if drafter else {v.id: [] for v in columns}

    measured = any(v.in_force_from is not None for v in versions)
    start, end, range_values, range_errors = _compliance_range(zone, now)
    if range_errors and measured and status == 200:
        status = 422
    compliance = chart = None
    if measured:
        compliance = services.compliance(actor, clock(), protocol.id, start=start, end=end)
        times = reading.touchpoint_times(protocol.id, start, end)
        chart = charts.compliance_chart(compliance, times, start=start, end=end, now=now, zone=zone,
                                        ident=f"compliance-{protocol.id}")

    touchpoints, more = reading.recent_touchpoints(protocol.id, _cursor("after"), TOUCHPOINTS_PAGE)
    names |= reading.names_of({t.supplier_person_id for t in touchpoints} | {t.customer_person_id for t in touchpoints}
                              | {t.logged_by_id for t in touchpoints})
    range_args = {key: request.args[key] for key in ("from", "to") if request.args.get(key)}

    forms_state = {
        "version": (protocol_forms.prefilled(latest), {}),
        "touchpoint": (MultiDict({
            "occurred_at": protocol_forms.local_input(now, zone),
            "channel": current.channel if current else "",
            "supplier_person_id": str(current.supplier_point_person_id) if current else "",
            "customer_person_id": str(current.customer_point_person_id) if current else "",
        }), {}),
        "incident": (MultiDict({"started_at": protocol_forms.local_input(now, zone)}), {}),
        "acknowledgement": (MultiDict(), {}),
        "transition": (MultiDict(), {}),
        "range": (range_values, range_errors),
    }
    forms_state.update(submitted or {})
    return render_template(
        "protocols/protocol.html",
        protocol=protocol,
        project=protocol.project,
        account=account,
        versions=versions,
        current=current,
        base=base,
        columns=columns,
        notes={v.id: _column_note(v, current, protocol) for v in columns},
        earlier=[v for v in versions if v not in columns],
        rows=rows,
        acknowledgements=acknowledgements,
        acknowledged_by_me={v.id for v in columns
                            if any(a.organization_id == actor.organization.id for a in acknowledgements[v.id])},
        triggers=triggers,
        has_actions=any((contact and v.status == "proposed") or (drafter and triggers[v.id]) for v in columns),
        drafter=drafter,
        contact=contact,
        takes_incidents=reading.takes_incident_reports(current),
        zone=zone,
        zone_name=(current or latest).timezone,
        measured=measured,
        compliance=compliance,
        chart=chart,
        range_start=start,
        range_end=end,
        touchpoints=touchpoints,
        next_touchpoints=url_for(".show_protocol", protocol_id=protocol.id, after=touchpoints[-1].id, **range_args)
        if more else None,
        first_touchpoints=url_for(".show_protocol", protocol_id=protocol.id, **range_args) if _cursor("after") else None,
        names=names,
        people=_people_choices(account),
        calendar_url=url_for("protocols_api.protocol_calendar", protocol_id=protocol.id, _external=True),
        forms=forms_state,
        conflict=conflict,
    ), status


@blueprint.get("/protocols/<int:protocol_id>")
def show_protocol(protocol_id):
    return _protocol_page(protocol_id)


def _submit(protocol_id: int, form: str, schema, call, done, extra=None):
    """Read `form` through `schema`, run the use case `call(actor, data)` and go back to the
    protocol with the message `done(result)`; or show the page again with the form's
    errors (422), or with what someone else changed meanwhile (409), keeping what was typed."""
    actor = viewer()
    data, errors = forms.load(schema, request.form, **(extra or {}))
    if data is not None:
        try:
            result = call(actor, data)
        except Invalid as error:
            errors = error.errors
        except Conflict as error:
            return _protocol_page(protocol_id, status=409, conflict=error.detail, submitted={form: (request.form, {})})
        else:
            flash(done(result), "success")
            return redirect(url_for(".show_protocol", protocol_id=protocol_id))
    return _protocol_page(protocol_id, status=422,
                          submitted={form: (request.form, protocol_forms.flat_errors(errors))})


@blueprint.post("/protocols/<int:protocol_id>/versions")
def add_version(protocol_id):
    actor = viewer()
    protocol = services.get_protocol(actor, protocol_id)
    reading.require_drafter(actor, protocol.project.account_id)
    latest = services.versions_of([protocol.id])[protocol.id][-1]
    extra = {**protocol_forms.carried_over(latest), **protocol_forms.terms_extra(request.form)}
    return _submit(
        protocol_id, "version", schemas.VersionIn(),
        lambda who, data: services.add_version(who, clock(), protocol_id, **data),
        lambda version: f"Version {version.number} saved as a draft. Propose it when it is ready for both "
                        "companies to acknowledge.",
        extra,
    )


@blueprint.post("/protocols/<int:protocol_id>/versions/<int:number>/transitions")
def transition(protocol_id, number):
    actor = viewer()
    reading.require_drafter(actor, services.get_protocol(actor, protocol_id).project.account_id)
    done = {"propose": "proposed: each company's point person can now acknowledge it.", "retire": "retired."}
    return _submit(
        protocol_id, "transition", schemas.VersionTransitionIn(),
        lambda who, data: services.transition_version(who, clock(), protocol_id, number, **data),
        lambda version: f"Version {version.number} {done.get(request.form.get('trigger'), version.status)}",
    )


def _acknowledged(version, company: str) -> str:
    if version.status == "agreed":
        return f"Version {version.number} is agreed by both companies and in force from " \
               f"{protocol_terms.moment_text(version.in_force_from, timezone.utc)}."
    return f"Version {version.number} acknowledged for {company}. It is agreed once the other company " \
           "acknowledges it too."


@blueprint.post("/protocols/<int:protocol_id>/acknowledgements")
def acknowledge(protocol_id):
    actor = viewer()
    reading.require_contact(actor, services.get_protocol(actor, protocol_id))
    return _submit(
        protocol_id, "acknowledgement", schemas.AcknowledgementIn(),
        lambda who, data: services.acknowledge(who, clock(), protocol_id, **data),
        lambda version: _acknowledged(version, actor.organization.name),
    )


def _protocol_zone(protocol) -> tzinfo:
    versions = services.versions_of([protocol.id])[protocol.id]
    activations = services.activations_of([protocol.id])[protocol.id]
    current = services.in_force(protocol, versions, activations, clock().now())
    return protocol_forms.zone_named((current or versions[-1]).timezone)


@blueprint.post("/protocols/<int:protocol_id>/touchpoints")
def log_touchpoint(protocol_id):
    actor = viewer()
    protocol = services.get_protocol(actor, protocol_id)
    reading.require_contact(actor, protocol)
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
    protocol = services.get_protocol(actor, protocol_id)
    reading.require_contact(actor, protocol)
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
    protocol = services.get_protocol(actor, protocol_id)
    refuse_read_only(actor)
    with write_transaction():
        _, token = issue_token(actor.person, clock().now(), f"calendar subscription (protocol {protocol.id})",
                               scope="calendar")
    response = make_response(render_template(
        "protocols/calendar_link.html",
        protocol=protocol,
        protocol_url=url_for("protocols_api.protocol_calendar", protocol_id=protocol.id, token=token, _external=True),
        person_url=url_for("protocols_api.my_calendar", token=token, _external=True),
    ))
    response.headers["Cache-Control"] = "no-store"
    return response
