"""The ledger's Merkle tree as stored: the integrator makes every committed event a leaf,
and the stored subtrees give the same roots and proofs as the tree built from all leaves."""

import pytest

from mediation import ledger
from mediation import ledger_tree
from mediation import merkle
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from mediation.ledger import EventActor


def append_events(clock, count: int, subject_id: int = 1) -> None:
    with write_transaction():
        for number in range(count):
            ledger.append("dispute", subject_id, "note_added", account_id=None, actor=EventActor(None, None, "system"),
                          at=clock.now(), payload={"number": number})


def integrate(limit: int = ledger_tree.INTEGRATION_BATCH) -> int:
    with write_transaction():
        return ledger_tree.integrate(limit)


def leaves() -> list[bytes]:
    """Every event's leaf, in leaf order, computed from the events themselves."""
    events = AuditEvent.select().where(AuditEvent.leaf_index.is_null(False)).order_by(AuditEvent.leaf_index)
    return [merkle.leaf_hash(bytes.fromhex(event.hash)) for event in events]


def test_an_empty_tree_has_no_leaves_and_the_empty_root(db):
    assert ledger_tree.size() == 0
    assert ledger_tree.root(0) == merkle.EMPTY_ROOT


def test_events_are_not_leaves_until_integrated(db, clock):
    append_events(clock, 3)
    assert ledger_tree.size() == 0
    assert all(event.leaf_index is None for event in AuditEvent.select())


def test_integration_makes_each_committed_event_a_leaf_in_the_order_of_the_ledger(db, clock):
    append_events(clock, 5)
    assert integrate() == 5
    events = list(AuditEvent.select().order_by(AuditEvent.sequence))
    assert [event.leaf_index for event in events] == [0, 1, 2, 3, 4]
    assert ledger_tree.size() == 5
    assert integrate() == 0


def test_integration_in_small_batches_builds_the_same_tree(db, clock):
    append_events(clock, 13)
    while integrate(limit=3):
        pass
    assert ledger_tree.size() == 13
    assert ledger_tree.root(13) == merkle.root(leaves())


def test_the_leaf_commits_to_the_events_hash(db, clock):
    append_events(clock, 1)
    integrate()
    event = AuditEvent.get()
    assert ledger_tree.root(1) == merkle.leaf_hash(bytes.fromhex(event.hash))


def test_a_rolled_back_append_leaves_no_hole(db, clock):
    append_events(clock, 2)
    with pytest.raises(RuntimeError):
        with write_transaction():
            ledger.append("dispute", 1, "note_added", account_id=None, actor=EventActor(None, None, "system"), at=clock.now())
            raise RuntimeError("the change fails after its event was written")
    append_events(clock, 2)
    integrate()
    assert sorted(event.leaf_index for event in AuditEvent.select()) == [0, 1, 2, 3]


def test_integration_outside_a_write_transaction_is_refused(db):
    with pytest.raises(RuntimeError):
        ledger_tree.integrate()


@pytest.mark.parametrize("integrated_at", [[21], [1, 2, 3, 8, 21], [7, 16, 21]])
def test_every_root_and_proof_matches_the_tree_of_all_leaves(db, clock, integrated_at):
    """Whatever sizes the tree was integrated at, every root, every inclusion proof and
    every consistency proof read from the stored subtrees is the one the RFC's tree gives."""
    done = 0
    for size in integrated_at:
        append_events(clock, size - done)
        integrate()
        done = size
    all_leaves = leaves()
    for size in range(0, done + 1):
        assert ledger_tree.root(size) == merkle.root(all_leaves[:size])
        for index in range(size):
            assert ledger_tree.inclusion_proof(index, size) == merkle.inclusion_proof(all_leaves, index, size)
        for old in range(0, size + 1):
            assert ledger_tree.consistency_proof(old, size) == merkle.consistency_proof(all_leaves, old, size)


def test_a_proof_reads_its_subtrees_in_one_query_whatever_the_tree(db, clock):
    append_events(clock, 300)
    integrate()
    statements = []
    connection = database.obj
    original = type(connection).execute_sql.__get__(connection)

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    connection.execute_sql = counting
    try:
        proof = ledger_tree.inclusion_proof(150, 300)
    finally:
        del connection.execute_sql
    assert merkle.verify_inclusion(leaves()[150], 150, 300, proof, merkle.root(leaves()))
    assert len(statements) == 2  # the tree's size, then its subtrees


def test_sizes_beyond_the_tree_are_refused(db, clock):
    append_events(clock, 4)
    integrate()
    with pytest.raises(ValueError, match="larger than the tree"):
        ledger_tree.root(5)
    with pytest.raises(ValueError, match="larger than the tree"):
        ledger_tree.inclusion_proof(0, 5)
    with pytest.raises(ValueError):
        ledger_tree.inclusion_proof(4, 4)
    with pytest.raises(ValueError):
        ledger_tree.consistency_proof(3, 2)


def test_a_damaged_tree_is_reported_rather_than_proved(db, clock):
    append_events(clock, 4)
    integrate()
    database.execute_sql('DELETE FROM "tree_node" WHERE "level" = 1')
    with pytest.raises(LookupError, match="damaged"):
        ledger_tree.inclusion_proof(2, 3)
