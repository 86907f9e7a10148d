"""The tamper-evident audit ledger: a hash chain per account, and one for the
installation's events of no account (organizations, people), every event also a leaf of
one Merkle tree (mediation.ledger_tree) whose checkpoints the installation signs.

An account has two chains: the shared one, every event of which both companies may read,
and the supplier's internal one (internal notes and stories), so that a customer verifies
its chain whole, with no gap where it may not look. Each event's hash covers its fields,
its chain and place in it, and the previous event of its chain, so changing, deleting, inserting or reordering an event breaks its chain at
that event. What a chain alone cannot show, its newest events removed or a chain
rewritten from some point on, the tree shows: the events must still give the roots of the
tree that digests and signed checkpoints recorded.

A customer reads its own chains' positions and hashes, never a global one: `sequence`,
the order of every event across chains, is the supplier's alone.

Appends to one chain are serialized so that two writers never chain onto the same event,
and appends to two chains are not. On PostgreSQL the append takes a transaction-scoped
advisory lock on its chain alone and its global sequence from a database sequence; on
SQLite the IMMEDIATE write transaction already holds the database's single write lock.
A unique index on (chain, chain_sequence) is the last line of defence for both.

Events written before there were chains keep what they were hashed as in the one global
chain of that time (`legacy_*`), verified still, so that a digest taken then still
verifies.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from peewee import CharField
from peewee import IntegerField
from peewee import TextField

from mediation import checkpoints
from mediation import hooks
from mediation import ledger_tree
from mediation import merkle
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import execute
from mediation.db import is_postgres
from mediation.fields import UTCDateTimeField

GENESIS_HASH = "0" * 64
CHAIN_LOCK_CLASS = 0x4143  # "AC": with twice the account's id (0: the installation), +1 if internal: a lock per chain
INSTALLATION_CHAIN = "installation"
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
    chain = CharField(max_length=40)
    chain_sequence = IntegerField()
    legacy_prev_hash = CharField(max_length=64, null=True)
    legacy_hash = CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("subject_type", "subject_id", "sequence"), False),
                   (("subject_type", "subject_id", "chain_sequence"), False),
                   (("chain", "chain_sequence"), True))

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


def chain_name(account_id: int | None, internal: bool = False) -> str:
    """An account's shared chain, which both its companies read whole, or the chain of its
    events internal to the supplier, kept apart so that the shared one has no gap where
    the customer may not look; or the installation's."""
    if account_id is None:
        return INSTALLATION_CHAIN
    return f"account:{account_id}" + ("/internal" if internal else "")


def account_of_chain(chain: str) -> int | None:
    """The account whose chain this is, or None for the installation's."""
    if chain == INSTALLATION_CHAIN:
        return None
    return int(chain.removeprefix("account:").removesuffix("/internal"))


def is_internal(payload: dict) -> bool:
    """Whether an event is internal to the supplier: it says so in its payload."""
    return payload.get("visibility") == "internal"


@dataclass(frozen=True)
class Digest:
    """What an auditor keeps to check the history against later: a size of the tree and
    its root (or, taken before there were chains, a sequence and its event's hash)."""

    sequence: int
    hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Digest":
        """Read 'SIZE:ROOT' (or, taken before chains, 'SEQUENCE:HASH'); ValueError when it is not one."""
        sequence, _, digest = text.strip().partition(":")
        if not sequence.isdigit() or len(digest) != 64 or not _is_hex(digest):
            raise ValueError("a digest looks like SIZE:ROOT (a number, a colon, 64 hex digits)")
        return cls(int(sequence), digest.lower())


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head: Digest | None
    bad_sequence: int | None = None
    bad_event_id: int | None = None
    problem: str | None = None

    @property
    def where(self) -> str:
        """What failed, in words: an event, or the tree of events as a whole."""
        if self.bad_event_id is None:
            return "the tree of events"
        return f"event sequence {self.bad_sequence} (id {self.bad_event_id})"

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
    chain,
    chain_sequence,
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
    """The hash of an event in its chain. It never changes: every stored hash depends on it."""
    material = canonical_json(
        [
            chain,
            chain_sequence,
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


def legacy_event_hash(event: "AuditEvent") -> str:
    """What an event written before there were chains was hashed as, in the one global chain."""
    material = canonical_json(
        [
            event.sequence,
            _timestamp(event.occurred_at),
            event.actor_person_id,
            event.actor_organization_id,
            event.actor_role,
            event.subject_type,
            event.subject_id,
            event.kind,
            event.from_state,
            event.to_state,
            event.payload,
            event.legacy_prev_hash,
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


_HASHED = ("chain", "chain_sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role",
           "subject_type", "subject_id", "kind", "from_state", "to_state", "payload", "prev_hash")


def _hash_of(event: AuditEvent) -> str:
    return event_hash(**{name: getattr(event, name) for name in _HASHED})


def head() -> Digest:
    """The tree as integrated so far: its size and root. Events written since the last
    integration are not in it yet."""
    size = ledger_tree.size()
    return Digest(size, ledger_tree.root(size).hex())


def last_sequence() -> int:
    """The latest event's place among all events: it moves with every event written."""
    return database.execute_sql('SELECT COALESCE(MAX("sequence"), 0) FROM "audit_event"').fetchone()[0]


def append(
    subject_type: str,
    subject_id: int,
    kind: str,
    *,
    account_id: int | None,
    actor: EventActor,
    at: datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict | None = None,
) -> None:
    """Chain one event onto its chain, that of `account_id` (the subject's account), or the
    installation's for a subject of no account; the installed listeners (mediation.hooks)
    are told of it in the same transaction.

    Must run inside the caller's write transaction.
    """
    if not database.in_transaction():
        raise RuntimeError("ledger.append must run inside a write transaction")
    internal = is_internal(payload or {})
    chain = chain_name(account_id, internal)
    if is_postgres():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)",
                             (CHAIN_LOCK_CLASS, 2 * (account_id or 0) + internal))
    last = execute('SELECT "chain_sequence", "hash" FROM "audit_event" WHERE "chain" = ?'
                   ' ORDER BY "chain_sequence" DESC LIMIT 1', (chain,)).fetchone()
    fields = dict(
        chain=chain,
        chain_sequence=last[0] + 1 if last else 1,
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
        prev_hash=last[1] if last else GENESIS_HASH,
    )
    fields["hash"] = event_hash(**fields)
    fields["sequence"] = _next_sequence()
    columns = ", ".join(f'"{name}"' for name in _INSERT_COLUMNS)
    placeholders = ", ".join("?" for _ in _INSERT_COLUMNS)
    values = [AuditEvent._meta.fields[name].db_value(fields[name]) for name in _INSERT_COLUMNS]
    execute(f"INSERT INTO audit_event ({columns}) VALUES ({placeholders})", values)
    hooks.event_appended(AuditEvent(**fields))


def _next_sequence() -> int:
    """The event's place among all events: on PostgreSQL from a sequence, which takes no
    lock, so its numbers may skip one a rolled-back transaction took."""
    if is_postgres():
        return database.execute_sql("SELECT nextval('\"audit_event_positions\"')").fetchone()[0]
    return database.execute_sql('SELECT COALESCE(MAX("sequence"), 0) + 1 FROM "audit_event"').fetchone()[0]


_INSERT_COLUMNS = ("sequence", *_HASHED, "hash")


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    return list(events_of(subject_type, subject_id))


def events_of(subject_type: str, subject_id: int, after: int = 0, *, before: int | None = None,
              newest_first: bool = False, chain: str | None = None):
    """A subject's events after the position `after` (and before `before`), oldest first
    or newest first, read in batches, so a caller that stops early (a page) reads little of
    a long history. With `chain`, only its events in that chain, placed by their position
    in it (what a customer reads); without, all of them, placed by sequence."""
    position = AuditEvent.chain_sequence if chain else AuditEvent.sequence
    while True:
        query = AuditEvent.select().where(
            (AuditEvent.subject_type == subject_type) & (AuditEvent.subject_id == subject_id) & (position > after)
        )
        if chain:
            query = query.where(AuditEvent.chain == chain)
        if before is not None:
            query = query.where(position < before)
        batch = list(query.order_by(position.desc() if newest_first else position).limit(HISTORY_BATCH))
        yield from batch
        if len(batch) < HISTORY_BATCH:
            return
        if newest_first:
            before = getattr(batch[-1], position.name)
        else:
            after = getattr(batch[-1], position.name)


def every_event():
    """Every event in the order they were written, in batches, so memory stays flat."""
    return _batches(AuditEvent.select(), lambda event: AuditEvent.sequence > event.sequence, AuditEvent.sequence)


def _batches(query, after, *order):
    """The rows of `query` in `order`, read VERIFY_BATCH at a time, each batch after the
    last row of the one before (`after(row)` is the condition)."""
    last = None
    while True:
        batch = list((query if last is None else query.where(after(last))).order_by(*order).limit(VERIFY_BATCH))
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        last = batch[-1]


class _Bad(Exception):
    """The first thing verification found wrong: an event, or the tree as a whole."""

    def __init__(self, problem: str, event: AuditEvent | None = None):
        super().__init__(problem)
        self.problem = problem
        self.event = event


def verify(digest: Digest | None = None) -> Verification:
    """Check every event where it stands: in the global chain of before the chains (for the
    events written then), in its own chain, and as a leaf of the tree, whose roots must be
    those of the latest signed checkpoint and of `digest`; name the first thing that fails.
    """
    walk = _Walk()
    try:
        legacy_digest = walk.legacy_chain(digest)
        walk.chains()
        walk.tree(None if legacy_digest else digest)
    except _Bad as bad:
        return Verification(
            ok=False,
            checked=walk.checked,
            head=walk.head,
            bad_sequence=bad.event.sequence if bad.event else None,
            bad_event_id=bad.event.id if bad.event else None,
            problem=bad.problem,
        )
    return Verification(ok=True, checked=walk.checked, head=walk.head)


class _Walk:
    def __init__(self):
        self.checked = 0
        self.head: Digest | None = None

    def legacy_chain(self, digest: Digest | None) -> bool:
        """The events from before the chains, in their one chain; whether `digest` is
        one taken then, of an event that is still as it was."""
        expected, prev_hash, matched = 1, GENESIS_HASH, False
        legacy = AuditEvent.select().where(AuditEvent.legacy_hash.is_null(False))
        for event in _batches(legacy, lambda last: AuditEvent.sequence > last.sequence, AuditEvent.sequence):
            if event.sequence != expected:
                raise _Bad(f"expected sequence {expected} of the chain from before the chains, found "
                           f"{event.sequence}: an event was deleted, inserted or renumbered", event)
            if event.legacy_prev_hash != prev_hash:
                raise _Bad("its previous hash from before the chains does not match the event before it", event)
            if legacy_event_hash(event) != event.legacy_hash:
                raise _Bad("its content does not match its hash from before the chains: the event was altered", event)
            matched = matched or (digest is not None and event.sequence == digest.sequence
                                  and event.legacy_hash == digest.hash)
            expected, prev_hash = expected + 1, event.legacy_hash
        return matched

    def chains(self) -> None:
        chain, expected, prev_hash = None, 1, GENESIS_HASH
        ordered = (AuditEvent.chain, AuditEvent.chain_sequence)
        for event in _batches(AuditEvent.select(), _after_in_chains, *ordered):
            if event.chain != chain:
                chain, expected, prev_hash = event.chain, 1, GENESIS_HASH
            if event.chain_sequence != expected:
                raise _Bad(f"expected position {expected} of chain {chain}, found {event.chain_sequence}: "
                           "an event was deleted, inserted or renumbered", event)
            if event.prev_hash != prev_hash:
                raise _Bad("its previous hash does not match the event before it in its chain", event)
            if _hash_of(event) != event.hash:
                raise _Bad("its content does not match its hash: the event was altered", event)
            self.checked += 1
            expected, prev_hash = expected + 1, event.hash

    def tree(self, digest: Digest | None) -> None:
        """Rebuild the tree's root from the events' own hashes, trusting no stored subtree."""
        latest = checkpoints.latest()
        wanted = {size for size in (digest and digest.sequence, latest and latest.size) if size is not None}
        roots = {0: merkle.EMPTY_ROOT} if 0 in wanted else {}
        frontier: list[tuple[int, bytes]] = []  # (leaves, hash) of complete subtrees, left to right
        size = 0
        leaves = AuditEvent.select().where(AuditEvent.leaf_index.is_null(False))
        for event in _batches(leaves, lambda last: AuditEvent.leaf_index > last.leaf_index, AuditEvent.leaf_index):
            if event.leaf_index != size:
                raise _Bad(f"leaf {size} of the tree is missing: an event already in the tree was deleted", event)
            node, width = merkle.leaf_hash(bytes.fromhex(event.hash)), 1
            while frontier and frontier[-1][0] == width:
                node, width = merkle.node_hash(frontier.pop()[1], node), width * 2
            frontier.append((width, node))
            size += 1
            if size in wanted:
                roots[size] = _fold(frontier)
        root = _fold(frontier)
        self.head = Digest(size, root.hex())
        if _stored_root(size) != root:
            raise _Bad("the stored tree does not match the events: proofs read from it would not verify")
        if latest is not None:
            _compare(roots, size, latest.size, latest.root, "the latest signed checkpoint's",
                     "the events no longer give the root of the latest signed checkpoint: history was rewritten")
            problem = checkpoints.signature_problem(latest)
            if problem:
                raise _Bad(problem)
        if digest is not None:
            _compare(roots, size, digest.sequence, digest.hash, "the digest's",
                     "the history up to the digest was rewritten: the events no longer give its root")


def _compare(roots: dict[int, bytes], size: int, kept_size: int, kept_root: str, whose: str, rewritten: str) -> None:
    """The tree rebuilt from the events against a size and root kept earlier."""
    if kept_size > size:
        raise _Bad(f"the tree ends at {size} events, before {whose} {kept_size}: events were removed")
    if roots[kept_size].hex() != kept_root:
        raise _Bad(rewritten)


def _stored_root(size: int) -> bytes | None:
    """The root the stored subtrees give for the tree of `size` leaves, if they have that size."""
    try:
        return ledger_tree.root(size) if size == ledger_tree.size() else None
    except LookupError:
        return None


def _after_in_chains(last: AuditEvent):
    return (AuditEvent.chain > last.chain) | (
        (AuditEvent.chain == last.chain) & (AuditEvent.chain_sequence > last.chain_sequence))


def _fold(frontier: list[tuple[int, bytes]]) -> bytes:
    """The root of a tree from its complete subtrees, largest (leftmost) first."""
    if not frontier:
        return merkle.EMPTY_ROOT
    node = frontier[-1][1]
    for _, left in reversed(frontier[:-1]):
        node = merkle.node_hash(left, node)
    return node
