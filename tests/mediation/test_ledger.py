"""The audit ledger is tamper-evident: whoever edits the audit_event table directly is found.

Tampering goes through raw SQL (with the database's own placeholder) or plain peewee
queries, never through the ledger, the way an intruder with database access would.
"""

import json
from datetime import timedelta

import pytest

from mediation import ledger
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from mediation.ledger import Digest
from mediation.ledger import EventActor

MIDDLE = 8  # a sequence number well inside the chain built by the `chain` fixture


# --- helpers ----------------------------------------------------------------------------------


def sql(statement: str, *params):
    """Run raw SQL written with `?` placeholders on SQLite and PostgreSQL alike."""
    return database.execute_sql(statement.replace("?", database.param), params)


def events() -> list[AuditEvent]:
    return list(AuditEvent.select().order_by(AuditEvent.sequence))


def event_at(sequence: int) -> AuditEvent:
    return AuditEvent.get(AuditEvent.sequence == sequence)


def hash_of(event: AuditEvent, **changes) -> str:
    """The hash `event` would have with `changes` applied: what a careful forger computes."""
    fields = {
        name: getattr(event, name)
        for name in (
            "sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role",
            "subject_type", "subject_id", "kind", "from_state", "to_state", "payload", "prev_hash",
        )
    }
    fields.update(changes)
    return ledger.event_hash(**fields)


def rechain_from(sequence: int) -> None:
    """Recompute prev_hash and hash of every event from `sequence` on: a consistent rewrite."""
    prev = event_at(sequence - 1).hash if sequence > 1 else ledger.GENESIS_HASH
    for event in AuditEvent.select().where(AuditEvent.sequence >= sequence).order_by(AuditEvent.sequence):
        new_hash = hash_of(event, prev_hash=prev)
        sql('UPDATE audit_event SET prev_hash = ?, "hash" = ? WHERE id = ?', prev, new_hash, event.id)
        prev = new_hash


def shift_up_from(sequence: int) -> None:
    """Renumber every event from `sequence` on one higher, leaving a gap at `sequence`."""
    sql('UPDATE audit_event SET "sequence" = -"sequence" WHERE "sequence" >= ?', sequence)
    sql('UPDATE audit_event SET "sequence" = 1 - "sequence" WHERE "sequence" < 0')


def forge_at(sequence: int, *, careful: bool) -> int:
    """Insert a made-up event at `sequence` after shifting the later ones up; its id."""
    shift_up_from(sequence)
    before = event_at(sequence - 1)
    fields = dict(
        sequence=sequence,
        occurred_at=before.occurred_at + timedelta(seconds=1),
        actor_person_id=before.actor_person_id,
        actor_organization_id=before.actor_organization_id,
        actor_role="admin",
        subject_type="dispute",
        subject_id=1,
        kind="note_added",
        from_state="intake",
        to_state="intake",
        payload=json.dumps({"text": "the customer agreed to everything"}),
        prev_hash=before.hash,
    )
    forged_hash = ledger.event_hash(**fields) if careful else "f" * 64
    return AuditEvent.insert(hash=forged_hash, **fields).execute()


def assert_first_bad(result, sequence: int, event_id: int | None, *words: str, checked: int | None = None):
    """Verification failed at `sequence` / `event_id`, after checking every event before it."""
    assert result.ok is False
    assert (result.bad_sequence, result.bad_event_id) == (sequence, event_id)
    assert result.checked == (sequence - 1 if checked is None else checked)
    for word in words:
        assert word in result.problem


@pytest.fixture
def chain(world):
    """A realistic chain: the world's directory events and a dispute taken to resolved."""
    world.drive(world.open_dispute(), "resolved")
    world.drive(world.open_dispute(account="fabrikam"), "withdrawn")
    found = events()
    assert len(found) > 2 * MIDDLE
    return found


# --- an intact chain --------------------------------------------------------------------------


def test_an_empty_ledger_verifies(db):
    result = ledger.verify()
    assert (result.ok, result.checked, result.head) == (True, 0, None)


def test_an_intact_chain_verifies_every_event(chain):
    result = ledger.verify()
    assert result.ok is True
    assert result.checked == len(chain)
    assert result.head == Digest(chain[-1].sequence, chain[-1].hash) == ledger.head()
    assert result.bad_sequence is None and result.bad_event_id is None and result.problem is None


def test_events_are_numbered_from_one_and_each_chains_onto_the_one_before(chain):
    assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == ledger.GENESIS_HASH
    for before, after in zip(chain, chain[1:]):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in chain}) == len(chain)


def test_appending_outside_a_write_transaction_is_refused(world, clock):
    with pytest.raises(RuntimeError):
        ledger.append("dispute", 1, "note_added", actor=ledger.SYSTEM, at=clock.now())


def test_appending_chains_onto_the_head(chain, clock):
    with write_transaction():
        new_head = ledger.append("dispute", 1, "note_added", actor=EventActor(1, 1, "admin"),
                                 at=clock.now(), payload={"b": 2, "a": 1})
    event = ledger.AuditEvent.get(ledger.AuditEvent.sequence == new_head.sequence)
    assert new_head.hash == event.hash
    assert event.sequence == chain[-1].sequence + 1
    assert event.prev_hash == chain[-1].hash
    assert event.payload == '{"a":1,"b":2}', "payloads are stored as canonical JSON"
    assert ledger.verify().ok


def test_the_result_reads_as_a_dict(chain):
    good = ledger.verify().as_dict()
    assert good["ok"] is True and good["first_bad_event"] is None
    assert good["head"] == {"sequence": chain[-1].sequence, "hash": chain[-1].hash}
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", "{}", chain[MIDDLE - 1].id)
    bad = ledger.verify().as_dict()
    assert bad["ok"] is False
    assert bad["first_bad_event"]["sequence"] == MIDDLE
    assert bad["first_bad_event"]["id"] == chain[MIDDLE - 1].id
    assert bad["first_bad_event"]["problem"]


@pytest.mark.parametrize("batch", [2, 3, ledger.HISTORY_BATCH])
def test_a_subjects_events_read_forward_or_back_from_a_sequence_across_batches(world, clock, monkeypatch, batch):
    monkeypatch.setattr(ledger, "HISTORY_BATCH", batch)
    with write_transaction():
        for n in range(7):
            ledger.append("dispute", 7, "note_added", actor=ledger.SYSTEM, at=clock.now(), payload={"n": n})
            ledger.append("dispute", 8, "note_added", actor=ledger.SYSTEM, at=clock.now(), payload={"n": n})
    mine = [e.sequence for e in events() if e.subject_type == "dispute" and e.subject_id == 7]

    def read(**how):
        return [e.sequence for e in ledger.events_of("dispute", 7, **how)]

    assert read() == mine
    assert read(after=mine[2]) == mine[3:]
    assert read(newest_first=True) == mine[::-1]
    assert read(before=mine[5], newest_first=True) == mine[4::-1]
    assert read(after=mine[1], before=mine[5]) == mine[2:5]


# --- changed events ------------------------------------------------------------------------------


def test_a_changed_payload_is_found_at_that_event(chain):
    target = chain[MIDDLE - 1]
    changed = json.dumps({**target.data, "name": "Someone Else"})
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", changed, target.id)
    assert_first_bad(ledger.verify(), MIDDLE, target.id, "altered")


def test_a_payload_with_only_its_key_order_changed_is_still_found(chain):
    target = chain[MIDDLE - 1]
    reordered = json.dumps(dict(reversed(list(target.data.items()))))
    assert reordered != target.payload
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", reordered, target.id)
    assert_first_bad(ledger.verify(), MIDDLE, target.id)


@pytest.mark.parametrize(
    "column,value",
    [
        ("actor_person_id", 999),
        ("actor_organization_id", 999),
        ("actor_role", "auditor"),
        ("subject_type", "protocol"),
        ("subject_id", 999),
        ("kind", "forged_kind"),
        ("from_state", "resolved"),
        ("to_state", "withdrawn"),
    ],
)
def test_any_changed_field_is_found_at_that_event(chain, column, value):
    target = chain[MIDDLE - 1]
    sql(f'UPDATE audit_event SET "{column}" = ? WHERE id = ?', value, target.id)
    assert_first_bad(ledger.verify(), MIDDLE, target.id, "altered")


def test_a_changed_actor_is_found(chain):
    events_with_actors = [e for e in chain if e.actor_person_id is not None]
    target = events_with_actors[0]
    other = next(e.actor_person_id for e in events_with_actors if e.actor_person_id != target.actor_person_id)
    AuditEvent.update(actor_person_id=other).where(AuditEvent.id == target.id).execute()
    assert_first_bad(ledger.verify(), target.sequence, target.id, "altered")


def test_a_changed_time_is_found(chain):
    target = chain[MIDDLE - 1]
    AuditEvent.update(occurred_at=target.occurred_at - timedelta(days=1)).where(AuditEvent.id == target.id).execute()
    assert_first_bad(ledger.verify(), MIDDLE, target.id, "altered")


def test_a_change_to_the_very_first_event_is_found(chain):
    sql("UPDATE audit_event SET payload = ? WHERE \"sequence\" = ?", '{"name":"Evil Corp"}', 1)
    assert_first_bad(ledger.verify(), 1, chain[0].id)


def test_a_change_to_the_last_event_is_found(chain):
    last = chain[-1]
    sql("UPDATE audit_event SET kind = ? WHERE id = ?", "note_added", last.id)
    assert_first_bad(ledger.verify(), last.sequence, last.id)


def test_a_changed_event_with_a_recomputed_hash_breaks_the_link_to_the_next(chain):
    target = chain[MIDDLE - 1]
    payload = json.dumps({"forged": True})
    sql('UPDATE audit_event SET payload = ?, "hash" = ? WHERE id = ?',
        payload, hash_of(target, payload=payload), target.id)
    assert_first_bad(ledger.verify(), MIDDLE + 1, chain[MIDDLE].id, "previous hash")


def test_a_replaced_hash_is_found_at_that_event(chain):
    target = chain[MIDDLE - 1]
    sql('UPDATE audit_event SET "hash" = ? WHERE id = ?', chain[MIDDLE].hash, target.id)
    assert_first_bad(ledger.verify(), MIDDLE, target.id, "altered")


def test_a_changed_previous_hash_is_found(chain):
    target = chain[MIDDLE - 1]
    sql("UPDATE audit_event SET prev_hash = ? WHERE id = ?", "0" * 64, target.id)
    assert_first_bad(ledger.verify(), MIDDLE, target.id, "previous hash")


def test_the_first_of_several_changes_is_named(chain):
    for index in (MIDDLE + 3, MIDDLE, MIDDLE + 1):
        sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"x":1}', chain[index - 1].id)
    assert_first_bad(ledger.verify(), MIDDLE, chain[MIDDLE - 1].id)


def test_putting_the_original_back_verifies_again(chain):
    target = chain[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", "{}", target.id)
    assert ledger.verify().ok is False
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", target.payload, target.id)
    assert ledger.verify().ok is True


# --- deleted, inserted, reordered events -------------------------------------------------------------


def test_a_deleted_event_is_found_at_the_event_after_the_gap(chain):
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE - 1].id)
    assert_first_bad(ledger.verify(), MIDDLE + 1, chain[MIDDLE].id, "deleted", checked=MIDDLE - 1)


def test_deleting_the_first_event_is_found(chain):
    sql('DELETE FROM audit_event WHERE "sequence" = ?', 1)
    result = ledger.verify()
    assert (result.ok, result.bad_sequence, result.bad_event_id, result.checked) == (False, 2, chain[1].id, 0)


def test_a_deleted_event_with_later_ones_renumbered_is_found(chain):
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE - 1].id)
    sql('UPDATE audit_event SET "sequence" = -"sequence" WHERE "sequence" > ?', MIDDLE)
    sql('UPDATE audit_event SET "sequence" = -"sequence" - 1 WHERE "sequence" < 0')
    assert [e.sequence for e in events()] == list(range(1, len(chain)))
    assert_first_bad(ledger.verify(), MIDDLE, chain[MIDDLE].id)


def test_a_crudely_forged_event_in_the_middle_is_found_at_itself(chain):
    forged_id = forge_at(MIDDLE, careful=False)
    assert [e.sequence for e in events()] == list(range(1, len(chain) + 2))
    assert_first_bad(ledger.verify(), MIDDLE, forged_id, "altered")


def test_a_carefully_forged_event_in_the_middle_is_found_at_the_event_it_displaced(chain):
    forge_at(MIDDLE, careful=True)
    displaced = chain[MIDDLE - 1]
    assert_first_bad(ledger.verify(), MIDDLE + 1, displaced.id)


def test_a_forged_event_with_the_whole_tail_rehashed_is_caught_by_an_earlier_digest(chain):
    digest = ledger.head()
    forge_at(MIDDLE, careful=True)
    rechain_from(MIDDLE + 1)
    assert ledger.verify().ok, "the rewrite is self-consistent: only a digest can tell"
    result = ledger.verify(digest)
    assert result.ok is False
    assert result.bad_sequence == digest.sequence
    assert "digest" in result.problem


@pytest.mark.parametrize("first,second", [(MIDDLE, MIDDLE + 1), (MIDDLE, MIDDLE + 5), (1, 2)])
def test_two_swapped_events_are_found_at_the_earlier_position(chain, first, second):
    sql('UPDATE audit_event SET "sequence" = 0 WHERE "sequence" = ?', first)
    sql('UPDATE audit_event SET "sequence" = ? WHERE "sequence" = ?', first, second)
    sql('UPDATE audit_event SET "sequence" = ? WHERE "sequence" = 0', second)
    moved_forward = chain[second - 1]
    assert event_at(first).id == moved_forward.id
    assert_first_bad(ledger.verify(), first, moved_forward.id)


def test_tampering_is_found_across_verification_batches(chain, monkeypatch):
    monkeypatch.setattr(ledger, "VERIFY_BATCH", 3)
    assert ledger.verify().checked == len(chain)
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE * 2 - 1].id)
    assert_first_bad(ledger.verify(), MIDDLE * 2 + 1, chain[MIDDLE * 2].id, checked=MIDDLE * 2 - 1)


# --- digests ---------------------------------------------------------------------------------------------


def test_a_digest_names_the_head(chain):
    digest = ledger.head()
    assert digest == Digest(chain[-1].sequence, chain[-1].hash)
    assert str(digest) == f"{chain[-1].sequence}:{chain[-1].hash}"


def test_an_unchanged_history_verifies_against_its_digest(chain):
    assert ledger.verify(ledger.head()).ok is True


def test_a_digest_of_an_earlier_point_still_verifies(chain):
    middle = chain[MIDDLE - 1]
    assert ledger.verify(Digest(middle.sequence, middle.hash)).ok is True


def test_appending_after_a_digest_is_fine(world, chain):
    digest = ledger.head()
    world.drive(world.open_dispute(), "resolution")
    result = ledger.verify(digest)
    assert result.ok is True
    assert result.checked > digest.sequence
    assert result.head != digest


def test_history_rewritten_below_a_digest_is_found(chain):
    digest = ledger.head()
    target = chain[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"rewritten":true}', target.id)
    rechain_from(MIDDLE)
    assert ledger.verify().ok, "the rewrite is self-consistent: only a digest can tell"
    result = ledger.verify(digest)
    assert result.ok is False
    assert (result.bad_sequence, result.bad_event_id) == (digest.sequence, chain[-1].id)


def test_a_truncated_tail_is_found_against_an_earlier_digest(chain):
    digest = ledger.head()
    keep = len(chain) - 3
    sql('DELETE FROM audit_event WHERE "sequence" > ?', keep)
    result = ledger.verify(digest)
    assert result.ok is False
    assert result.bad_sequence == keep + 1
    assert result.bad_event_id is None
    assert result.head == Digest(keep, chain[keep - 1].hash)
    assert "removed" in result.problem


def test_a_ledger_emptied_entirely_fails_its_digest(chain):
    digest = ledger.head()
    sql("DELETE FROM audit_event")
    result = ledger.verify(digest)
    assert (result.ok, result.bad_sequence, result.head) == (False, 1, None)


def test_truncation_and_new_events_cannot_pass_off_as_the_digested_history(world, chain):
    digest = ledger.head()
    sql('DELETE FROM audit_event WHERE "sequence" > ?', digest.sequence - 3)
    world.drive(world.open_dispute(), "resolution")  # the chain grows past the digest again
    assert ledger.head().sequence > digest.sequence
    assert ledger.verify().ok
    result = ledger.verify(digest)
    assert result.ok is False
    assert result.bad_sequence == digest.sequence


def test_a_digest_with_a_hash_that_is_not_in_the_chain_fails(chain):
    result = ledger.verify(Digest(MIDDLE, "a" * 64))
    assert result.ok is False
    assert (result.bad_sequence, result.bad_event_id) == (MIDDLE, chain[MIDDLE - 1].id)


def test_a_digest_beyond_the_head_fails(chain):
    result = ledger.verify(Digest(len(chain) + 1, "a" * 64))
    assert result.ok is False
    assert result.bad_sequence == len(chain) + 1


def test_a_digest_reads_back_from_its_text(chain):
    digest = ledger.head()
    assert Digest.parse(str(digest)) == digest
    assert Digest.parse(f"  {digest.sequence}:{digest.hash.upper()}\n") == digest


@pytest.mark.parametrize(
    "text",
    ["", "12", "12:", ":" + "a" * 64, "x:" + "a" * 64, "-1:" + "a" * 64, "12:" + "a" * 63,
     "12:" + "a" * 65, "12:" + "g" * 64, "12;" + "a" * 64],
)
def test_malformed_digests_are_refused(text):
    with pytest.raises(ValueError):
        Digest.parse(text)
