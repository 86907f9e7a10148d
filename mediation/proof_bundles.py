"""Proof bundles: a subject's history as one company may read it, each event with the
proof that it is a leaf of the ledger's tree, and the signed checkpoint of that tree
with its cosignatures, so that anyone holding the installation's verifier key can check
the history offline (mediation.bundle_check), trusting neither the server nor the file.

A bundle is built on the latest signed checkpoint. Events integrated after it have no
proof against it yet: they are left out and only counted, so a bundle never holds an
event it cannot prove. Shaping the bundle as JSON is the web layer's (web.schemas.bundle_dump).
"""

from dataclasses import dataclass

from mediation import checkpoints
from mediation import dispute_queries
from mediation import ledger_tree
from mediation import witnesses
from mediation.access import Actor
from mediation.errors import Conflict
from mediation.ledger import AuditEvent
from mediation.reports import require_history_reader

FORMAT = "accord-proof-bundle/1"


@dataclass(frozen=True)
class ProvenEvent:
    event: AuditEvent
    path: list[bytes]  # the audit path of RFC 9162 2.1.3 to the checkpoint's root


@dataclass(frozen=True)
class Bundle:
    subject_type: str
    subject_id: int
    title: str
    origin: str
    checkpoint_size: int
    note: str  # the checkpoint's signed note with its cosignature lines
    events: list[ProvenEvent]
    newer_events_left_out: int


def signed_checkpoint() -> checkpoints.SignedCheckpoint:
    """The checkpoint a bundle is built on; Conflict until the integrator signed one."""
    found = checkpoints.latest()
    if found is None:
        raise Conflict("no checkpoint of the ledger is signed yet, so nothing can be proven: wait for the next "
                       "integration (accord worker, or accord audit integrate)")
    return found


def bundle(subject_type: str, subject_id: int, title: str, checkpoint: checkpoints.SignedCheckpoint,
           events: list[AuditEvent]) -> Bundle:
    """The events the caller read (already filtered by what their company may read), those
    in the checkpoint's tree with their proofs. The checkpoint must be taken before the
    events are read, so that every event it covers is among them."""
    covered = [event for event in events if event.leaf_index is not None and event.leaf_index < checkpoint.size]
    return Bundle(
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        origin=checkpoint.note.partition("\n")[0],
        checkpoint_size=checkpoint.size,
        note=witnesses.cosigned_note(checkpoint),
        events=[ProvenEvent(event, ledger_tree.inclusion_proof(event.leaf_index, checkpoint.size))
                for event in covered],
        newer_events_left_out=len(events) - len(covered),
    )


def of_dispute(actor: Actor, dispute_id: int) -> Bundle:
    """A dispute's bundle for an auditor or administrator of either company; NotFound when
    their company may not see the dispute, Conflict before the first checkpoint."""
    require_history_reader(actor)
    dispute = dispute_queries.get_dispute(actor, dispute_id)
    checkpoint = signed_checkpoint()
    return bundle("dispute", dispute.id, dispute.title, checkpoint,
                  dispute_queries.dispute_history(actor, dispute.id))
