"""What an auditor may ask of the ledger's tree: its latest signed checkpoint and the
proofs that tie events and older checkpoints to it.

A proof is checked against a checkpoint's root and size, never against a root the
server sends alongside it: the size a proof is asked for defaults to the latest
checkpoint's, so the two always go together.
"""

from dataclasses import dataclass

from mediation import checkpoints
from mediation import ledger_tree
from mediation.access import Actor
from mediation.access import may_read_event
from mediation.errors import Conflict
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import AuditEvent


@dataclass(frozen=True)
class InclusionProof:
    event_hash: str
    leaf_index: int
    tree_size: int
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    proof: list[bytes]


def latest_checkpoint() -> checkpoints.SignedCheckpoint:
    found = checkpoints.latest()
    if found is None:
        raise NotFound("checkpoint", "latest")
    return found


def inclusion(actor: Actor, event_hash: str, size: int | None = None) -> InclusionProof:
    """The proof that the event with this hash is leaf `leaf_index` of the tree of `size`
    events (the latest checkpoint's, unless asked), for a caller who may read the event."""
    event = AuditEvent.get_or_none(AuditEvent.hash == event_hash.lower())
    if event is None or not may_read_event(actor, event):
        raise NotFound("event", event_hash)
    if event.leaf_index is None:
        raise Conflict("the event is not in the tree yet: the next integration adds it "
                       "(accord worker, or accord audit integrate)")
    tree_size = latest_checkpoint().size if size is None else size
    if tree_size <= event.leaf_index:
        raise Invalid.field("size", f"the event is leaf {event.leaf_index}: ask for a tree of more than "
                                    f"{event.leaf_index} events")
    _check_within_tree(tree_size, "size")
    return InclusionProof(event.hash, event.leaf_index, tree_size, ledger_tree.inclusion_proof(event.leaf_index, tree_size))


def consistency(old_size: int, new_size: int | None = None) -> ConsistencyProof:
    """The proof that the tree of `old_size` events is the start of the tree of `new_size`
    (the latest checkpoint's, unless asked): nothing before it was changed or removed."""
    tree_size = latest_checkpoint().size if new_size is None else new_size
    if old_size > tree_size:
        raise Invalid.field("from", f"must not be larger than {tree_size}, the size it is compared with")
    _check_within_tree(tree_size, "to")
    return ConsistencyProof(old_size, tree_size, ledger_tree.consistency_proof(old_size, tree_size))


def _check_within_tree(tree_size: int, field: str) -> None:
    current = ledger_tree.size()
    if tree_size > current:
        raise Invalid.field(field, f"the tree has {current} events so far")


