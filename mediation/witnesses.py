"""Companies as witnesses of the ledger: the key each company registered to cosign the
installation's checkpoints with, and the cosignatures it sent.

A witness runs on the company's own machine (`accord audit witness`) and cosigns a
checkpoint only when it extends the last one it cosigned. The installation keeps each
cosignature and serves it with the checkpoint, so anyone can see that the history was
vouched for by a party the supplier does not control. A cosignature is checked against
the key its company registered before it is kept; it is not an event of the ledger,
which would otherwise grow by itself with every run of every witness.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import PublicFormat
from peewee import CharField
from peewee import ForeignKeyField
from peewee import TextField
from peewee import Tuple
from peewee import fn

from mediation import checkpoint_notes
from mediation import ledger_proofs
from mediation.access import Actor
from mediation.access import refuse_read_only
from mediation.access import visible_organization
from mediation.access import visible_organizations
from mediation.checkpoint_notes import NoteError
from mediation.checkpoints import SignedCheckpoint
from mediation.db import BaseModel
from mediation.db import locked
from mediation.db import write_transaction
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.fields import UTCDateTimeField
from mediation.ledger import append
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Ref

# Who sends a company's cosignatures: vouching for the record changes nothing in it, so
# auditors may run the witness as well as administrators.
COSIGNING_ROLES = ("admin", "auditor")


class WitnessKey(BaseModel):
    organization = ForeignKeyField(Organization, unique=True, on_delete="CASCADE")
    name = CharField(max_length=200)
    verifier_key = TextField()
    public_key = CharField(max_length=64, unique=True)  # hex: one key stands for one company
    registered_at = UTCDateTimeField()
    registered_by = ForeignKeyField(Person, on_delete="RESTRICT")

    class Meta:
        table_name = "witness_key"


class Cosignature(BaseModel):
    checkpoint = ForeignKeyField(SignedCheckpoint, on_delete="CASCADE")
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    line = TextField()
    cosigned_at = UTCDateTimeField()
    received_at = UTCDateTimeField()

    class Meta:
        indexes = ((("checkpoint", "organization"), True),)


@dataclass(frozen=True)
class Received:
    size: int
    organization: Ref
    cosigned_at: datetime


@dataclass(frozen=True)
class Cosigner:
    """A company with a witness key, and its latest cosignature if it sent one."""

    organization: Ref
    key_name: str
    size: int | None
    cosigned_at: datetime | None
    received_at: datetime | None


def key_of(actor: Actor, organization_id: int) -> WitnessKey:
    """The organization's witness key: public, so anyone who sees the organization reads it.
    NotFound when the organization is not seen or has no key."""
    organization = visible_organization(actor, organization_id)
    found = WitnessKey.get_or_none(WitnessKey.organization == organization.id)
    if found is None:
        raise NotFound("witness key of organization", organization_id)
    return found


def register_key(actor: Actor, clock, organization_id: int, verifier_key: str) -> WitnessKey:
    """Register or replace the key that checks the organization's cosignatures, by one of its
    own administrators, on the record. The same key again changes and records nothing."""
    organization = visible_organization(actor, organization_id)
    refuse_read_only(actor)
    if organization.id != actor.organization.id or not actor.has("admin"):
        raise Forbidden("a company's own administrators register its witness key")
    parsed = _parse(verifier_key)
    public_key = parsed.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    with write_transaction():
        locked(Organization.select().where(Organization.id == organization.id)).get()
        current = WitnessKey.get_or_none(WitnessKey.organization == organization.id)
        if current is not None and current.verifier_key == verifier_key:
            return current
        taken = WitnessKey.select().where((WitnessKey.public_key == public_key)
                                          & (WitnessKey.organization != organization.id))
        if taken.exists():
            raise Conflict("this public key is registered by another company: each company witnesses with a key "
                           "of its own")
        now = clock.now()
        values = dict(name=parsed.name, verifier_key=verifier_key, public_key=public_key, registered_at=now,
                      registered_by=actor.person_id)
        payload = {"name": parsed.name, "key_hash": parsed.key_hash.hex()}
        if current is None:
            current = WitnessKey.create(organization=organization.id, **values)
        else:
            payload["replaced_key_hash"] = checkpoint_notes.parse_verifier_key(current.verifier_key).key_hash.hex()
            WitnessKey.update(**values).where(WitnessKey.id == current.id).execute()
            current = WitnessKey.get_by_id(current.id)
        append("organization", organization.id, "witness_key_registered", account_id=None,
               actor=actor.signing("admin"), at=now, payload=payload)
    return current


def receive(actor: Actor, clock, size: int, cosignature: str) -> Received:
    """Keep the caller's company's cosignature of the checkpoint of `size`, once it verifies
    with the company's registered key; it replaces the company's earlier one of that
    checkpoint. Nothing is written when it is refused."""
    if not any(actor.has(role) for role in COSIGNING_ROLES):
        raise Forbidden("a company's administrators and auditors send its cosignatures")
    key = WitnessKey.get_or_none(WitnessKey.organization == actor.organization.id)
    if key is None:
        raise Conflict(f"{actor.organization.name} has no witness key registered: an administrator registers "
                       "one first (PUT /api/v1/organizations/{id}/witness-key)")
    checkpoint = SignedCheckpoint.get_or_none(SignedCheckpoint.size == size)
    if checkpoint is None:
        raise NotFound("checkpoint of size", size)
    line = cosignature if cosignature.endswith("\n") else cosignature + "\n"
    cosigned_at = _verified_time(checkpoint.note, line, key)
    with write_transaction():
        locked(Organization.select().where(Organization.id == actor.organization.id)).get()
        Cosignature.delete().where((Cosignature.checkpoint == checkpoint.id)
                                   & (Cosignature.organization == actor.organization.id)).execute()
        Cosignature.create(checkpoint=checkpoint.id, organization=actor.organization.id, line=line,
                           cosigned_at=cosigned_at, received_at=clock.now())
    return Received(size, Ref(actor.organization.id, actor.organization.name), cosigned_at)


def latest_cosigned_note() -> str:
    """The latest checkpoint's signed note with every cosignature kept for it."""
    return cosigned_note(ledger_proofs.latest_checkpoint())


def cosigned_note(checkpoint: SignedCheckpoint) -> str:
    """The checkpoint's signed note with every cosignature kept for it, in the order the
    companies were added, within the number of signatures a verifier must accept."""
    lines = (Cosignature.select(Cosignature.line).where(Cosignature.checkpoint == checkpoint.id)
             .order_by(Cosignature.organization).limit(checkpoint_notes.MAX_SIGNATURES - 1).tuples())
    return checkpoint.note + "".join(line for (line,) in lines)


def cosigners(actor: Actor) -> list[Cosigner]:
    """The companies the caller sees that registered a witness key, by name, each with the
    largest checkpoint it cosigned: a customer sees its own company and its suppliers,
    the supplier sees every company."""
    keys = list(WitnessKey.select(WitnessKey, Organization).join(Organization)
                .where(Organization.id.in_(visible_organizations(actor).select(Organization.id)))
                .order_by(Organization.name))
    largest = (Cosignature.select(Cosignature.organization, fn.MAX(SignedCheckpoint.size))
               .join(SignedCheckpoint)
               .where(Cosignature.organization.in_([key.organization.id for key in keys]))
               .group_by(Cosignature.organization))
    latest = {
        organization: (size, cosigned_at, received_at)
        for organization, size, cosigned_at, received_at in
        Cosignature.select(Cosignature.organization, SignedCheckpoint.size, Cosignature.cosigned_at,
                           Cosignature.received_at)
        .join(SignedCheckpoint)
        .where(Tuple(Cosignature.organization, SignedCheckpoint.size).in_(largest)).tuples()
    }
    return [
        Cosigner(Ref(key.organization.id, key.organization.name), key.name,
                 *latest.get(key.organization.id, (None, None, None)))
        for key in keys
    ]


def _parse(verifier_key: str) -> checkpoint_notes.VerifierKey:
    try:
        return checkpoint_notes.parse_verifier_key(verifier_key)
    except NoteError as error:
        raise Invalid.field("verifier_key", f"not an Ed25519 verifier key as name+hash+key: {error}") from None


def _verified_time(note: str, line: str, key: WitnessKey) -> datetime:
    """The moment the cosignature vouches for, once it is one signature line that verifies
    with the company's key."""
    if "\n" in line[:-1]:
        raise Invalid.field("cosignature", "must be one signature line")
    public_key = checkpoint_notes.parse_verifier_key(key.verifier_key).public_key
    try:
        timestamp = checkpoint_notes.verify_cosignature(note + line, key.name, public_key)
    except NoteError as error:
        raise Invalid.field("cosignature", f"does not verify with the witness key {key.name} registered for "
                                           f"your company: {error}") from None
    try:
        return datetime.fromtimestamp(timestamp, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise Invalid.field("cosignature", "its time is beyond any calendar date") from None
