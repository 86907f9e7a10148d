"""The tamper-evident audit ledger: one hash chain over every event of every subject.

Each event's hash covers its own fields and the previous event's hash, so changing,
deleting, inserting or reordering any event breaks the chain at that event.

Appends are serialized so that two writers never chain onto the same head. On SQLite
the write transaction began IMMEDIATE and already holds the database's single write
lock. On PostgreSQL the append takes a transaction-scoped advisory lock
(`pg_advisory_xact_lock`), held until commit or rollback, before reading the head; a
unique index on `sequence` is the last line of defence for both.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from peewee import CharField
from peewee import IntegerField
from peewee import TextField

from mediation import hooks
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import execute
from mediation.db import is_postgres
from mediation.fields import UTCDateTimeField

GENESIS_HASH = "0" * 64
LEDGER_LOCK_KEY = 0x4143_4344  # "ACCD": one advisory lock for the whole chain
VERIFY_BATCH = 2_000
HISTORY_BATCH = 500


class AuditEvent(BaseModel):
    sequence = IntegerField(unique=True)
    occurred_at = UTCDateTimeField()
    actor_person_id = IntegerField(null=True)
    actor_organization_id = IntegerField(null=True)
    actor_role = CharField(max_length=32)
    subject_type = CharField(max_length=32)
    subject_id = IntegerField()
    kind = CharField(max_length=64)
    from_state = CharField(max_length=32, null=True)
    to_state = CharField(max_length=32, null=True)
    payload = TextField()
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)
    # Given by the integrator once the event is committed (mediation.ledger_tree), not here.
    leaf_index = IntegerField(null=True)

    class Meta:
        indexes = ((("subject_type", "subject_id", "sequence"), False),)

    @property
    def data(self) -> dict:
        return json.loads(self.payload)


@dataclass(frozen=True)
class EventActor:
    """Who did it, for which company, in which capacity."""

    person_id: int | None
    organization_id: int | None
    role: str


SYSTEM = EventActor(None, None, "system")


@dataclass(frozen=True)
class Digest:
    """A head of the chain an auditor can keep and later check the history against."""

    sequence: int
    hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Digest":
        """Read 'SEQUENCE:HASH'; ValueError when it is not one."""
        sequence, _, digest = text.strip().partition(":")
        if not sequence.isdigit() or len(digest) != 64 or not _is_hex(digest):
            raise ValueError("a digest looks like SEQUENCE:HASH (64 hex digits)")
        return cls(int(sequence), digest.lower())


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head: Digest | None
    bad_sequence: int | None = None
    bad_event_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": {"sequence": self.head.sequence, "hash": self.head.hash} if self.head else None,
            "first_bad_event": None
            if self.ok
            else {"sequence": self.bad_sequence, "id": self.bad_event_id, "problem": self.problem},
        }


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    sequence,
    occurred_at,
    actor_person_id,
    actor_organization_id,
    actor_role,
    subject_type,
    subject_id,
    kind,
    from_state,
    to_state,
    payload,
    prev_hash,
) -> str:
    material = canonical_json(
        [
            sequence,
            _timestamp(occurred_at),
            actor_person_id,
            actor_organization_id,
            actor_role,
            subject_type,
            subject_id,
            kind,
            from_state,
            to_state,
            payload,
            prev_hash,
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor_person_id=event.actor_person_id,
        actor_organization_id=event.actor_organization_id,
        actor_role=event.actor_role,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        kind=event.kind,
        from_state=event.from_state,
        to_state=event.to_state,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )


def head() -> Digest | None:
    row = execute("SELECT sequence, hash FROM audit_event ORDER BY sequence DESC LIMIT 1").fetchone()
    return Digest(row[0], row[1]) if row else None


def append(
    subject_type: str,
    subject_id: int,
    kind: str,
    *,
    actor: EventActor,
    at: datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict | None = None,
) -> Digest:
    """Chain one event onto the head and return the new head; the installed listeners
    (mediation.hooks) are told of it in the same transaction.

    Must run inside the caller's write transaction.
    """
    if not database.in_transaction():
        raise RuntimeError("ledger.append must run inside a write transaction")
    if is_postgres():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK_KEY,))
    current = head()
    fields = dict(
        sequence=current.sequence + 1 if current else 1,
        occurred_at=at.astimezone(timezone.utc),
        actor_person_id=actor.person_id,
        actor_organization_id=actor.organization_id,
        actor_role=actor.role,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        payload=canonical_json(payload or {}),
        prev_hash=current.hash if current else GENESIS_HASH,
    )
    fields["hash"] = event_hash(**fields)
    columns = ", ".join(_INSERT_COLUMNS)
    placeholders = ", ".join("?" for _ in _INSERT_COLUMNS)
    values = [AuditEvent._meta.fields[name].db_value(fields[name]) for name in _INSERT_COLUMNS]
    execute(f"INSERT INTO audit_event ({columns}) VALUES ({placeholders})", values)
    hooks.event_appended(AuditEvent(**fields))
    return Digest(fields["sequence"], fields["hash"])


_INSERT_COLUMNS = (
    "sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role", "subject_type",
    "subject_id", "kind", "from_state", "to_state", "payload", "prev_hash", "hash",
)


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    return list(events_of(subject_type, subject_id))


def events_of(subject_type: str, subject_id: int, after: int = 0, *, before: int | None = None,
              newest_first: bool = False):
    """A subject's events with a sequence after `after` (and before `before`), oldest first
    or newest first, read in batches, so a caller that stops early (a page) reads little of
    a long history."""
    while True:
        query = AuditEvent.select().where(
            (AuditEvent.subject_type == subject_type) & (AuditEvent.subject_id == subject_id)
            & (AuditEvent.sequence > after)
        )
        if before is not None:
            query = query.where(AuditEvent.sequence < before)
        order = AuditEvent.sequence.desc() if newest_first else AuditEvent.sequence
        batch = list(query.order_by(order).limit(HISTORY_BATCH))
        yield from batch
        if len(batch) < HISTORY_BATCH:
            return
        if newest_first:
            before = batch[-1].sequence
        else:
            after = batch[-1].sequence


def every_event():
    """Every event by sequence, in batches, so memory stays flat on long chains."""
    after = None
    while True:
        query = AuditEvent.select().order_by(AuditEvent.sequence, AuditEvent.id).limit(VERIFY_BATCH)
        if after is not None:
            query = query.where(AuditEvent.sequence > after)
        batch = list(query)
        if not batch:
            return
        yield from batch
        after = batch[-1].sequence


def verify(digest: Digest | None = None) -> Verification:
    """Walk the whole chain; name the first event that does not fit.

    With a `digest`, also prove the chain still passes through that head.
    """
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last = None
    for event in every_event():
        problem = None
        if event.sequence != expected_sequence:
            problem = (
                f"expected sequence {expected_sequence}, found {event.sequence}: "
                "an event was deleted, inserted or renumbered"
            )
        elif event.prev_hash != prev_hash:
            problem = "its previous hash does not match the event before it"
        elif _hash_of(event) != event.hash:
            problem = "its content does not match its hash: the event was altered"
        elif digest and event.sequence == digest.sequence and event.hash != digest.hash:
            problem = "its hash differs from the digest taken earlier: history was rewritten"
        if problem:
            return Verification(
                ok=False,
                checked=checked,
                head=Digest(last.sequence, last.hash) if last else None,
                bad_sequence=event.sequence,
                bad_event_id=event.id,
                problem=problem,
            )
        checked += 1
        expected_sequence += 1
        prev_hash = event.hash
        last = event
    current = Digest(last.sequence, last.hash) if last else None
    if digest and (current is None or current.sequence < digest.sequence):
        return Verification(
            ok=False,
            checked=checked,
            head=current,
            bad_sequence=(current.sequence + 1) if current else 1,
            bad_event_id=None,
            problem=f"the chain ends before the digest's sequence {digest.sequence}: events were removed",
        )
    return Verification(ok=True, checked=checked, head=current)
