"""A witness's side of a transparency log, as c2sp.org/tlog-witness describes it.

A customer company runs the witness on its own machine. It remembers the last
checkpoint it cosigned and cosigns a new one only when a consistency proof shows the
new tree extends that one, so a supplier who rewrites or truncates its history is
caught by a party it does not control.

Nothing here talks to the network: the caller fetches the checkpoint and the proof,
passes the time in, and writes the new state only after a cosignature.
"""

import base64
import json
import os
import re
import tempfile
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation import checkpoint_notes
from mediation.checkpoint_notes import NoteError
from mediation.merkle import EMPTY_ROOT
from mediation.merkle import verify_consistency

HEX_HASH = re.compile(r"[0-9a-f]{64}")
FIELD_KINDS = {str: "text", int: "a whole number"}


class Refusal(ValueError):
    """The witness will not cosign this checkpoint; `reason` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class StateFileError(ValueError):
    """The state file cannot be trusted. Starting afresh would forget what was cosigned
    and let a rewritten history through, so it is never reset silently."""


@dataclass(frozen=True)
class WitnessState:
    """What the witness last vouched for. `root` is base64, as in the checkpoint;
    `cosigned_at` is Unix seconds, as in the cosignature."""

    log_verifier_key: str
    origin: str
    size: int
    root: str
    note: str
    cosigned_at: int


class Cosigned(NamedTuple):
    state: WitnessState
    note: str
    cosignature_line: str


def read_state(path: str | os.PathLike) -> WitnessState | None:
    """None when the file does not exist yet: the witness has never cosigned.

    Raises StateFileError, naming the file, when its content is damaged or disagrees
    with its own note; a file that cannot be opened raises the system's OSError."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise _state_error(path, "it is not UTF-8 text") from None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise _state_error(path, f"it is not valid JSON ({error})") from None
    expected = {field.name: field.type for field in fields(WitnessState)}
    if not isinstance(content, dict) or set(content) != set(expected):
        raise _state_error(path, f"it does not hold exactly the fields {', '.join(expected)}")
    for name, kind in expected.items():
        if not isinstance(content[name], kind) or isinstance(content[name], bool):
            raise _state_error(path, f"its {name} is not {FIELD_KINDS[kind]}")
    state = WitnessState(**content)
    try:
        held = checkpoint_notes.verify(state.note, state.log_verifier_key)
    except NoteError as error:
        raise _state_error(path, f"its note does not verify under its log key ({error})") from None
    if (held.origin, held.size, _base64(held.root)) != (state.origin, state.size, state.root):
        raise _state_error(path, "its origin, size or root differ from its note's")
    if state.cosigned_at < 0:
        raise _state_error(path, "its cosigned_at is negative")
    return state


def write_state(path: str | os.PathLike, state: WitnessState) -> None:
    """Replaces the file in one step, after its new content is on disk, so a crash
    leaves either the old state or the new one, never half of either."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".witness-state-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(asdict(state), file, indent=2, ensure_ascii=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    # The rename itself is only durable once the directory is.
    directory_descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_descriptor)
    finally:
        os.close(directory_descriptor)


def witness(
    state: WitnessState | None,
    signed_note: str,
    consistency_proof: list[str],
    log_verifier_key: str,
    witness_name: str,
    private_key: Ed25519PrivateKey,
    now: float,
) -> Cosigned:
    """Cosigns the log's checkpoint if it extends the one last cosigned.

    `consistency_proof` is the hashes as lowercase hex, from the state's size to the
    checkpoint's; from no state or an empty tree it is empty. `now` is Unix seconds.
    Raises Refusal otherwise; the state is then unchanged and must stay so."""
    if state is not None and state.log_verifier_key != log_verifier_key:
        raise Refusal(
            f"the log's key changed: this witness trusts {state.log_verifier_key} and was "
            f"given {log_verifier_key}; a new key needs your administrator's decision"
        )
    try:
        checkpoint = checkpoint_notes.verify(signed_note, log_verifier_key)
    except NoteError as error:
        raise Refusal(f"the checkpoint is not signed by the log's key: {error}") from None
    if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
        raise Refusal("the checkpoint of an empty tree does not carry the empty tree's root")
    if state is None:
        old_size, old_root = 0, EMPTY_ROOT
    else:
        if checkpoint.origin != state.origin:
            raise Refusal(f"the checkpoint is for the log {checkpoint.origin}, not {state.origin}, the log this witness follows")
        old_size, old_root = state.size, base64.b64decode(state.root)
    if checkpoint.size < old_size:
        raise Refusal(
            f"the log's tree shrank from {old_size} to {checkpoint.size} events: "
            "its newest events were removed or history was rewritten"
        )
    if checkpoint.size == old_size and checkpoint.root != old_root:
        raise Refusal(f"history was rewritten: same size, different root ({old_size} events)")
    proof = _proof_hashes(consistency_proof)
    if not verify_consistency(old_size, checkpoint.size, old_root, checkpoint.root, proof):
        raise Refusal(
            f"the log's tree of {checkpoint.size} events is not shown to extend the tree of "
            f"{old_size} events this witness last cosigned: history was rewritten or the "
            "consistency proof is wrong"
        )
    timestamp = int(now)
    cosigned = checkpoint_notes.cosign(signed_note, witness_name, private_key, timestamp=timestamp)
    new_state = WitnessState(
        log_verifier_key=log_verifier_key,
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=_base64(checkpoint.root),
        note=cosigned,
        cosigned_at=timestamp,
    )
    # cosign puts this witness's line last; with its newline, as tlog-witness sends lines.
    return Cosigned(new_state, cosigned, cosigned.splitlines(keepends=True)[-1])


def create_witness_key(path: str | os.PathLike, witness_name: str) -> str:
    """A new witness key written owner-only to `path` (an existing file is never
    overwritten), and the verifier key the supplier registers to check its cosignatures."""
    private_key = checkpoint_notes.generate_key()
    checkpoint_notes.write_private_key(path, private_key)
    return checkpoint_notes.verifier_key(witness_name, private_key.public_key())


def _proof_hashes(hex_hashes: list[str]) -> list[bytes]:
    """The JSON API sends hashes as lowercase hex; anything else is the log's fault."""
    if not isinstance(hex_hashes, list):
        raise Refusal("the consistency proof is malformed: it is not a list of hashes")
    for position, value in enumerate(hex_hashes):
        if not isinstance(value, str) or not HEX_HASH.fullmatch(value):
            raise Refusal(f"the consistency proof is malformed: hash {position + 1} is not 64 lowercase hexadecimal digits")
    return [bytes.fromhex(value) for value in hex_hashes]


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _state_error(path: str | os.PathLike, problem: str) -> StateFileError:
    return StateFileError(
        f"the witness state file {os.fspath(path)} cannot be trusted: {problem}. "
        "Restore it from a backup; starting over would forget what this witness cosigned"
    )
