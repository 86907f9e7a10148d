"""Checkpoints of a Merkle tree as C2SP signed notes, signed and cosigned with Ed25519.

The formats are those of c2sp.org/signed-note, c2sp.org/tlog-checkpoint and
c2sp.org/tlog-cosignature, so the witnesses and verifiers written for transparency logs
can check our checkpoints without knowing anything about this project.

A checkpoint body is three lines: the origin, the tree size in decimal and the root
hash in standard base64. A signed note is the body, a blank line, then one line per
signature: an em dash, a space, the key name, a space and base64(key hash || signature).
"""

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_LINE_START = "\u2014 "  # an em dash and a space

# Signature type bytes of c2sp.org/signed-note: they go into the key hash, so one key
# signing both ways still has two distinct key hashes.
ED25519 = 0x01
ED25519_COSIGNATURE = 0x04

KEY_HASH_SIZE = 4
ED25519_SIGNATURE_SIZE = 64
TIMESTAMP_SIZE = 8

# The spec asks verifiers for a limit and to accept at least 16 signatures.
MAX_SIGNATURES = 100

ROOT_HASH_SIZE = 32
TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
KEY_HASH_HEX = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note, a checkpoint or a key that cannot be trusted, and which check said so."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def __post_init__(self):
        if not self.origin or "\n" in self.origin or _has_control_character(self.origin):
            raise ValueError("the origin must be one non-empty line without control characters")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"the tree size must be a whole number of leaves, not {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_HASH_SIZE:
            raise ValueError(f"the root hash must be {ROOT_HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text that is signed: any other spelling would be a different note."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, body: str) -> "Checkpoint":
        """Only the one spelling `body()` writes is accepted, so a checkpoint read back
        is signed exactly as it is held. Extension lines are refused: nothing here could
        keep them, and a verifier must not drop signed text unseen."""
        if not body.endswith("\n"):
            raise NoteError("malformed checkpoint body: it does not end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) != 3:
            raise NoteError(f"malformed checkpoint body: {len(lines)} lines instead of origin, size and root")
        origin, size, root = lines
        if not TREE_SIZE.fullmatch(size):
            raise NoteError(f"malformed checkpoint body: tree size {size!r} is not a plain decimal number")
        try:
            root_hash = _decode_base64(root)
            return cls(origin, int(size), root_hash)
        except ValueError as error:
            raise NoteError(f"malformed checkpoint body: {error}") from None


class Signature(NamedTuple):
    name: str
    key_hash: bytes
    signature: bytes


class VerifierKey(NamedTuple):
    name: str
    key_hash: bytes
    public_key: Ed25519PublicKey


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_private_key(path: str | os.PathLike, private_key: Ed25519PrivateKey) -> None:
    """Writes the key as unencrypted PEM PKCS#8, readable by its owner alone from the
    moment the file exists. An existing file is never overwritten: losing a log's
    signing key by accident cannot be undone."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def read_private_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    with open(path, "rb") as file:
        key = serialization.load_pem_private_key(file.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The key ID that goes in front of each signature of this key under this name."""
    return _key_hash(name, ED25519, public_key)


def cosignature_key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The key ID of the same key's cosignatures, kept apart from its note signatures."""
    return _key_hash(name, ED25519_COSIGNATURE, public_key)


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The one string a verifier needs to check this key's signatures: name, key hash,
    type and public key together, so no part of it can be paired with another."""
    _check_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + _raw(public_key)).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError("malformed verifier key: it is not name+key hash+key")
    name, hash_hex, encoded = parts
    try:
        _check_name(name)
    except ValueError as error:
        raise NoteError(f"malformed verifier key: {error}") from None
    if not KEY_HASH_HEX.fullmatch(hash_hex):
        raise NoteError("malformed verifier key: the key hash is not 8 lowercase hexadecimal digits")
    try:
        typed_key = _decode_base64(encoded)
    except ValueError as error:
        raise NoteError(f"malformed verifier key: {error}") from None
    if len(typed_key) != 33 or typed_key[0] != ED25519:
        raise NoteError("malformed verifier key: it is not an Ed25519 key")
    public_key = Ed25519PublicKey.from_public_bytes(typed_key[1:])
    if key_hash(name, public_key).hex() != hash_hex:
        raise NoteError("malformed verifier key: the key hash does not match the name and key")
    return VerifierKey(name, bytes.fromhex(hash_hex), public_key)


def sign(note_body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Signs the text exactly as given, final newline included: that is what verifiers hash."""
    _check_text(note_body)
    _check_name(name)
    return note_body + "\n" + _signature_line(name, _ed25519_payload(note_body, name, private_key))


def add_signature(signed_note: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The note with this key's signature added after the others, which are kept as they
    are. A key that already signed keeps a single line."""
    _check_name(name)
    text, lines = _split(signed_note)
    payload = _ed25519_payload(text, name, private_key)
    return _with_line(text, lines, Signature(name, payload[:KEY_HASH_SIZE], payload[KEY_HASH_SIZE:]))


def signatures(signed_note: str) -> list[Signature]:
    """Every signature line, verified or not; a cosignature's signature starts with
    its 8-byte timestamp."""
    return _split(signed_note)[1]


def verify_note(signed_note: str, verifier_key_string: str) -> str:
    """The note text, once every signature by the verifier's key is checked.

    Lines by other keys are ignored, as the spec requires: they may be cosigners this
    verifier does not know.
    """
    verifier = parse_verifier_key(verifier_key_string)
    text, lines = _split(signed_note)
    key = f"{verifier.name}+{verifier.key_hash.hex()}"
    mine = [line for line in lines if line.name == verifier.name and line.key_hash == verifier.key_hash]
    if not mine:
        raise NoteError(f"no signature by key {key}")
    for line in mine:
        if not _ed25519_verifies(verifier.public_key, line.signature, text.encode()):
            raise NoteError(f"bad signature by key {key}")
    return text


def verify(signed_note: str, verifier_key_string: str) -> Checkpoint:
    """The checkpoint a signed note holds, once its signature by the given key is checked."""
    return Checkpoint.parse(verify_note(signed_note, verifier_key_string))


def cosign(signed_note: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """The note with a timestamped cosignature (c2sp.org/tlog-cosignature, Ed25519): a
    witness's statement that at that time this was the largest consistent tree it saw.
    Checking the log's signature and the tree's consistency first is the caller's job."""
    _check_name(name)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp < 2**63:
        raise ValueError(f"the timestamp must be whole seconds from 0 to 2**63 - 1, not {timestamp!r}")
    text, lines = _split(signed_note)
    Checkpoint.parse(text)
    signed = private_key.sign(_cosigned_message(text, timestamp))
    key_id = cosignature_key_hash(name, private_key.public_key())
    return _with_line(text, lines, Signature(name, key_id, timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signed))


def verify_cosignature(signed_note: str, name: str, public_key: Ed25519PublicKey) -> int:
    """The time this cosigner vouched for the checkpoint, once every cosignature line
    of its key is checked; the latest time if there are several."""
    text, lines = _split(signed_note)
    key_id = cosignature_key_hash(name, public_key)
    key = f"{name}+{key_id.hex()}"
    mine = [line for line in lines if line.name == name and line.key_hash == key_id]
    if not mine:
        raise NoteError(f"no cosignature by key {key}")
    Checkpoint.parse(text)
    times = []
    for line in mine:
        if len(line.signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
            raise NoteError(f"bad cosignature by key {key}: {len(line.signature)} bytes instead of a time and a signature")
        timestamp = int.from_bytes(line.signature[:TIMESTAMP_SIZE], "big")
        if timestamp >= 2**63:
            raise NoteError(f"bad cosignature by key {key}: its time is out of range")
        if not _ed25519_verifies(public_key, line.signature[TIMESTAMP_SIZE:], _cosigned_message(text, timestamp)):
            raise NoteError(f"bad cosignature by key {key}")
        times.append(timestamp)
    return max(times)


def _split(signed_note: str) -> tuple[str, list[Signature]]:
    """The text and the signature lines; the text ends at the note's last blank line."""
    _check_note_characters(signed_note)
    if not signed_note.endswith("\n"):
        raise NoteError("malformed note: it does not end with a newline")
    separator = signed_note.rfind("\n\n")
    if separator == -1:
        raise NoteError("malformed note: no blank line before the signatures")
    text = signed_note[:separator + 1]
    lines = signed_note[separator + 2:-1].split("\n")
    if lines == [""]:
        raise NoteError("malformed note: no signature lines after the blank line")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text, [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(SIGNATURE_LINE_START):
        raise NoteError("malformed note: a signature line does not start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_LINE_START):].partition(" ")
    try:
        _check_name(name)
        payload = _decode_base64(encoded)
    except ValueError as error:
        raise NoteError(f"malformed note: a signature line is unreadable: {error}") from None
    if len(payload) <= KEY_HASH_SIZE:
        raise NoteError("malformed note: a signature line holds no signature after its key hash")
    return Signature(name, payload[:KEY_HASH_SIZE], payload[KEY_HASH_SIZE:])


def _with_line(text: str, lines: list[Signature], signature: Signature) -> str:
    kept = [line for line in lines if (line.name, line.key_hash) != (signature.name, signature.key_hash)]
    if len(kept) == MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(_signature_line(line.name, line.key_hash + line.signature) for line in kept + [signature])


def _signature_line(name: str, payload: bytes) -> str:
    return f"{SIGNATURE_LINE_START}{name} {base64.b64encode(payload).decode()}\n"


def _ed25519_payload(text: str, name: str, private_key: Ed25519PrivateKey) -> bytes:
    return key_hash(name, private_key.public_key()) + private_key.sign(text.encode())


def _ed25519_verifies(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    if len(signature) != ED25519_SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def _key_hash(name: str, signature_type: int, public_key: Ed25519PublicKey) -> bytes:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + _raw(public_key)).digest()
    return digest[:KEY_HASH_SIZE]


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _decode_base64(text: str) -> bytes:
    """Standard base64 in its one canonical spelling, so equal bytes mean equal text."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("it is not standard base64") from None
    if base64.b64encode(decoded).decode() != text:
        raise ValueError("it is not standard base64")
    return decoded


def _check_name(name: str) -> None:
    if not name or any(character.isspace() or character == "+" for character in name):
        raise ValueError(f"key name {name!r} is empty or has a space or a plus sign")
    if _has_control_character(name):
        raise ValueError("a key name cannot hold control characters")


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise ValueError("a note's text must end with a newline")
    _check_note_characters(text)


def _check_note_characters(text: str) -> None:
    if _has_control_character(text.replace("\n", "")):
        raise NoteError("malformed note: it holds control characters other than newlines")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NoteError("malformed note: it is not valid UTF-8") from None


def _has_control_character(text: str) -> bool:
    return any(ord(character) < 0x20 for character in text)
