"""Checking a proof bundle offline: no database, no server, nothing trusted but the
installation's verifier key and the witness keys the checker names.

The checks run in groups, in this order, and the first thing that fails is named in plain
words: the file's format and its stated number of events; the checkpoint's signature;
each witness's cosignature; each event's hash recomputed from its fields; the links
between events that follow each other in their chain, and their order; each event's
inclusion in the checkpoint's tree.

What passing proves: every event of the bundle is, unchanged, in the history the
installation signed at the checkpoint's size (and, with witness keys, that those companies
saw that same history); no event was slipped in between two that follow each other in
their chain; the file holds as many events as it says. What it cannot prove: that the
exporter put in every event of the subject. Only the events' own chain links and the
stated count stand for completeness, and whoever edits the file can change the count too.
"""

from dataclasses import dataclass
from datetime import datetime

from mediation import checkpoint_notes
from mediation import merkle
from mediation.checkpoint_notes import NoteError
from mediation.ledger import GENESIS_HASH
from mediation.ledger import canonical_json
from mediation.ledger import event_hash
from mediation.proof_bundles import FORMAT


class BundleProblem(Exception):
    """The first thing about a bundle that does not check out, in plain words."""


@dataclass(frozen=True)
class Checked:
    origin: str
    size: int
    events: int
    cosigners: tuple[str, ...]


@dataclass(frozen=True)
class _Event:
    """One event of the bundle, read from its JSON, with its name for messages."""

    name: str
    fields: dict
    hash: str
    sequence: int | None
    leaf_index: int
    path: list[bytes]

    @property
    def chain(self) -> str:
        return self.fields["chain"]

    @property
    def position(self) -> int:
        return self.fields["chain_sequence"]


def check(bundle, log_key: str, witness_keys=(), report=lambda line: None) -> Checked:
    """Check the bundle (parsed JSON) against the installation's verifier key and each witness's
    verifier key; `report` receives one line per group of checks that passed. BundleProblem
    names the first thing that fails."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleProblem(f"the file is not a proof bundle of the format {FORMAT}")
    if not isinstance(bundle.get("events"), list):
        raise BundleProblem("the bundle's events are not a list")
    events = [_read(entry, number) for number, entry in enumerate(bundle["events"], start=1)]
    stated = bundle.get("event_count")
    if stated != len(events):
        raise BundleProblem(f"the bundle says it holds {stated} events but holds {len(events)}: "
                            "events were removed or added")
    subject = _subject(bundle)
    report(f"format: {FORMAT}, {subject[0]} {subject[1]}, {len(events)} events")

    note = bundle.get("checkpoint")
    if not isinstance(note, str):
        raise BundleProblem("the bundle holds no checkpoint")
    try:
        checkpoint = checkpoint_notes.verify(note, log_key)
    except NoteError as error:
        raise BundleProblem(f"the checkpoint does not verify with the installation's key given: {error}") from None
    if bundle.get("origin") != checkpoint.origin:
        raise BundleProblem(f"the bundle names the log {bundle.get('origin')!r} but its checkpoint is "
                            f"{checkpoint.origin!r}'s")
    report(f"checkpoint: signed by {checkpoint.origin} for {checkpoint.size} events")

    cosigners = tuple(_cosigner(note, key, report) for key in witness_keys)

    for event in events:
        if (event.fields["subject_type"], event.fields["subject_id"]) != subject:
            raise BundleProblem(f"{event.name} is about {event.fields['subject_type']} {event.fields['subject_id']}, "
                                f"not the bundle's {subject[0]} {subject[1]}")
        if event_hash(**event.fields) != event.hash:
            raise BundleProblem(f"{event.name}: its content does not match its hash")
    report(f"events: {len(events)} hashes recomputed from their fields")

    report(f"chains: {_links(events)} links checked, in order")

    for event in events:
        if not merkle.verify_inclusion(merkle.leaf_hash(bytes.fromhex(event.hash)), event.leaf_index,
                                       checkpoint.size, event.path, checkpoint.root):
            raise BundleProblem(f"{event.name}: its proof does not show it in the checkpoint's tree as leaf "
                                f"{event.leaf_index}")
    report(f"inclusion: {len(events)} events in the tree of the checkpoint")
    return Checked(checkpoint.origin, checkpoint.size, len(events), cosigners)


def _subject(bundle) -> tuple[str, int]:
    subject = bundle.get("subject")
    if not isinstance(subject, dict) or not isinstance(subject.get("type"), str) or not _whole(subject.get("id")):
        raise BundleProblem("the bundle does not say whose history it is (subject type and id)")
    return subject["type"], subject["id"]


def _cosigner(note: str, witness_key: str, report) -> str:
    try:
        key = checkpoint_notes.parse_verifier_key(witness_key)
    except NoteError as error:
        raise BundleProblem(f"the witness key {witness_key!r} is not a verifier key: {error}") from None
    try:
        checkpoint_notes.verify_cosignature(note, key.name, key.public_key)
    except NoteError as error:
        raise BundleProblem(f"the checkpoint is not cosigned by the witness {key.name}: {error}") from None
    report(f"cosignature: {key.name}")
    return key.name


def _links(events: list[_Event]) -> int:
    """Check that each chain's events come in their chain's order (and the supplier's in
    their order among all events), and that an event right after another of the bundle in
    its chain, or first in it, links to it; the number of links checked."""
    last: dict[str, _Event] = {}
    previous: _Event | None = None
    links = 0
    for event in events:
        before = last.get(event.chain)
        if before is not None and before.position >= event.position:
            raise BundleProblem(f"{event.name} comes after {before.name} in the bundle: the events were reordered")
        if previous is not None and None not in (previous.sequence, event.sequence) \
                and previous.sequence >= event.sequence:
            raise BundleProblem(f"{event.name} comes after {previous.name} in the bundle but was written before it: "
                                "the events were reordered")
        if event.position == 1:
            if event.fields["prev_hash"] != GENESIS_HASH:
                raise BundleProblem(f"{event.name} is the first of its chain but does not start it")
            links += 1
        elif before is not None and before.position == event.position - 1:
            if event.fields["prev_hash"] != before.hash:
                raise BundleProblem(f"{event.name} does not link to {before.name}, the event before it in its chain")
            links += 1
        last[event.chain], previous = event, event
    return links


def _read(entry, number: int) -> _Event:
    """The event's hashed fields as the ledger hashes them: the payload as canonical JSON
    text, the time as a moment (the hash spells it in one format of its own)."""
    where = f"event {number} of the bundle"
    try:
        actor, subject, proof = entry["actor"], entry["subject"], entry["inclusion"]
        fields = dict(
            chain=_text(entry["chain"]),
            chain_sequence=_count(entry["chain_sequence"]),
            occurred_at=_moment(entry["occurred_at"]),
            actor_person_id=_id_or_none(actor["person_id"]),
            actor_organization_id=_id_or_none(actor["organization_id"]),
            actor_role=_text(actor["role"]),
            subject_type=_text(subject["type"]),
            subject_id=_count(subject["id"]),
            kind=_text(entry["kind"]),
            from_state=_text_or_none(entry["from_state"]),
            to_state=_text_or_none(entry["to_state"]),
            payload=canonical_json(entry["payload"]),
            prev_hash=_hex_hash(entry["prev_hash"]),
        )
        name = f"event {fields['chain_sequence']} of chain {fields['chain']} ({fields['kind'].replace('_', ' ')})"
        if not isinstance(proof["path"], list):
            raise ValueError("its inclusion path is not a list")
        return _Event(name, fields, _hex_hash(entry["hash"]), _id_or_none(entry.get("sequence")),
                      _whole_or_fail(proof["leaf_index"]), [bytes.fromhex(_hex_hash(node)) for node in proof["path"]])
    except (KeyError, TypeError, ValueError) as error:
        raise BundleProblem(f"{where} is not an event as a bundle holds it ({_why(error)})") from None


def _why(error: Exception) -> str:
    return f"{error.args[0]} is missing" if isinstance(error, KeyError) else str(error)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _whole_or_fail(value) -> int:
    if not _whole(value):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _count(value) -> int:
    if not _whole(value) or value == 0:
        raise ValueError(f"{value!r} is not a number from 1")
    return value


def _id_or_none(value) -> int | None:
    return None if value is None else _count(value)


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value


def _text_or_none(value) -> str | None:
    return None if value is None else _text(value)


def _moment(value) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError(f"the time {value!r} has no time zone")
    return moment


def _hex_hash(value) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{value!r} is not a hash of 64 lowercase hex digits")
    return value
