"""The audit ledger is tamper-evident: whoever edits the audit_event table directly is found.

Every account's events form a hash chain of their own, the installation's events of no
account another, and every event is a leaf of one Merkle tree. Verification names the
first event that does not fit its chain; what a chain alone cannot show (its newest
events removed, a chain rewritten consistently from some point on) the tree shows, against
the latest signed checkpoint and against a digest taken earlier.

Tampering goes through raw SQL (with the database's own placeholder) or plain peewee
queries, never through the ledger, the way an intruder with database access would.
"""

import json
from datetime import timedelta

import pytest

from mediation import checkpoints
from mediation import ledger
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from mediation.ledger import Digest
from mediation.ledger import EventActor

MIDDLE = 4  # a position well inside the account's chain built by the `chain` fixture


# --- helpers ----------------------------------------------------------------------------------


def sql(statement: str, *params):
    """Run raw SQL written with `?` placeholders on SQLite and PostgreSQL alike."""
    return database.execute_sql(statement.replace("?", database.param), params)


def events() -> list[AuditEvent]:
    return list(AuditEvent.select().order_by(AuditEvent.sequence))


def chain_of(name: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.chain == name).order_by(AuditEvent.chain_sequence))


def hash_of(event: AuditEvent, **changes) -> str:
    """The hash `event` would have with `changes` applied: what a careful forger computes."""
    fields = {name: getattr(event, name) for name in ledger._HASHED}
    fields.update(changes)
    return ledger.event_hash(**fields)


def rechain_from(chain: list[AuditEvent], position: int) -> None:
    """Recompute prev_hash and hash of the chain's events from `position` on, as they are
    now in the table: a consistent rewrite."""
    prev = AuditEvent.get_by_id(chain[position - 2].id).hash if position > 1 else ledger.GENESIS_HASH
    name = chain[0].chain
    for event in AuditEvent.select().where((AuditEvent.chain == name) & (AuditEvent.chain_sequence >= position)
                                           ).order_by(AuditEvent.chain_sequence):
        new_hash = hash_of(event, prev_hash=prev)
        sql('UPDATE audit_event SET prev_hash = ?, "hash" = ? WHERE id = ?', prev, new_hash, event.id)
        prev = new_hash


def shift_up_from(chain: list[AuditEvent], position: int) -> None:
    """Move every event of the chain from `position` on one place later, leaving a gap."""
    name = chain[0].chain
    sql('UPDATE audit_event SET chain_sequence = -chain_sequence WHERE chain = ? AND chain_sequence >= ?', name, position)
    sql('UPDATE audit_event SET chain_sequence = 1 - chain_sequence WHERE chain = ? AND chain_sequence < 0', name)


def forge_at(chain: list[AuditEvent], position: int, *, careful: bool) -> int:
    """Insert a made-up event at `position` of the chain after moving the later ones up; its id."""
    shift_up_from(chain, position)
    before = chain[position - 2]
    fields = dict(
        chain=before.chain,
        chain_sequence=position,
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
    sequence = ledger.last_sequence() + 1
    return AuditEvent.insert(hash=forged_hash, sequence=sequence, **fields).execute()


def integrate():
    return checkpoints.integrate(ledger.datetime.now(ledger.timezone.utc), checkpoints.signing_key())


def assert_first_bad(result, event: AuditEvent | None, *words: str):
    """Verification failed at `event` (None: at the tree as a whole), naming it in words."""
    assert result.ok is False
    if event is None:
        assert (result.bad_sequence, result.bad_event_id) == (None, None)
    else:
        assert (result.bad_sequence, result.bad_event_id) == (event.sequence, event.id), result
    for word in words:
        assert word in result.problem, result.problem


@pytest.fixture
def chain(world):
    """Contoso's account chain, realistic: its directory events and a dispute taken to
    resolved, with Fabrikam's chain and the installation's beside it."""
    world.drive(world.open_dispute(), "resolved")
    world.drive(world.open_dispute(account="fabrikam"), "withdrawn")
    found = chain_of(f"account:{world.accounts['contoso'].id}")
    assert len(found) > 2 * MIDDLE
    return found


@pytest.fixture
def integrated(chain):
    """The same chain, every event a leaf of the tree and a checkpoint signed."""
    integrate()
    return chain


# --- an intact ledger -----------------------------------------------------------------------------


def test_an_empty_ledger_verifies(db):
    result = ledger.verify()
    assert (result.ok, result.checked) == (True, 0)
    assert result.head == ledger.head() == Digest(0, ledger.merkle.EMPTY_ROOT.hex())


def test_an_intact_ledger_verifies_every_event(integrated):
    result = ledger.verify()
    assert result.ok is True
    assert result.checked == len(events())
    assert result.head == ledger.head()
    assert result.head.sequence == len(events())
    assert result.bad_sequence is None and result.bad_event_id is None and result.problem is None


def test_each_account_and_the_installation_have_a_chain_of_their_own(world, chain):
    names = {event.chain for event in events()}
    assert names == {f"account:{world.accounts['contoso'].id}", f"account:{world.accounts['fabrikam'].id}",
                     "installation"}
    for name in names:
        members = chain_of(name)
        assert [e.chain_sequence for e in members] == list(range(1, len(members) + 1))
        assert members[0].prev_hash == ledger.GENESIS_HASH
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(members, members[1:]))
    disputes = [e for e in events() if e.subject_type == "dispute"]
    assert {e.chain for e in disputes} == names - {"installation"}
    assert {e.chain for e in events() if e.subject_type in ("organization", "person")} == {"installation"}


def test_every_event_has_its_own_place_among_all_events(chain):
    assert [e.sequence for e in events()] == list(range(1, len(events()) + 1))
    assert len({e.hash for e in events()}) == len(events())


def test_appending_outside_a_write_transaction_is_refused(world, clock):
    with pytest.raises(RuntimeError):
        ledger.append("dispute", 1, "note_added", account_id=None, actor=ledger.SYSTEM, at=clock.now())


def test_appending_chains_onto_the_last_event_of_its_own_chain_only(world, chain, clock):
    fabrikam = world.accounts["fabrikam"].id
    last_fabrikam = chain_of(f"account:{fabrikam}")[-1]
    with write_transaction():
        ledger.append("dispute", 1, "note_added", account_id=fabrikam, actor=EventActor(1, 1, "admin"),
                      at=clock.now(), payload={"b": 2, "a": 1})
    event = events()[-1]
    assert (event.chain, event.chain_sequence) == (f"account:{fabrikam}", last_fabrikam.chain_sequence + 1)
    assert event.prev_hash == last_fabrikam.hash
    assert event.hash == hash_of(event)
    assert event.payload == '{"a":1,"b":2}', "payloads are stored as canonical JSON"
    assert chain_of(chain[0].chain) == chain, "another account's chain does not move"
    assert ledger.verify().ok


def test_the_result_reads_as_a_dict(integrated):
    good = ledger.verify().as_dict()
    assert good["ok"] is True and good["first_bad_event"] is None
    assert good["head"] == {"sequence": ledger.head().sequence, "hash": ledger.head().hash}
    target = integrated[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", "{}", target.id)
    bad = ledger.verify().as_dict()
    assert bad["ok"] is False
    assert bad["first_bad_event"] == {"sequence": target.sequence, "id": target.id,
                                      "problem": bad["first_bad_event"]["problem"]}
    assert "altered" in bad["first_bad_event"]["problem"]


@pytest.mark.parametrize("batch", [2, 3, ledger.HISTORY_BATCH])
@pytest.mark.parametrize("in_chain", [False, True])
def test_a_subjects_events_read_forward_or_back_from_a_position_across_batches(world, clock, monkeypatch, batch,
                                                                               in_chain):
    """Read in its shared chain, a subject's events are placed by their position in it (what
    a customer reads); read across both of its account's chains, by sequence."""
    monkeypatch.setattr(ledger, "HISTORY_BATCH", batch)
    contoso = world.accounts["contoso"].id
    with write_transaction():
        for n in range(7):
            for subject in (7, 8):
                ledger.append("dispute", subject, "note_added", account_id=contoso, actor=ledger.SYSTEM,
                              at=clock.now(), payload={"n": n})
            ledger.append("dispute", 7, "note_added", account_id=contoso, actor=ledger.SYSTEM, at=clock.now(),
                          payload={"n": n, "visibility": "internal"})
    chain = ledger.chain_name(contoso) if in_chain else None
    place = (lambda e: e.chain_sequence) if in_chain else (lambda e: e.sequence)
    mine = [place(e) for e in events() if (e.subject_type, e.subject_id) == ("dispute", 7)
            and (not in_chain or e.chain == chain)]
    assert len(mine) == (7 if in_chain else 14)

    def read(**how):
        return [place(e) for e in ledger.events_of("dispute", 7, chain=chain, **how)]

    assert read() == mine
    assert read(after=mine[2]) == mine[3:]
    assert read(newest_first=True) == mine[::-1]
    assert read(before=mine[5], newest_first=True) == mine[4::-1]
    assert read(after=mine[1], before=mine[5]) == mine[2:5]


def test_an_internal_event_goes_to_the_accounts_internal_chain(world, clock):
    contoso = world.accounts["contoso"].id
    shared_before = chain_of(f"account:{contoso}")
    with write_transaction():
        ledger.append("dispute", 1, "note_added", account_id=contoso, actor=ledger.SYSTEM, at=clock.now(),
                      payload={"visibility": "internal", "text": "between us"})
    (internal,) = chain_of(f"account:{contoso}/internal")
    assert (internal.chain_sequence, internal.prev_hash) == (1, ledger.GENESIS_HASH)
    assert chain_of(f"account:{contoso}") == shared_before, "the customer's chain shows no gap"
    assert ledger.verify().ok


# --- changed events ------------------------------------------------------------------------------


def test_a_changed_payload_is_found_at_that_event(chain):
    target = chain[MIDDLE - 1]
    changed = json.dumps({**target.data, "name": "Someone Else"})
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", changed, target.id)
    assert_first_bad(ledger.verify(), target, "altered")


def test_a_payload_with_only_its_key_order_changed_is_still_found(chain):
    target = next(event for event in chain if len(event.data) > 1)
    reordered = json.dumps(dict(reversed(list(target.data.items()))))
    assert reordered != target.payload
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", reordered, target.id)
    assert_first_bad(ledger.verify(), target)


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
    assert_first_bad(ledger.verify(), target, "altered")


def test_an_event_moved_to_another_chain_is_found(world, chain):
    target = chain[-1]
    sql("UPDATE audit_event SET chain = ? WHERE id = ?", f"account:{world.accounts['fabrikam'].id}", target.id)
    result = ledger.verify()
    assert result.ok is False and result.bad_event_id == target.id


def test_a_changed_actor_is_found(chain):
    events_with_actors = [e for e in chain if e.actor_person_id is not None]
    target = events_with_actors[0]
    other = next(e.actor_person_id for e in events_with_actors if e.actor_person_id != target.actor_person_id)
    AuditEvent.update(actor_person_id=other).where(AuditEvent.id == target.id).execute()
    assert_first_bad(ledger.verify(), target, "altered")


def test_a_changed_time_is_found(chain):
    target = chain[MIDDLE - 1]
    AuditEvent.update(occurred_at=target.occurred_at - timedelta(days=1)).where(AuditEvent.id == target.id).execute()
    assert_first_bad(ledger.verify(), target, "altered")


def test_a_change_to_the_first_event_of_a_chain_is_found(chain):
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"name":"Evil Corp"}', chain[0].id)
    assert_first_bad(ledger.verify(), chain[0])


def test_a_change_to_the_last_event_of_a_chain_is_found(chain):
    last = chain[-1]
    sql("UPDATE audit_event SET kind = ? WHERE id = ?", "note_added", last.id)
    assert_first_bad(ledger.verify(), last)


def test_a_changed_event_with_a_recomputed_hash_breaks_the_link_to_the_next(chain):
    target = chain[MIDDLE - 1]
    payload = json.dumps({"forged": True})
    sql('UPDATE audit_event SET payload = ?, "hash" = ? WHERE id = ?',
        payload, hash_of(target, payload=payload), target.id)
    assert_first_bad(ledger.verify(), chain[MIDDLE], "previous hash")


def test_a_replaced_hash_is_found_at_that_event(chain):
    target = chain[MIDDLE - 1]
    sql('UPDATE audit_event SET "hash" = ? WHERE id = ?', chain[MIDDLE].hash, target.id)
    assert_first_bad(ledger.verify(), target, "altered")


def test_a_changed_previous_hash_is_found(chain):
    target = chain[MIDDLE - 1]
    sql("UPDATE audit_event SET prev_hash = ? WHERE id = ?", "0" * 64, target.id)
    assert_first_bad(ledger.verify(), target, "previous hash")


def test_the_first_of_several_changes_is_named(chain):
    for position in (MIDDLE + 3, MIDDLE, MIDDLE + 1):
        sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"x":1}', chain[position - 1].id)
    assert_first_bad(ledger.verify(), chain[MIDDLE - 1])


def test_putting_the_original_back_verifies_again(integrated):
    target = integrated[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", "{}", target.id)
    assert ledger.verify().ok is False
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", target.payload, target.id)
    assert ledger.verify().ok is True


# --- deleted, inserted, reordered events -------------------------------------------------------------


def test_a_deleted_event_is_found_at_the_event_after_the_gap(chain):
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE - 1].id)
    assert_first_bad(ledger.verify(), chain[MIDDLE], "deleted")


def test_deleting_the_first_event_of_a_chain_is_found(chain):
    sql("DELETE FROM audit_event WHERE id = ?", chain[0].id)
    assert_first_bad(ledger.verify(), chain[1], "expected position 1")


def test_a_deleted_event_with_later_ones_renumbered_is_found(chain):
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE - 1].id)
    sql("UPDATE audit_event SET chain_sequence = -chain_sequence WHERE chain = ? AND chain_sequence > ?",
        chain[0].chain, MIDDLE)
    sql("UPDATE audit_event SET chain_sequence = -chain_sequence - 1 WHERE chain_sequence < 0")
    assert [e.chain_sequence for e in chain_of(chain[0].chain)] == list(range(1, len(chain)))
    assert_first_bad(ledger.verify(), chain[MIDDLE], "previous hash")


def test_a_crudely_forged_event_in_the_middle_is_found_at_itself(chain):
    forged_id = forge_at(chain, MIDDLE, careful=False)
    assert [e.chain_sequence for e in chain_of(chain[0].chain)] == list(range(1, len(chain) + 2))
    assert_first_bad(ledger.verify(), AuditEvent.get_by_id(forged_id), "altered")


def test_a_carefully_forged_event_in_the_middle_is_found_at_the_event_it_displaced(chain):
    forge_at(chain, MIDDLE, careful=True)
    displaced = chain[MIDDLE - 1]
    assert_first_bad(ledger.verify(), AuditEvent.get_by_id(displaced.id), "previous hash")


@pytest.mark.parametrize("first,second", [(MIDDLE, MIDDLE + 1), (MIDDLE, MIDDLE + 3), (1, 2)])
def test_two_swapped_events_are_found_at_the_earlier_position(chain, first, second):
    name = chain[0].chain
    sql("UPDATE audit_event SET chain_sequence = 0 WHERE chain = ? AND chain_sequence = ?", name, first)
    sql("UPDATE audit_event SET chain_sequence = ? WHERE chain = ? AND chain_sequence = ?", first, name, second)
    sql("UPDATE audit_event SET chain_sequence = ? WHERE chain = ? AND chain_sequence = 0", second, name)
    moved_forward = AuditEvent.get_by_id(chain[second - 1].id)
    assert moved_forward.chain_sequence == first
    assert_first_bad(ledger.verify(), moved_forward)


def test_tampering_is_found_across_verification_batches(chain, monkeypatch):
    monkeypatch.setattr(ledger, "VERIFY_BATCH", 3)
    assert ledger.verify().checked == len(events())
    sql("DELETE FROM audit_event WHERE id = ?", chain[MIDDLE * 2 - 1].id)
    assert_first_bad(ledger.verify(), chain[MIDDLE * 2], "deleted")


# --- what the tree catches ----------------------------------------------------------------------------


def test_a_chain_rewritten_consistently_passes_its_links_but_not_the_tree(integrated):
    target = integrated[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"rewritten":true}', target.id)
    rechain_from(integrated, MIDDLE)
    result = ledger.verify()
    assert_first_bad(result, None, "stored tree does not match")
    assert result.checked == len(events()), "every chain link held"


def test_a_rewrite_with_the_tree_rebuilt_is_caught_by_the_signed_checkpoint(integrated):
    target = integrated[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"rewritten":true}', target.id)
    rechain_from(integrated, MIDDLE)
    sql("UPDATE audit_event SET leaf_index = NULL")
    sql("DELETE FROM tree_node")
    with write_transaction():
        ledger.ledger_tree.integrate()
    assert_first_bad(ledger.verify(), None, "latest signed checkpoint", "rewritten")


def test_a_checkpoint_re_signed_by_a_forger_is_found(integrated):
    latest = checkpoints.latest()
    forged_key = ledger.checkpoints.checkpoint_notes.generate_key()
    body = latest.note.split("\n\n")[0] + "\n"
    note = ledger.checkpoints.checkpoint_notes.sign(body, checkpoints.origin(), forged_key)
    sql("UPDATE checkpoint SET note = ? WHERE id = ?", note, latest.id)
    assert_first_bad(ledger.verify(), None, "does not verify with the installation's key")


@pytest.mark.parametrize("newest", [1, 3])
def test_the_newest_events_of_a_chain_removed_are_caught_by_the_tree(integrated, newest):
    """A chain ends where it ends: removing its newest events leaves it whole. The tree,
    which holds them as leaves, does not."""
    for event in integrated[-newest:]:
        sql("DELETE FROM audit_event WHERE id = ?", event.id)
    result = ledger.verify()
    assert result.ok is False
    assert "deleted" in result.problem or "removed" in result.problem


def test_the_newest_events_of_the_whole_ledger_removed_are_caught_by_the_checkpoint(integrated):
    last_leaves = AuditEvent.select().order_by(AuditEvent.leaf_index.desc()).limit(2)
    for event in list(last_leaves):
        sql("DELETE FROM audit_event WHERE id = ?", event.id)
    size = ledger.ledger_tree.size()
    sql('DELETE FROM tree_node WHERE "level" = 0 AND "position" >= ?', size - 2)
    sql('DELETE FROM tree_node WHERE "level" > 0')
    result = ledger.verify()
    assert result.ok is False


# --- digests ---------------------------------------------------------------------------------------------


def test_a_digest_is_the_trees_size_and_root(integrated):
    digest = ledger.head()
    assert digest.sequence == len(events())
    assert digest.hash == ledger.ledger_tree.root(digest.sequence).hex()
    assert str(digest) == f"{digest.sequence}:{digest.hash}"


def test_an_unchanged_history_verifies_against_its_digest(integrated):
    assert ledger.verify(ledger.head()).ok is True


def test_a_digest_of_an_earlier_tree_still_verifies(integrated):
    earlier = Digest(MIDDLE, ledger.ledger_tree.root(MIDDLE).hex())
    assert ledger.verify(earlier).ok is True


def test_appending_after_a_digest_is_fine(world, integrated):
    digest = ledger.head()
    world.drive(world.open_dispute(), "resolution")
    integrate()
    result = ledger.verify(digest)
    assert result.ok is True
    assert result.head.sequence > digest.sequence


def test_history_rewritten_below_a_digest_is_found_even_with_tree_and_checkpoints_rebuilt(integrated):
    digest = ledger.head()
    target = integrated[MIDDLE - 1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"rewritten":true}', target.id)
    rechain_from(integrated, MIDDLE)
    sql("UPDATE audit_event SET leaf_index = NULL")
    sql("DELETE FROM tree_node")
    sql("DELETE FROM checkpoint")
    integrate()
    assert ledger.verify().ok, "the rewrite is self-consistent: only a digest (or a witness) can tell"
    assert_first_bad(ledger.verify(digest), None, "rewritten")


def test_a_truncated_ledger_is_found_against_an_earlier_digest(integrated):
    digest = ledger.head()
    keep = digest.sequence - 3
    sql("DELETE FROM audit_event WHERE leaf_index >= ?", keep)
    sql('DELETE FROM tree_node')
    sql("DELETE FROM checkpoint")
    sql("UPDATE audit_event SET leaf_index = NULL")
    integrate()
    result = ledger.verify(digest)
    assert result.ok is False
    assert result.head.sequence == keep
    assert "removed" in result.problem


def test_a_ledger_emptied_entirely_fails_its_digest(integrated):
    digest = ledger.head()
    for table in ("audit_event", "tree_node", "checkpoint"):
        sql(f"DELETE FROM {table}")
    result = ledger.verify(digest)
    assert (result.ok, result.head) == (False, Digest(0, ledger.merkle.EMPTY_ROOT.hex()))


def test_a_digest_with_a_root_that_never_was_fails(integrated):
    assert_first_bad(ledger.verify(Digest(MIDDLE, "a" * 64)), None, "rewritten")


def test_a_digest_beyond_the_tree_fails(integrated):
    result = ledger.verify(Digest(len(events()) + 1, "a" * 64))
    assert_first_bad(result, None, "removed")


def test_a_digest_reads_back_from_its_text(integrated):
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
