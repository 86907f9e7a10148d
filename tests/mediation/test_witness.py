"""The witness: it cosigns the log's checkpoints only while they extend what it last
cosigned, and says why it refuses otherwise.

Trees are real RFC 9162 trees over random leaves, checkpoints are real signed notes,
and proofs travel as lowercase hex, as the JSON API sends them.
"""

import json
import os
import random
import re
import stat

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mediation.checkpoint_notes import Checkpoint
from mediation.checkpoint_notes import generate_key
from mediation.checkpoint_notes import read_private_key
from mediation.checkpoint_notes import sign
from mediation.checkpoint_notes import signatures
from mediation.checkpoint_notes import verifier_key
from mediation.checkpoint_notes import verify
from mediation.checkpoint_notes import verify_cosignature
from mediation.merkle import consistency_proof
from mediation.merkle import leaf_hash
from mediation.merkle import root
from mediation.witness import Refusal
from mediation.witness import StateFileError
from mediation.witness import create_witness_key
from mediation.witness import read_state
from mediation.witness import witness
from mediation.witness import write_state

LOG = "accord.example/ledger"
WITNESS = "customer.example/witness"
LOG_KEY = generate_key()
LOG_VERIFIER_KEY = verifier_key(LOG, LOG_KEY.public_key())
WITNESS_KEY = generate_key()
NOW = 1_700_000_000


def random_leaves(count, seed=0):
    generator = random.Random(seed)
    return [leaf_hash(generator.randbytes(16)) for _ in range(count)]


LEAVES = random_leaves(40)


def checkpoint(leaves, size, origin=LOG, key=LOG_KEY, key_name=LOG):
    return sign(Checkpoint(origin, size, root(leaves[:size])).body(), key_name, key)


def hex_proof(leaves, old_size, new_size):
    return [node.hex() for node in consistency_proof(leaves, old_size, new_size)]


def witness_tree(state, leaves, size, proof=None, now=NOW):
    """The honest case: the checkpoint of the first `size` leaves with the proof from the state."""
    if proof is None:
        proof = hex_proof(leaves, state.size if state else 0, size)
    return witness(state, checkpoint(leaves, size), proof, LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, now)


@pytest.fixture
def state_at_20():
    return witness_tree(None, LEAVES, 20).state


# Cosigning


def test_the_first_checkpoint_pins_the_logs_key_and_is_cosigned_without_a_proof():
    note = checkpoint(LEAVES, 20)
    cosigned = witness(None, note, [], LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW + 0.9)
    assert cosigned.state.log_verifier_key == LOG_VERIFIER_KEY
    assert (cosigned.state.origin, cosigned.state.size) == (LOG, 20)
    assert cosigned.state.root == note.split("\n")[2]
    assert cosigned.state.note == cosigned.note
    assert cosigned.state.cosigned_at == NOW
    assert verify_cosignature(cosigned.note, WITNESS, WITNESS_KEY.public_key()) == NOW


def test_the_cosignature_line_alone_completes_the_logs_note():
    note = checkpoint(LEAVES, 20)
    cosigned = witness(None, note, [], LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)
    assert cosigned.cosignature_line.startswith(f"\u2014 {WITNESS} ")
    assert cosigned.cosignature_line.endswith("\n")
    assert note + cosigned.cosignature_line == cosigned.note


def test_a_grown_tree_with_its_consistency_proof_is_cosigned(state_at_20):
    cosigned = witness_tree(state_at_20, LEAVES, 33, now=NOW + 60)
    assert cosigned.state.size == 33
    assert verify_cosignature(cosigned.note, WITNESS, WITNESS_KEY.public_key()) == NOW + 60
    assert verify(cosigned.note, LOG_VERIFIER_KEY) == Checkpoint(LOG, 33, root(LEAVES[:33]))


def test_the_same_checkpoint_again_is_cosigned_again_at_the_later_time(state_at_20):
    cosigned = witness_tree(state_at_20, LEAVES, 20, proof=[], now=NOW + 60)
    assert cosigned.state.size == 20
    assert verify_cosignature(cosigned.note, WITNESS, WITNESS_KEY.public_key()) == NOW + 60


def test_growth_from_an_empty_tree_needs_no_proof():
    empty = witness_tree(None, LEAVES, 0).state
    assert empty.size == 0
    assert witness_tree(empty, LEAVES, 5, proof=[]).state.size == 5


def test_cosignatures_of_other_witnesses_are_kept():
    other = generate_key()
    note = witness(None, checkpoint(LEAVES, 20), [], LOG_VERIFIER_KEY, "other.example/w", other, NOW).note
    cosigned = witness(None, note, [], LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)
    assert verify_cosignature(cosigned.note, "other.example/w", other.public_key()) == NOW
    assert len(signatures(cosigned.note)) == 3


# Refusals: a history that was cut or rewritten


def test_a_smaller_tree_is_refused_as_truncated(state_at_20):
    with pytest.raises(Refusal, match="the log's tree shrank from 20 to 17 events: its newest events were removed"):
        witness_tree(state_at_20, LEAVES, 17, proof=[])


def test_the_same_size_with_another_root_is_refused_as_rewritten(state_at_20):
    rewritten = random_leaves(20, seed=1)
    with pytest.raises(Refusal, match="history was rewritten: same size, different root"):
        witness_tree(state_at_20, rewritten, 20, proof=[])


def test_a_larger_tree_sharing_no_prefix_is_refused_naming_both_sizes(state_at_20):
    rewritten = random_leaves(30, seed=1)
    with pytest.raises(Refusal, match="tree of 30 events is not shown to extend the tree of 20 events"):
        witness_tree(state_at_20, rewritten, 30, proof=hex_proof(rewritten, 20, 30))


@pytest.mark.parametrize("changed", [0, 7, 19])
def test_a_larger_tree_with_one_old_event_changed_is_refused(state_at_20, changed):
    rewritten = list(LEAVES)
    rewritten[changed] = leaf_hash(b"a different event")
    with pytest.raises(Refusal, match="tree of 30 events is not shown to extend the tree of 20 events"):
        witness_tree(state_at_20, rewritten, 30, proof=hex_proof(rewritten, 20, 30))


@pytest.mark.parametrize("proof", [
    pytest.param([], id="no proof"),
    pytest.param(hex_proof(LEAVES, 19, 30), id="from another size"),
    pytest.param(hex_proof(LEAVES, 20, 31), id="to another size"),
    pytest.param(hex_proof(LEAVES, 20, 30)[:-1], id="one hash short"),
    pytest.param(hex_proof(LEAVES, 20, 30) + [LEAVES[0].hex()], id="one hash too many"),
    pytest.param(["00" * 32] + hex_proof(LEAVES, 20, 30)[1:], id="one hash changed"),
])
def test_a_wrong_consistency_proof_is_refused(state_at_20, proof):
    with pytest.raises(Refusal, match="tree of 30 events is not shown to extend the tree of 20 events"):
        witness_tree(state_at_20, LEAVES, 30, proof=proof)


def test_a_proof_of_the_same_tree_must_be_empty(state_at_20):
    with pytest.raises(Refusal, match="not shown to extend"):
        witness_tree(state_at_20, LEAVES, 20, proof=[LEAVES[0].hex()])


def test_a_proof_from_an_empty_tree_must_be_empty():
    with pytest.raises(Refusal, match="tree of 5 events is not shown to extend the tree of 0 events"):
        witness_tree(None, LEAVES, 5, proof=[LEAVES[0].hex()])


@pytest.mark.parametrize("proof, reason", [
    ("ab" * 32, "it is not a list of hashes"),
    (["AB" * 32], "hash 1 is not 64 lowercase hexadecimal digits"),
    ([LEAVES[0].hex(), "ab" * 31], "hash 2 is not 64"),
    (["ab" * 33], "hash 1 is not 64"),
    ([LEAVES[0]], "hash 1 is not 64"),
    (["zz" * 32], "hash 1 is not 64"),
])
def test_a_malformed_proof_is_refused_as_malformed(state_at_20, proof, reason):
    with pytest.raises(Refusal, match=f"the consistency proof is malformed: {reason}"):
        witness_tree(state_at_20, LEAVES, 30, proof=proof)


# Refusals: the wrong log, the wrong key, a bad signature


def test_a_checkpoint_of_another_log_is_refused(state_at_20):
    other_origin = checkpoint(LEAVES, 30, origin="other.example/ledger")
    with pytest.raises(Refusal, match="for the log other.example/ledger, not accord.example/ledger"):
        witness(state_at_20, other_origin, hex_proof(LEAVES, 20, 30), LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)


def test_a_new_log_key_is_refused_even_with_a_valid_signature(state_at_20):
    new_key = generate_key()
    note = checkpoint(LEAVES, 30, key=new_key)
    with pytest.raises(Refusal, match="the log's key changed"):
        witness(state_at_20, note, hex_proof(LEAVES, 20, 30), verifier_key(LOG, new_key.public_key()),
                WITNESS, WITNESS_KEY, NOW)


def test_a_checkpoint_signed_by_another_key_is_refused(state_at_20):
    note = checkpoint(LEAVES, 30, key=generate_key())
    with pytest.raises(Refusal, match="not signed by the log's key: no signature by key"):
        witness(state_at_20, note, hex_proof(LEAVES, 20, 30), LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)


def test_a_checkpoint_changed_after_signing_is_refused(state_at_20):
    note = checkpoint(LEAVES, 30).replace("\n30\n", "\n31\n")
    with pytest.raises(Refusal, match="not signed by the log's key: bad signature"):
        witness(state_at_20, note, hex_proof(LEAVES, 20, 31), LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)


def test_an_empty_tree_with_another_root_than_the_empty_trees_is_refused():
    note = sign(Checkpoint(LOG, 0, LEAVES[0]).body(), LOG, LOG_KEY)
    with pytest.raises(Refusal, match="empty tree does not carry the empty tree's root"):
        witness(None, note, [], LOG_VERIFIER_KEY, WITNESS, WITNESS_KEY, NOW)


# The state file


def test_no_state_file_means_the_witness_never_cosigned(tmp_path):
    assert read_state(tmp_path / "state.json") is None


def test_the_state_reads_back_as_written(tmp_path, state_at_20):
    path = tmp_path / "state.json"
    write_state(path, state_at_20)
    assert read_state(path) == state_at_20
    assert set(json.loads(path.read_text())) == {
        "log_verifier_key", "origin", "size", "root", "note", "cosigned_at",
    }


def test_writing_the_state_replaces_the_file_and_leaves_no_temporary_file(tmp_path, state_at_20):
    path = tmp_path / "state.json"
    write_state(path, state_at_20)
    grown = witness_tree(state_at_20, LEAVES, 30).state
    write_state(path, grown)
    assert read_state(path) == grown
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_write_that_fails_before_it_is_on_disk_leaves_the_old_state(tmp_path, state_at_20, monkeypatch):
    path = tmp_path / "state.json"
    write_state(path, state_at_20)
    before = path.read_bytes()

    def disk_failure(descriptor):
        raise OSError("disk failure")

    monkeypatch.setattr(os, "fsync", disk_failure)
    with pytest.raises(OSError, match="disk failure"):
        write_state(path, witness_tree(state_at_20, LEAVES, 30).state)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["state.json"]


def corrupt(state_text, change):
    content = json.loads(state_text)
    change(content)
    return json.dumps(content)


@pytest.mark.parametrize("make_text, problem", [
    (lambda text: "", "not valid JSON"),
    (lambda text: text[:len(text) // 2], "not valid JSON"),
    (lambda text: "[]", "exactly the fields"),
    (lambda text: corrupt(text, lambda content: content.pop("root")), "exactly the fields"),
    (lambda text: corrupt(text, lambda content: content.update(extra=1)), "exactly the fields"),
    (lambda text: corrupt(text, lambda content: content.update(size="20")), "its size is not a whole number"),
    (lambda text: corrupt(text, lambda content: content.update(size=True)), "its size is not a whole number"),
    (lambda text: corrupt(text, lambda content: content.update(size=21)), "differ from its note's"),
    (lambda text: corrupt(text, lambda content: content.update(origin="other.example/ledger")), "differ from its note's"),
    (lambda text: corrupt(text, lambda content: content.update(root="AAAA")), "differ from its note's"),
    (lambda text: corrupt(text, lambda content: content.update(note=content["note"].replace("\n20\n", "\n21\n"))),
     "its note does not verify under its log key"),
    (lambda text: corrupt(text, lambda content: content.update(log_verifier_key="nonsense")),
     "its note does not verify under its log key"),
    (lambda text: corrupt(text, lambda content: content.update(cosigned_at=-1)), "cosigned_at is negative"),
])
def test_a_corrupt_state_file_is_an_error_naming_the_file_and_is_left_as_it_is(tmp_path, state_at_20, make_text, problem):
    path = tmp_path / "state.json"
    write_state(path, state_at_20)
    path.write_text(make_text(path.read_text()))
    before = path.read_bytes()
    with pytest.raises(StateFileError, match=f"the witness state file {re.escape(str(path))} cannot be trusted: .*{problem}"):
        read_state(path)
    assert path.read_bytes() == before


def test_a_state_file_that_is_not_text_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(StateFileError, match=f"{re.escape(str(path))} cannot be trusted: it is not UTF-8 text"):
        read_state(path)


def test_a_refusal_leaves_the_state_file_as_it_was(tmp_path, state_at_20):
    path = tmp_path / "state.json"
    write_state(path, state_at_20)
    before = path.read_bytes()
    with pytest.raises(Refusal):
        witness_tree(read_state(path), LEAVES, 17, proof=[])
    assert path.read_bytes() == before
    assert witness_tree(read_state(path), LEAVES, 30).state.size == 30


# The witness key


def test_a_new_witness_key_is_written_for_its_owner_and_its_verifier_key_returned(tmp_path):
    path = tmp_path / "witness.pem"
    registered = create_witness_key(path, WITNESS)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert registered.startswith(f"{WITNESS}+")
    private_key = read_private_key(path)
    assert registered == verifier_key(WITNESS, private_key.public_key())
    cosigned = witness(None, checkpoint(LEAVES, 20), [], LOG_VERIFIER_KEY, WITNESS, private_key, NOW)
    assert verify_cosignature(cosigned.note, WITNESS, private_key.public_key()) == NOW


def test_an_existing_witness_key_is_never_overwritten(tmp_path):
    path = tmp_path / "witness.pem"
    create_witness_key(path, WITNESS)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        create_witness_key(path, WITNESS)
    assert path.read_bytes() == before


# Properties over random trees

random_tree = st.lists(st.binary(max_size=12), min_size=1, max_size=60, unique=True).map(
    lambda leaves: [leaf_hash(data) for data in leaves]
)


@settings(deadline=None, max_examples=60)
@given(random_tree, st.data())
def test_any_growth_of_the_same_leaves_is_cosigned(leaves, data):
    new_size = data.draw(st.integers(min_value=0, max_value=len(leaves)))
    old_size = data.draw(st.integers(min_value=0, max_value=new_size))
    old = witness_tree(None, leaves, old_size).state
    cosigned = witness_tree(old, leaves, new_size, proof=hex_proof(leaves, old_size, new_size))
    assert cosigned.state.size == new_size
    assert verify_cosignature(cosigned.note, WITNESS, WITNESS_KEY.public_key()) == NOW


@settings(deadline=None, max_examples=60)
@given(random_tree, st.data())
def test_any_change_to_an_event_the_witness_cosigned_is_refused(leaves, data):
    new_size = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    changed = data.draw(st.integers(min_value=0, max_value=old_size - 1))
    old = witness_tree(None, leaves, old_size).state
    rewritten = list(leaves)
    rewritten[changed] = leaf_hash(b"rewritten " + leaves[changed])
    with pytest.raises(Refusal):
        witness_tree(old, rewritten, new_size, proof=hex_proof(rewritten, old_size, new_size))
