"""Checkpoints as C2SP signed notes, with Ed25519 signatures and cosignatures.

Known answers: the PeterNeumann and EnochRoot keys and notes of the Go reference
implementation of signed notes (golang.org/x/mod/sumdb/note, note_test.go), and the
example checkpoint with a cosignature of c2sp.org/tlog-checkpoint and
c2sp.org/tlog-cosignature. The cosignature example comes without its public key, so
its signature is read but cannot be checked; cosignatures are verified with keys made
here.
"""

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation.checkpoint_notes import Checkpoint
from mediation.checkpoint_notes import NoteError
from mediation.checkpoint_notes import add_signature
from mediation.checkpoint_notes import cosign
from mediation.checkpoint_notes import cosignature_key_hash
from mediation.checkpoint_notes import generate_key
from mediation.checkpoint_notes import key_hash
from mediation.checkpoint_notes import parse_verifier_key
from mediation.checkpoint_notes import read_private_key
from mediation.checkpoint_notes import sign
from mediation.checkpoint_notes import signatures
from mediation.checkpoint_notes import verifier_key
from mediation.checkpoint_notes import verify
from mediation.checkpoint_notes import verify_cosignature
from mediation.checkpoint_notes import verify_note
from mediation.checkpoint_notes import write_private_key

# golang.org/x/mod/sumdb/note note_test.go
PETER_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VERIFIER_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_LINE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_LINE = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
PETER_NOTE = PETER_TEXT + "\n" + PETER_LINE

# c2sp.org/tlog-cosignature: a checkpoint signed by its log and cosigned by a witness.
COSIGNED_EXAMPLE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

LOG = "accord.example/ledger"
WITNESS = "witness.example/w1"
CHECKPOINT = Checkpoint(LOG, 70, bytes(range(32)))


def peter_private_key():
    """The Go signer key is PRIVATE+KEY+name+key hash+base64(0x01 || 32-byte Ed25519 seed)."""
    typed_seed = base64.b64decode(PETER_SIGNER_KEY.split("+", 4)[4])
    assert typed_seed[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(typed_seed[1:])


@pytest.fixture(scope="module")
def log_key():
    return generate_key()


@pytest.fixture(scope="module")
def witness_key():
    return generate_key()


@pytest.fixture
def signed(log_key):
    return sign(CHECKPOINT.body(), LOG, log_key)


# Checkpoints


def test_a_checkpoint_body_is_origin_size_and_base64_root_each_on_its_own_line():
    assert CHECKPOINT.body() == (
        "accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    assert Checkpoint.parse(CHECKPOINT.body()) == CHECKPOINT


def test_the_published_example_checkpoint_parses():
    body = COSIGNED_EXAMPLE[:COSIGNED_EXAMPLE.index("\n\n") + 1]
    checkpoint = Checkpoint.parse(body)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.body() == body


def test_an_empty_tree_has_size_zero():
    empty = Checkpoint(LOG, 0, bytes(32))
    assert Checkpoint.parse(empty.body()) == empty


@pytest.mark.parametrize("body, reason", [
    ("accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "does not end with a newline"),
    ("accord.example/ledger\n70\n", "2 lines"),
    ("accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n", "4 lines"),
    ("accord.example/ledger\n070\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "not a plain decimal"),
    ("accord.example/ledger\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "not a plain decimal"),
    ("accord.example/ledger\n+7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "not a plain decimal"),
    ("accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", "not standard base64"),
    ("accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "not standard base64"),
    ("accord.example/ledger\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8_\n", "not standard base64"),
    ("accord.example/ledger\n70\nAAECAw==\n", "32 bytes"),
    ("\n70\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "origin"),
])
def test_a_checkpoint_body_in_any_other_spelling_is_refused(body, reason):
    with pytest.raises(NoteError, match=f"malformed checkpoint body: .*{reason}"):
        Checkpoint.parse(body)


# Keys


def test_a_private_key_is_written_for_its_owner_alone_and_read_back(tmp_path):
    key = generate_key()
    path = tmp_path / "log.pem"
    write_private_key(path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    read = read_private_key(path)
    assert verifier_key(LOG, read.public_key()) == verifier_key(LOG, key.public_key())


def test_an_existing_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "log.pem"
    write_private_key(path, generate_key())
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_private_key(path, generate_key())
    assert path.read_bytes() == before


def test_a_key_file_of_another_algorithm_is_refused(tmp_path):
    path = tmp_path / "ec.pem"
    path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    ))
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        read_private_key(path)


def test_the_published_verifier_key_is_made_from_the_published_signer_key():
    public_key = peter_private_key().public_key()
    assert key_hash("PeterNeumann", public_key).hex() == "c74f20a3"
    assert verifier_key("PeterNeumann", public_key) == PETER_VERIFIER_KEY


def test_a_verifier_key_reads_back_as_its_name_key_hash_and_public_key():
    key = generate_key().public_key()
    parsed = parse_verifier_key(verifier_key(LOG, key))
    assert parsed.name == LOG
    assert parsed.key_hash == key_hash(LOG, key)
    assert verifier_key(parsed.name, parsed.public_key) == verifier_key(LOG, key)
    assert parse_verifier_key(PETER_VERIFIER_KEY).key_hash.hex() == "c74f20a3"


def test_any_part_or_any_one_character_changed_of_a_verifier_key_is_refused():
    key = PETER_VERIFIER_KEY
    for start in range(len(key)):
        for end in range(start + 1, len(key) + 1):
            if (start, end) != (0, len(key)):
                with pytest.raises(NoteError, match="malformed verifier key"):
                    parse_verifier_key(key[start:end])
    for position in range(len(key)):
        changed = key[:position] + chr(ord(key[position]) + 1) + key[position + 1:]
        with pytest.raises(NoteError, match="malformed verifier key"):
            parse_verifier_key(changed)


@pytest.mark.parametrize("name", ["", "has space", "a+b", "tab\there", "new\nline"])
def test_a_key_name_with_a_space_or_a_plus_sign_is_refused(name):
    with pytest.raises(ValueError, match="key name"):
        verifier_key(name, generate_key().public_key())


# The reference notes


def test_the_published_note_verifies_with_the_published_key():
    assert verify_note(PETER_NOTE, PETER_VERIFIER_KEY) == PETER_TEXT


def test_signing_with_the_published_key_reproduces_the_published_note_byte_for_byte():
    assert sign(PETER_TEXT, "PeterNeumann", peter_private_key()) == PETER_NOTE


def test_a_note_signed_by_two_keys_verifies_with_either():
    note = PETER_NOTE + ENOCH_LINE
    assert verify_note(note, PETER_VERIFIER_KEY) == PETER_TEXT
    assert verify_note(note, ENOCH_VERIFIER_KEY) == PETER_TEXT
    assert [(line.name, line.key_hash.hex()) for line in signatures(note)] == [
        ("PeterNeumann", "c74f20a3"),
        ("EnochRoot", "af0cfe78"),
    ]


def test_a_well_signed_note_that_is_no_checkpoint_is_refused_as_a_checkpoint():
    with pytest.raises(NoteError, match="malformed checkpoint body"):
        verify(PETER_NOTE, PETER_VERIFIER_KEY)


def test_the_published_cosignature_carries_the_time_of_the_published_message():
    log_line, witness_line = signatures(COSIGNED_EXAMPLE)
    assert (log_line.name, len(log_line.signature)) == ("example.com/behind-the-sofa", 64)
    assert witness_line.name == "witness.example.com/w1"
    assert len(witness_line.signature) == 8 + 64
    assert int.from_bytes(witness_line.signature[:8], "big") == 1679315147


# Signing and verifying checkpoints


def test_a_signed_checkpoint_verifies_as_the_same_checkpoint(signed, log_key):
    assert signed.startswith(CHECKPOINT.body() + "\n\u2014 " + LOG + " ")
    assert verify(signed, verifier_key(LOG, log_key.public_key())) == CHECKPOINT


def test_a_changed_body_is_refused_as_a_bad_signature(signed, log_key):
    changed = signed.replace("\n70\n", "\n71\n")
    with pytest.raises(NoteError, match=f"bad signature by key {LOG}\\+"):
        verify(changed, verifier_key(LOG, log_key.public_key()))


def test_a_note_signed_by_another_key_is_refused_as_having_no_signature_by_this_one(signed):
    other = verifier_key(LOG, generate_key().public_key())
    with pytest.raises(NoteError, match=f"no signature by key {LOG}\\+"):
        verify(signed, other)


def test_a_signature_by_the_same_key_under_another_name_is_not_this_keys(log_key):
    note = sign(CHECKPOINT.body(), "impostor.example/log", log_key)
    with pytest.raises(NoteError, match="no signature by key"):
        verify(note, verifier_key(LOG, log_key.public_key()))


def test_a_truncated_signature_is_refused(signed, log_key):
    key = verifier_key(LOG, log_key.public_key())
    without_its_last_base64_group = signed[:-5] + "\n"
    with pytest.raises(NoteError, match=f"bad signature by key {LOG}\\+"):
        verify(without_its_last_base64_group, key)
    cut_inside_a_base64_group = signed[:-3] + "\n"
    with pytest.raises(NoteError, match="malformed note: a signature line is unreadable"):
        verify(cut_inside_a_base64_group, key)


def test_a_note_without_signatures_is_refused(log_key):
    key = verifier_key(LOG, log_key.public_key())
    with pytest.raises(NoteError, match="malformed note: no blank line"):
        verify(CHECKPOINT.body(), key)
    with pytest.raises(NoteError, match="malformed note: no signature lines"):
        verify(CHECKPOINT.body() + "\n", key)


def test_one_bad_signature_by_a_key_spoils_its_good_one(signed, log_key):
    line = signed[signed.index("\u2014"):]
    forged = line[:-10] + ("A" if line[-10] != "A" else "B") + line[-9:]
    with pytest.raises(NoteError, match="bad signature"):
        verify(signed + forged, verifier_key(LOG, log_key.public_key()))


@pytest.mark.parametrize("note, reason", [
    (PETER_TEXT + "\n" + PETER_LINE[:-1], "does not end with a newline"),
    ("\x01" + PETER_NOTE, "control characters"),
    (PETER_TEXT + "\n" + PETER_LINE.replace("\u2014", "-"), "em dash"),
    (PETER_TEXT + "\n" + PETER_LINE + "Unexpected line.\n", "em dash"),
    (PETER_TEXT + "\n" + PETER_LINE.replace("PeterNeumann", "Peter Neumann"), "unreadable"),
    (PETER_TEXT + "\n\u2014 PeterNeumann x08gow==\n", "no signature after its key hash"),
    (PETER_TEXT + "\n" + PETER_LINE * 101, "more than 100 signatures"),
    ("\ud800" + PETER_NOTE, "not valid UTF-8"),
])
def test_a_note_out_of_format_is_refused_as_malformed(note, reason):
    with pytest.raises(NoteError, match=f"malformed note: .*{reason}"):
        verify_note(note, PETER_VERIFIER_KEY)


def test_a_note_text_may_hold_blank_lines_since_the_last_one_ends_it(log_key):
    text = "first paragraph\n\nsecond paragraph\n"
    note = sign(text, LOG, log_key)
    assert verify_note(note, verifier_key(LOG, log_key.public_key())) == text


def test_a_second_signer_adds_its_line_and_keeps_the_first(signed, log_key, witness_key):
    both = add_signature(signed, WITNESS, witness_key)
    assert both.startswith(signed)
    assert verify(both, verifier_key(LOG, log_key.public_key())) == CHECKPOINT
    assert verify(both, verifier_key(WITNESS, witness_key.public_key())) == CHECKPOINT
    assert add_signature(both, WITNESS, witness_key) == both


# Cosignatures


def test_a_cosignature_verifies_with_its_time_and_keeps_the_log_signature_valid(signed, log_key, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 1_700_000_000)
    assert cosigned.startswith(signed)
    assert verify_cosignature(cosigned, WITNESS, witness_key.public_key()) == 1_700_000_000
    assert verify(cosigned, verifier_key(LOG, log_key.public_key())) == CHECKPOINT


def test_a_cosignature_line_is_key_hash_time_and_a_signature_of_the_timed_message(signed, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 1679315147)
    line = signatures(cosigned)[-1]
    assert line.name == WITNESS
    assert line.key_hash == cosignature_key_hash(WITNESS, witness_key.public_key())
    assert line.key_hash != key_hash(WITNESS, witness_key.public_key())
    assert line.signature[:8] == (1679315147).to_bytes(8, "big")
    message = ("cosignature/v1\ntime 1679315147\n" + CHECKPOINT.body()).encode()
    witness_key.public_key().verify(line.signature[8:], message)


def test_a_second_cosigner_adds_a_line_and_every_signature_stays_valid(signed, log_key, witness_key):
    second = generate_key()
    cosigned = cosign(cosign(signed, WITNESS, witness_key, 100), "witness.example/w2", second, 200)
    assert verify_cosignature(cosigned, WITNESS, witness_key.public_key()) == 100
    assert verify_cosignature(cosigned, "witness.example/w2", second.public_key()) == 200
    assert verify(cosigned, verifier_key(LOG, log_key.public_key())) == CHECKPOINT


def test_cosigning_again_replaces_the_cosigners_earlier_line(signed, witness_key):
    again = cosign(cosign(signed, WITNESS, witness_key, 100), WITNESS, witness_key, 150)
    assert len(signatures(again)) == 2
    assert verify_cosignature(again, WITNESS, witness_key.public_key()) == 150


def test_a_cosignature_is_not_a_note_signature_nor_the_other_way_round(signed, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 100)
    with pytest.raises(NoteError, match="no signature by key"):
        verify(cosigned, verifier_key(WITNESS, witness_key.public_key()))
    signed_by_witness = add_signature(signed, WITNESS, witness_key)
    with pytest.raises(NoteError, match="no cosignature by key"):
        verify_cosignature(signed_by_witness, WITNESS, witness_key.public_key())


def test_a_cosignature_with_its_time_changed_is_refused(signed, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 100)
    line = signatures(cosigned)[-1]
    moved = line.key_hash + (101).to_bytes(8, "big") + line.signature[8:]
    forged = signed + f"\u2014 {WITNESS} {base64.b64encode(moved).decode()}\n"
    with pytest.raises(NoteError, match=f"bad cosignature by key {WITNESS}\\+"):
        verify_cosignature(forged, WITNESS, witness_key.public_key())


def test_a_cosignature_of_another_checkpoint_is_refused(signed, log_key, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 100)
    other = sign(Checkpoint(LOG, 71, bytes(32)).body(), LOG, log_key)
    transplanted = other + cosigned[cosigned.rindex("\u2014"):]
    with pytest.raises(NoteError, match="bad cosignature"):
        verify_cosignature(transplanted, WITNESS, witness_key.public_key())


def test_a_cosignature_by_an_unknown_key_is_refused(signed, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 100)
    with pytest.raises(NoteError, match=f"no cosignature by key {WITNESS}\\+"):
        verify_cosignature(cosigned, WITNESS, generate_key().public_key())


def test_a_truncated_cosignature_is_refused(signed, witness_key):
    cosigned = cosign(signed, WITNESS, witness_key, 100)
    with pytest.raises(NoteError, match="bad cosignature by key .*: 71 bytes instead of a time and a signature"):
        verify_cosignature(cosigned[:-5] + "\n", WITNESS, witness_key.public_key())


def test_only_checkpoints_are_cosigned(witness_key):
    with pytest.raises(NoteError, match="malformed checkpoint body"):
        cosign(PETER_NOTE, WITNESS, witness_key, 100)


@pytest.mark.parametrize("timestamp", [-1, 2**63, 1.5, True])
def test_a_cosignature_time_is_whole_seconds_that_fit_in_63_bits(signed, witness_key, timestamp):
    with pytest.raises(ValueError, match="the timestamp must be whole seconds"):
        cosign(signed, WITNESS, witness_key, timestamp)
