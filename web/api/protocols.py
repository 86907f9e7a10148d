"""Communication protocols: versions, agreement, touchpoints, incidents, compliance,
the board and calendar feeds."""

from flask import Blueprint
from flask import Response
from flask import g
from flask import request
from flask import url_for

from mediation.access import Actor
from mediation.access import event_position
from mediation.credentials import person_for_token
from protocols import compliance_reading
from protocols import feeds
from protocols import protocol_reading
from protocols import queries
from protocols import services
from protocols.board import arranged
from protocols.models import Protocol
from web import boards
from web import protocol_schemas as schemas
from web.api import bundle_download
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import page
from web.api.answers import BoardEntryOut
from web.api.answers import CalendarTokenOut
from web.api.answers import ComplianceOut
from web.api.answers import ProtocolOut
from web.api.documented import BODY_ID
from web.api.documented import CALENDAR
from web.api.documented import Page
from web.api.documented import documented
from web.api.documented import link
from web.auth import current_actor
from web.auth import unauthorized
from web.limits import expensive
from web.schemas import EventOut
from web.schemas import event_dump
from web.schemas import PageQuery
from web.schemas import ProofBundleOut
from web.links import absolute_url

blueprint = Blueprint("protocols_api", __name__)

_version = schemas.VersionOut()
_touchpoint = schemas.TouchpointOut()
_incident = schemas.IncidentOut()

IN_PATH = "$request.path.protocol_id"
FIRST_VERSION = "$response.body#/versions/0/number"


def _on_protocol(protocol_id: str) -> tuple:
    """Links from an answer to what can be done next with its protocol."""
    return tuple(
        link(f"protocols_api.{view}", protocol_id=protocol_id)
        for view in ("get_protocol", "add_version", "log_touchpoint", "list_touchpoints", "report_incident",
                     "compliance", "history", "protocol_calendar")
    )


def present(protocol: Protocol) -> dict:
    """The protocol's read model (protocols.protocol_reading) as the API answers it: every version,
    who acknowledged each, and the version in force."""
    view = protocol_reading.read(protocol, clock().now())
    return {
        "id": protocol.id,
        "project_id": protocol.project_id,
        "account_id": protocol.project.account_id,
        "scenario": protocol.scenario,
        "version": protocol.version,
        "in_force": view.current.number if view.current else None,
        "versions": [_version.dump(v) for v in view.versions],
        "calendar_url": url_for("protocols_api.protocol_calendar", protocol_id=protocol.id),
        "created_at": protocol.created_at.isoformat(),
    }


@blueprint.post("/projects/<int:project_id>/protocols")
@documented("Agree how a project's two companies talk in a scenario: version 1 as a draft",
            body=schemas.ProtocolIn, answers={201: ProtocolOut}, refuses=(403, 409), links=(
                *_on_protocol(BODY_ID),
                link("protocols_api.transition_version", protocol_id=BODY_ID, number=FIRST_VERSION),
                link("protocols_api.acknowledge", protocol_id=BODY_ID, body={"version": FIRST_VERSION}),
            ))
def create_protocol(project_id):
    data = load_body()
    protocol = services.create_protocol(current_actor(), clock(), project_id=project_id, **data)
    return present(protocol), 201, {"Location": f"/api/v1/protocols/{protocol.id}"}


@blueprint.get("/projects/<int:project_id>/protocols")
@documented("List a project's protocols", answers={200: Page(ProtocolOut)})
def project_protocols(project_id):
    _, protocols = queries.protocols_of_project(current_actor(), project_id)
    return {"items": [present(p) for p in protocols], "next": None}


@blueprint.get("/protocols")
@documented("List the protocols the caller may see", query=PageQuery, answers={200: Page(ProtocolOut)})
def list_protocols():
    params = load_query()
    rows = queries.protocols_after(current_actor(), params["after"])
    return page(rows, params["limit"], present, "protocols_api.list_protocols")


def _board_entry(entry) -> dict:
    return {
        "protocol_id": entry.protocol_id,
        "project_id": entry.project_id,
        "project": entry.project,
        "account_id": entry.account_id,
        "account": entry.account,
        "scenario": entry.scenario,
        "version": entry.version,
        "channel": entry.channel,
        "status": entry.compliance.status,
        "next_due_at": entry.compliance.next_due_at.isoformat() if entry.compliance.next_due_at else None,
    }


@blueprint.get("/protocols/board")
@documented("Every protocol in force the caller may see, most urgent first or sorted, with filters; `after` is "
            "the protocol_id of the last entry read", query=schemas.BoardQuery, answers={200: Page(BoardEntryOut)})
def board():
    params = load_query()
    actor = current_actor()
    shown = arranged(boards.board(actor, clock()), sort=params["sort"], order=params["order"],
                     naming=actor.person_id if params["mine"] else None, customer_id=params["customer_id"])
    entries = boards.after(shown, params["after"])
    return page(entries[:params["limit"] + 1], params["limit"], _board_entry, "protocols_api.board",
                cursor=lambda entry: entry.protocol_id)


@blueprint.get("/protocols/<int:protocol_id>")
@documented("Read a protocol: its versions and the one in force", answers={200: ProtocolOut},
            links=_on_protocol(BODY_ID))
def get_protocol(protocol_id):
    return present(queries.get_protocol(current_actor(), protocol_id))


@blueprint.post("/protocols/<int:protocol_id>/versions")
@documented("Draft a new version of a protocol", body=schemas.VersionIn, answers={201: ProtocolOut},
            refuses=(403, 409), links=_on_protocol(BODY_ID))
def add_version(protocol_id):
    data = load_body()
    actor = current_actor()
    version = services.add_version(actor, clock(), protocol_id, **data)
    return present(queries.get_protocol(actor, version.protocol_id)), 201


@blueprint.post("/protocols/<int:protocol_id>/versions/<int:number>/transitions")
@documented("Propose or retire a version", body=schemas.VersionTransitionIn, answers={200: ProtocolOut},
            refuses=(403, 409), links=_on_protocol(BODY_ID))
def transition_version(protocol_id, number):
    data = load_body()
    actor = current_actor()
    services.transition_version(actor, clock(), protocol_id, number, **data)
    return present(queries.get_protocol(actor, protocol_id))


@blueprint.post("/protocols/<int:protocol_id>/acknowledgements")
@documented("Acknowledge a proposed version for the caller's company", body=schemas.AcknowledgementIn,
            answers={201: ProtocolOut}, refuses=(403, 409), links=_on_protocol(BODY_ID))
def acknowledge(protocol_id):
    data = load_body()
    actor = current_actor()
    services.acknowledge(actor, clock(), protocol_id, **data)
    return present(queries.get_protocol(actor, protocol_id)), 201


@blueprint.post("/protocols/<int:protocol_id>/touchpoints")
@documented("Log a touchpoint between the two companies", body=schemas.TouchpointIn,
            answers={201: schemas.TouchpointOut}, refuses=(403, 409), links=_on_protocol(IN_PATH))
def log_touchpoint(protocol_id):
    data = load_body()
    touchpoint = services.log_touchpoint(current_actor(), clock(), protocol_id, **data)
    return _touchpoint.dump(touchpoint), 201


@blueprint.get("/protocols/<int:protocol_id>/touchpoints")
@documented("List a protocol's touchpoints", query=PageQuery, answers={200: Page(schemas.TouchpointOut)})
def list_touchpoints(protocol_id):
    params = load_query()
    queries.get_protocol(current_actor(), protocol_id)
    rows = queries.touchpoints_after(protocol_id, params["after"])
    return page(rows, params["limit"], _touchpoint.dump, "protocols_api.list_touchpoints", protocol_id=protocol_id)


@blueprint.post("/protocols/<int:protocol_id>/incidents")
@documented("Report an incident, which starts a response-time window", body=schemas.IncidentIn,
            answers={201: schemas.IncidentOut}, refuses=(403, 409), links=_on_protocol(IN_PATH))
def report_incident(protocol_id):
    data = load_body()
    incident = services.report_incident(current_actor(), clock(), protocol_id, **data)
    return _incident.dump(incident), 201


@blueprint.get("/protocols/<int:protocol_id>/compliance")
@documented("Compare the touchpoints with the version in force", query=schemas.ComplianceQuery,
            answers={200: ComplianceOut})
def compliance(protocol_id):
    params = load_query()
    result = compliance_reading.compliance(current_actor(), clock(), protocol_id, **params)
    return {"protocol_id": protocol_id, **result.as_dict()}


@blueprint.get("/protocols/<int:protocol_id>/bundle")
@documented("Export a protocol's history as a proof bundle, to verify offline with `accord audit verify-bundle`: "
            "the events the caller's company may read that the latest signed checkpoint holds, each with its "
            "inclusion proof, and that checkpoint with its cosignatures",
            answers={200: ProofBundleOut}, refuses=(403, 409, 429, 503))
@expensive(current_actor)
def bundle(protocol_id):
    """403 unless an auditor or administrator; 409 before the first signed checkpoint."""
    actor = current_actor()
    return bundle_download(actor, queries.protocol_bundle(actor, protocol_id),
                           f"accord-protocol-{protocol_id}-bundle.json")


@blueprint.get("/protocols/<int:protocol_id>/history")
@documented("Read a protocol's audit events, oldest first; `after` is the last event read's sequence (the "
            "supplier) or chain_sequence (a customer, who reads the account's shared chain)",
            query=PageQuery, answers={200: Page(EventOut)})
def history(protocol_id):
    params = load_query()
    actor = current_actor()
    events = queries.protocol_history(actor, protocol_id, params["after"] or 0)
    return page(events, params["limit"], event_dump(actor), "protocols_api.history", cursor=event_position(actor),
                protocol_id=protocol_id)


def _calendar_actor() -> Actor:
    """A calendar app cannot send headers: a calendar-scoped token may come as ?token=. A
    full API token never may: a URL is kept in logs, histories and calendar apps."""
    token = request.args.get("token")
    if token is None:
        return current_actor()
    if "calendar_actor" not in g:
        person = person_for_token(token, scopes=("calendar",))
        if person is None:
            raise unauthorized("the calendar token is unknown, revoked, or its person is disabled")
        g.calendar_actor = Actor.of(person)
    return g.calendar_actor


def _ics(body: bytes) -> Response:
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


@blueprint.get("/protocols/<int:protocol_id>/calendar.ics")
@documented("A protocol's expected contacts as an iCalendar feed", answers={200: CALENDAR}, refuses=(429, 503))
@expensive(_calendar_actor)
def protocol_calendar(protocol_id):
    return _ics(feeds.protocol_feed(_calendar_actor(), clock(), protocol_id))


@blueprint.post("/me/calendar-token")
@documented("Issue a token that only reads calendar feeds (not to auditors, who change nothing; "
            "their own token reads the feeds)", answers={201: CalendarTokenOut}, refuses=(403,))
def create_calendar_token():
    """A token that only reads calendar feeds, to paste into a calendar app as part of a URL.
    Auditors are refused, as on the protocol page: they add nothing, credentials included."""
    token = services.issue_calendar_token(current_actor(), clock())
    return {
        "token": token,
        "my_calendar_url": absolute_url("protocols_api.my_calendar", token=token),
    }, 201


@blueprint.get("/me/calendar.ics")
@documented("The caller's expected contacts across protocols as an iCalendar feed", answers={200: CALENDAR},
            refuses=(429, 503))
@expensive(_calendar_actor)
def my_calendar():
    return _ics(feeds.person_feed(_calendar_actor(), clock()))
