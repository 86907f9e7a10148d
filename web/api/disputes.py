"""Disputes: open, list, read, record stories, options, acceptances, notes, commitments,
fire transitions, read the history."""

from flask import Blueprint

from mediation import dispute_queries
from mediation import dispute_reading
from mediation import dispute_summaries
from mediation import proof_bundles
from mediation import services
from mediation.access import event_position
from mediation.dispute_reading import AcceptanceRead
from mediation.dispute_reading import CommitmentRead
from mediation.dispute_reading import OptionRead
from protocols import escalation
from web import schemas
from web.api import bundle_download
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import page
from web.api import paged_text
from web.api.answers import RecordedAcceptanceOut
from web.api.answers import RetractedAcceptanceOut
from web.api.answers import RecordedCommitmentOut
from web.api.answers import RecordedNoteOut
from web.api.answers import RecordedOptionOut
from web.api.answers import RecordedStoryOut
from web.api.documented import BODY_ID
from web.api.documented import Page
from web.api.documented import documented
from web.api.documented import link
from web.auth import current_actor
from web.limits import expensive

blueprint = Blueprint("disputes_api", __name__)

_detail = schemas.DisputeDetailOut()
_story = schemas.StoryOut()
_option = schemas.OptionOut()
_acceptance = schemas.AcceptanceOut()
_note = schemas.NoteOut()
_commitment = schemas.CommitmentOut()

IN_PATH = "$request.path.dispute_id"
DETAIL_NOTES = 50  # the latest notes in a dispute's answer; GET /disputes/{id}/notes reads them all


def _on_dispute(dispute_id: str) -> tuple:
    """Links from an answer to what can be done next with its dispute."""
    return tuple(
        link(f"disputes_api.{view}", dispute_id=dispute_id)
        for view in ("get_dispute", "transition", "add_party", "assign_mediators", "record_story",
                     "propose_option", "accept_option", "add_note", "record_commitment", "history")
    )


def _overdue_or_not(commitment) -> CommitmentRead:
    return CommitmentRead(commitment, dispute_queries.is_overdue(commitment, clock().now()))


def present(actor, dispute) -> dict:
    """The dispute with everything on it the caller may read."""
    now = clock().now()
    found = dispute_reading.read(actor, dispute, now)
    parties = [
        {
            "person_id": party.person.id,
            "name": party.person.name,
            "organization_id": party.person.organization_id,
            "company": party.person.organization.kind,
        }
        for party in found.parties
    ]
    protocol = escalation.escalation_protocol(dispute.project_id)
    notes = dispute_queries.notes_of(actor, dispute, limit=DETAIL_NOTES, latest=True)
    earlier = dispute_queries.count_notes(actor, dispute, before=notes[0].id) if len(notes) == DETAIL_NOTES else 0
    return _detail.dump(
        {
            **dispute_summaries.summary(dispute, now),
            "escalation_protocol": {
                "protocol_id": protocol.id,
                "in_force_for_this_dispute": escalation.activation_for(dispute.id) is not None,
            } if protocol else None,
            "parties": parties,
            "stories": found.stories,
            "options": found.options,
            "acceptances": found.acceptances,
            "notes": notes,
            "earlier_notes": earlier,
            "commitments": found.commitments,
        }
    )


@blueprint.post("/disputes")
@documented("Open a dispute", body=schemas.DisputeIn, answers={201: schemas.DisputeDetailOut},
            refuses=(403, 409), links=_on_dispute(BODY_ID))
def open_dispute():
    data = load_body()
    actor = current_actor()
    dispute = services.open_dispute(actor, clock(), **data)
    return present(actor, dispute), 201, {"Location": f"/api/v1/disputes/{dispute.id}"}


@blueprint.get("/disputes")
@documented("List the disputes the caller may see, with filters", query=schemas.DisputeQuery,
            answers={200: Page(schemas.DisputeOut)})
def list_disputes():
    found = dispute_summaries.summaries(current_actor(), clock().now(), **load_query())
    return paged_text(found, "disputes_api.list_disputes")


@blueprint.get("/disputes/<int:dispute_id>")
@documented("Read a dispute with everything on it the caller may read",
            answers={200: schemas.DisputeDetailOut}, links=_on_dispute(BODY_ID))
def get_dispute(dispute_id):
    actor = current_actor()
    return present(actor, dispute_queries.get_dispute(actor, dispute_id))


@blueprint.post("/disputes/<int:dispute_id>/transitions")
@documented("Move a dispute through its lifecycle", body=schemas.TransitionIn,
            answers={200: schemas.DisputeDetailOut}, refuses=(403, 409), links=_on_dispute(BODY_ID))
def transition(dispute_id):
    data = load_body()
    actor = current_actor()
    dispute = services.transition(actor, clock(), dispute_id, **data)
    return present(actor, dispute)


@blueprint.post("/disputes/<int:dispute_id>/parties")
@documented("Name a person as a party", body=schemas.PartyIn, answers={201: schemas.DisputeDetailOut},
            refuses=(403, 409), links=_on_dispute(BODY_ID))
def add_party(dispute_id):
    data = load_body()
    actor = current_actor()
    return present(actor, services.add_party(actor, clock(), dispute_id, **data)), 201


@blueprint.post("/disputes/<int:dispute_id>/mediators")
@documented("Assign the mediator and the co-mediator", body=schemas.MediatorsIn,
            answers={200: schemas.DisputeDetailOut}, refuses=(403, 409), links=_on_dispute(BODY_ID))
def assign_mediators(dispute_id):
    data = load_body()
    actor = current_actor()
    return present(actor, services.assign_mediators(actor, clock(), dispute_id, **data))


def _recorded(dump, record):
    """A new record, with the dispute's version after the change for the next request."""
    return {**dump(record), "dispute_version": record.dispute.version}, 201


@blueprint.post("/disputes/<int:dispute_id>/stories")
@documented("Record a party's story, or that the party declines", body=schemas.StoryIn,
            answers={201: RecordedStoryOut}, refuses=(403, 409), links=_on_dispute(IN_PATH))
def record_story(dispute_id):
    data = load_body()
    story = services.record_story(current_actor(), clock(), dispute_id, **data)
    return _recorded(_story.dump, story)


@blueprint.post("/disputes/<int:dispute_id>/options")
@documented("Propose an option, scored for each company", body=schemas.OptionIn,
            answers={201: RecordedOptionOut}, refuses=(403, 409), links=(
                *_on_dispute(IN_PATH),
                link("disputes_api.accept_option", dispute_id=IN_PATH, body={"option_id": BODY_ID}),
            ))
def propose_option(dispute_id):
    data = load_body()
    option = services.propose_option(current_actor(), clock(), dispute_id, **data)
    return _recorded(_option.dump, OptionRead(option, ()))


@blueprint.post("/disputes/<int:dispute_id>/acceptances")
@documented("Accept an option for the caller's company", body=schemas.AcceptanceIn,
            answers={201: RecordedAcceptanceOut}, refuses=(403, 409), links=_on_dispute(IN_PATH))
def accept_option(dispute_id):
    data = load_body()
    actor = current_actor()
    acceptance = services.accept_option(actor, clock(), dispute_id, **data)
    return _recorded(_acceptance.dump, AcceptanceRead(acceptance, actor.company))


@blueprint.post("/disputes/<int:dispute_id>/acceptances/<int:acceptance_id>/retract")
@documented("Retract the caller's company's acceptance of an option, until the dispute is resolved",
            body=schemas.Versioned, answers={200: RetractedAcceptanceOut}, refuses=(403, 409),
            links=_on_dispute(IN_PATH))
def retract_acceptance(dispute_id, acceptance_id):
    data = load_body()
    actor = current_actor()
    acceptance = services.retract_acceptance(actor, clock(), dispute_id, acceptance_id=acceptance_id, **data)
    return {**_acceptance.dump(AcceptanceRead(acceptance, actor.company)), "retracted": True,
            "dispute_version": acceptance.dispute.version}


@blueprint.post("/disputes/<int:dispute_id>/notes")
@documented("Add a note", body=schemas.NoteIn, answers={201: RecordedNoteOut}, refuses=(403, 409),
            links=_on_dispute(IN_PATH))
def add_note(dispute_id):
    data = load_body()
    note = services.add_note(current_actor(), clock(), dispute_id, **data)
    return _recorded(_note.dump, note)


@blueprint.get("/disputes/<int:dispute_id>/notes")
@documented("Read a dispute's notes the caller may read, oldest first; `after` is the id of the last note read",
            query=schemas.PageQuery, answers={200: Page(schemas.NoteOut)})
def notes(dispute_id):
    params = load_query()
    actor = current_actor()
    dispute = dispute_queries.get_dispute(actor, dispute_id)
    found = dispute_queries.notes_of(actor, dispute, after=params["after"] or 0, limit=params["limit"] + 1)
    return page(found, params["limit"], _note.dump, "disputes_api.notes", dispute_id=dispute_id)


@blueprint.post("/disputes/<int:dispute_id>/commitments")
@documented("Record who committed to what by when", body=schemas.CommitmentIn,
            answers={201: RecordedCommitmentOut}, refuses=(403, 409), links=(
                *_on_dispute(IN_PATH),
                link("disputes_api.settle_commitment", dispute_id=IN_PATH, commitment_id=BODY_ID),
            ))
def record_commitment(dispute_id):
    data = load_body()
    commitment = services.record_commitment(current_actor(), clock(), dispute_id, **data)
    return _recorded(_commitment.dump, _overdue_or_not(commitment))


@blueprint.post("/disputes/<int:dispute_id>/commitments/<int:commitment_id>")
@documented("Settle a commitment as kept or broken", body=schemas.CommitmentSettlementIn,
            answers={200: RecordedCommitmentOut}, refuses=(403, 409), links=_on_dispute(IN_PATH))
def settle_commitment(dispute_id, commitment_id):
    data = load_body()
    commitment = services.settle_commitment(current_actor(), clock(), dispute_id, commitment_id, **data)
    return _recorded(_commitment.dump, _overdue_or_not(commitment))[0]


@blueprint.get("/disputes/<int:dispute_id>/bundle")
@documented("Export a dispute's history as a proof bundle, to verify offline with `accord audit verify-bundle`: "
            "the events the caller's company may read that the latest signed checkpoint holds, each with its "
            "inclusion proof, and that checkpoint with its cosignatures",
            answers={200: schemas.ProofBundleOut}, refuses=(403, 409, 429, 503))
@expensive(current_actor)
def bundle(dispute_id):
    """403 unless an auditor or administrator; 409 before the first signed checkpoint."""
    actor = current_actor()
    return bundle_download(actor, proof_bundles.of_dispute(actor, dispute_id),
                           f"accord-dispute-{dispute_id}-bundle.json")


@blueprint.get("/disputes/<int:dispute_id>/history")
@documented("Read a dispute's audit events, oldest first; `after` is the last event read's sequence (the "
            "supplier) or chain_sequence (a customer, who reads the account's shared chain)",
            query=schemas.PageQuery, answers={200: Page(schemas.EventOut)})
def history(dispute_id):
    params = load_query()
    limit = params["limit"]
    actor = current_actor()
    events = dispute_queries.dispute_history(actor, dispute_id, after=params["after"] or 0, limit=limit + 1)
    return page(events, limit, schemas.event_dump(actor), "disputes_api.history", cursor=event_position(actor),
                dispute_id=dispute_id)
