"""Signed checkpoints of the ledger's tree: the integrator's work and the installation's
signing key.

A checkpoint is the tree's size and root as a C2SP signed note, signed with the
installation's Ed25519 key (`ACCORD_SIGNING_KEY_FILE`, created by `accord init`). It
commits the installation to its whole history at that size: a later checkpoint must be
consistent with it, which either company can check with the consistency proof.
"""

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import CharField
from peewee import IntegerField
from peewee import TextField

from mediation import checkpoint_notes
from mediation import ledger_tree
from mediation.db import BaseModel
from mediation.db import write_transaction
from mediation.fields import UTCDateTimeField

DEFAULT_KEY_FILE = "accord-signing.key"


class SignedCheckpoint(BaseModel):
    size = IntegerField(unique=True)
    root = CharField(max_length=64)
    note = TextField()
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "checkpoint"


class MissingSigningKey(Exception):
    """The installation has no key to sign checkpoints with."""


def signing_key_path() -> Path:
    """`ACCORD_SIGNING_KEY_FILE`, or a file in the working directory next to the default
    SQLite database."""
    return Path(os.environ.get("ACCORD_SIGNING_KEY_FILE") or DEFAULT_KEY_FILE)


def origin() -> str:
    """The log's name in every checkpoint and the name of its key: `ACCORD_LOG_ORIGIN`, or
    the host of `ACCORD_BASE_URL` followed by /accord. Witnesses refuse a checkpoint whose
    origin changed, so an installation keeps it for good."""
    configured = os.environ.get("ACCORD_LOG_ORIGIN", "").strip()
    if configured:
        return configured
    host = urlsplit(os.environ.get("ACCORD_BASE_URL", "").strip()).hostname or "localhost"
    return f"{host}/accord"


def create_signing_key(path: Path) -> bool:
    """Create the key at `path` unless a file is there already; whether it was created."""
    try:
        checkpoint_notes.write_private_key(path, checkpoint_notes.generate_key())
    except FileExistsError:
        return False
    return True


def signing_key() -> Ed25519PrivateKey:
    path = signing_key_path()
    try:
        return checkpoint_notes.read_private_key(path)
    except FileNotFoundError:
        raise MissingSigningKey(
            f"no signing key at {path}: 'accord init' creates one (ACCORD_SIGNING_KEY_FILE says where)"
        ) from None


def verifier_key(private_key: Ed25519PrivateKey | None = None) -> str:
    """What anyone needs to check the installation's checkpoints (c2sp.org/signed-note)."""
    return checkpoint_notes.verifier_key(origin(), (private_key or signing_key()).public_key())


@dataclass(frozen=True)
class Integration:
    added: int
    size: int
    checkpoint: SignedCheckpoint | None  # the one signed now, if the tree grew


def integrate(now: datetime, private_key: Ed25519PrivateKey | None, progress=lambda added: None) -> Integration:
    """Add every committed event still outside the tree, batch by batch, then sign a
    checkpoint of the new size (given a key), under the integrator's lock of the last batch."""
    added = 0
    while True:
        with write_transaction():
            batch = ledger_tree.integrate()
            added += batch
            if batch < ledger_tree.INTEGRATION_BATCH:
                size = ledger_tree.size()
                return Integration(added, size, _sign(now, size, private_key) if private_key else None)
        progress(added)


def _sign(now: datetime, size: int, private_key: Ed25519PrivateKey) -> SignedCheckpoint | None:
    last = latest()
    if last is not None and last.size == size:
        return None
    root = ledger_tree.root(size)
    body = checkpoint_notes.Checkpoint(origin(), size, root).body()
    note = checkpoint_notes.sign(body, origin(), private_key)
    return SignedCheckpoint.create(size=size, root=root.hex(), note=note, created_at=now)


def signature_problem(checkpoint: SignedCheckpoint) -> str | None:
    """What is wrong with the checkpoint's note, checked with the installation's key where
    this machine has it: the note must be signed by it and say the row's size and root."""
    try:
        key = verifier_key()
    except MissingSigningKey:
        return None
    try:
        signed = checkpoint_notes.verify(checkpoint.note, key)
    except checkpoint_notes.NoteError as error:
        return f"the checkpoint of {checkpoint.size} events does not verify with the installation's key: {error}"
    if (signed.size, signed.root.hex()) != (checkpoint.size, checkpoint.root):
        return f"the checkpoint of {checkpoint.size} events does not say the size and root it is stored with"
    return None


def latest() -> SignedCheckpoint | None:
    return SignedCheckpoint.select().order_by(SignedCheckpoint.size.desc()).first()
