"""Disputes: open, list, read, record stories, options, acceptances, notes, commitments,
fire transitions, read the history."""

from flask import Blueprint

from mediation import lifecycle
from mediation import services
from mediation.guards import gives_mutual_value
from protocols import escalation
from web import schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import page
from web.auth import current_actor

blueprint = Blueprint("disputes_api", __name__)

_summary = schemas.DisputeOut()
_detail = schemas.DisputeDetailOut()
_story = schemas.StoryOut()
_option = schemas.OptionOut()
_acceptance = schemas.AcceptanceOut()
_note = schemas.NoteOut()
_commitment = schemas.CommitmentOut()
_event = schemas.EventOut()


def _fields(dispute, now) -> dict:
    return {
        "id": dispute.id,
        "title": dispute.title,
        "summary": dispute.summary,
        "account_id": dispute.account_id,
        "project_id": dispute.project_id,
        "severity": dispute.severity,
        "state": dispute.state,
        "version": dispute.version,
        "mediator_id": dispute.mediator_id,
        "co_mediator_id": dispute.co_mediator_id,
        "opened_by_id": dispute.opened_by_id,
        "stale": services.is_stale(dispute, now),
        "available_triggers": lifecycle.available_triggers(dispute.state),
        "resolution": {
            "option_id": dispute.resolution_option_id,
            "summary": dispute.resolution_summary,
            "override_reason": dispute.override_reason,
        },
        "created_at": dispute.created_at,
        "updated_at": dispute.updated_at,
        "state_changed_at": dispute.state_changed_at,
    }


def _commitment_view(commitment, now):
    commitment.overdue = services.is_overdue(commitment, now)
    return commitment


def present(actor, dispute) -> dict:
    """The dispute with everything on it the caller may read."""
    now = clock().now()
    found = services.details(actor, dispute)
    accepted = {}
    for acceptance in found["acceptances"]:
        acceptance.company = acceptance.organization.kind
        accepted.setdefault(acceptance.option_id, []).append(acceptance.company)
    for option in found["options"]:
        option.accepted_by = sorted(accepted.get(option.id, []))
        option.mutual_value = gives_mutual_value(option.value_to_supplier, option.value_to_customer)
    parties = [
        {
            "person_id": party.person.id,
            "name": party.person.name,
            "organization_id": party.person.organization_id,
            "company": party.person.organization.kind,
        }
        for party in found["parties"]
    ]
    protocol = escalation.escalation_protocol(dispute.project_id)
    return _detail.dump(
        {
            **_fields(dispute, now),
            "escalation_protocol": {
                "protocol_id": protocol.id,
                "in_force_for_this_dispute": escalation.activation_for(dispute.id) is not None,
            } if protocol else None,
            "parties": parties,
            "stories": found["stories"],
            "options": found["options"],
            "acceptances": found["acceptances"],
            "notes": found["notes"],
            "commitments": [_commitment_view(c, now) for c in found["commitments"]],
        }
    )


@blueprint.post("/disputes")
def open_dispute():
    data = load_body(schemas.DisputeIn())
    actor = current_actor()
    dispute = services.open_dispute(actor, clock(), **data)
    return present(actor, dispute), 201, {"Location": f"/api/v1/disputes/{dispute.id}"}


@blueprint.get("/disputes")
def list_disputes():
    params = load_query(schemas.DisputeQuery())
    limit = params.pop("limit")
    now = clock().now()
    rows = services.list_disputes(current_actor(), now, limit=limit + 1, **params)
    return page(rows, limit, lambda d: _summary.dump(_fields(d, now)), "disputes_api.list_disputes")


@blueprint.get("/disputes/<int:dispute_id>")
def get_dispute(dispute_id):
    actor = current_actor()
    return present(actor, services.get_dispute(actor, dispute_id))


@blueprint.post("/disputes/<int:dispute_id>/transitions")
def transition(dispute_id):
    data = load_body(schemas.TransitionIn())
    actor = current_actor()
    dispute = services.transition(actor, clock(), dispute_id, **data)
    return present(actor, dispute)


@blueprint.post("/disputes/<int:dispute_id>/parties")
def add_party(dispute_id):
    data = load_body(schemas.PartyIn())
    actor = current_actor()
    return present(actor, services.add_party(actor, clock(), dispute_id, **data)), 201


@blueprint.post("/disputes/<int:dispute_id>/mediators")
def assign_mediators(dispute_id):
    data = load_body(schemas.MediatorsIn())
    actor = current_actor()
    return present(actor, services.assign_mediators(actor, clock(), dispute_id, **data))


def _recorded(dump, record):
    """A new record, with the dispute's version after the change for the next request."""
    return {**dump(record), "dispute_version": record.dispute.version}, 201


@blueprint.post("/disputes/<int:dispute_id>/stories")
def record_story(dispute_id):
    data = load_body(schemas.StoryIn())
    story = services.record_story(current_actor(), clock(), dispute_id, **data)
    return _recorded(_story.dump, story)


@blueprint.post("/disputes/<int:dispute_id>/options")
def propose_option(dispute_id):
    data = load_body(schemas.OptionIn())
    option = services.propose_option(current_actor(), clock(), dispute_id, **data)
    option.accepted_by = []
    option.mutual_value = gives_mutual_value(option.value_to_supplier, option.value_to_customer)
    return _recorded(_option.dump, option)


@blueprint.post("/disputes/<int:dispute_id>/acceptances")
def accept_option(dispute_id):
    data = load_body(schemas.AcceptanceIn())
    actor = current_actor()
    acceptance = services.accept_option(actor, clock(), dispute_id, **data)
    acceptance.company = actor.company
    return _recorded(_acceptance.dump, acceptance)


@blueprint.post("/disputes/<int:dispute_id>/notes")
def add_note(dispute_id):
    data = load_body(schemas.NoteIn())
    note = services.add_note(current_actor(), clock(), dispute_id, **data)
    return _recorded(_note.dump, note)


@blueprint.post("/disputes/<int:dispute_id>/commitments")
def record_commitment(dispute_id):
    data = load_body(schemas.CommitmentIn())
    commitment = services.record_commitment(current_actor(), clock(), dispute_id, **data)
    return _recorded(_commitment.dump, _commitment_view(commitment, clock().now()))


@blueprint.post("/disputes/<int:dispute_id>/commitments/<int:commitment_id>")
def settle_commitment(dispute_id, commitment_id):
    data = load_body(schemas.CommitmentSettlementIn())
    commitment = services.settle_commitment(current_actor(), clock(), dispute_id, commitment_id, **data)
    return _recorded(_commitment.dump, _commitment_view(commitment, clock().now()))[0]


@blueprint.get("/disputes/<int:dispute_id>/history")
def history(dispute_id):
    events = services.dispute_history(current_actor(), dispute_id)
    return {"items": [_event.dump(e) for e in events], "next": None}
