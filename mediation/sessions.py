"""Browser sessions that the server can end, and the sign-in rules around them.

The cookie carries only a random session key; the row behind it decides. Logging out,
an idle or absolute timeout, or disabling the person ends the session for real, so a
replayed cookie is refused. Failed sign-ins are counted per email and per address, and
too many in a short time refuse further attempts for a while.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField
from peewee import fn

from mediation.credentials import password_matches
from mediation.db import BaseModel
from mediation.db import execute
from mediation.db import is_postgres
from mediation.db import write_transaction
from mediation.fields import UTCDateTimeField
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import normalize_email

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20



class WebSession(BaseModel):
    key_hash = CharField(max_length=64, unique=True)
    person = ForeignKeyField(Person, backref="web_sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField()
    last_seen_at = UTCDateTimeField()
    ended_at = UTCDateTimeField(null=True)
    ended_because = CharField(max_length=32, null=True)


class AccessEvent(BaseModel):
    """Sign-ins, sign-outs, failures and refused access: security events, kept apart from
    the ledger so that an anonymous caller cannot grow the audited chain."""

    occurred_at = UTCDateTimeField(index=True)
    kind = CharField(max_length=32)
    email = CharField(max_length=254, null=True)
    person_id = IntegerField(null=True)
    address = CharField(max_length=64, null=True)
    path = CharField(max_length=500, null=True)
    detail = TextField(default="")

    class Meta:
        indexes = ((("kind", "email", "occurred_at"), False), (("kind", "address", "occurred_at"), False))


SESSION_MODELS = [WebSession, AccessEvent]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def record(kind: str, now, *, email=None, person_id=None, address=None, path=None, detail="") -> None:
    AccessEvent.create(
        occurred_at=now, kind=kind, email=email, person_id=person_id,
        address=(address or "")[:64] or None, path=(path or "")[:500] or None, detail=detail,
    )


def record_refusal(kind: str, now, *, person_id=None, address=None, path=None, detail="") -> None:
    """A refused request, kept in a transaction of its own: nothing else of the request it
    refused is written."""
    with write_transaction():
        record(kind, now, person_id=person_id, address=address, path=path, detail=detail)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a person and a fresh session key, or a refusal."""

    person: Person | None = None
    key: str | None = None
    throttled: bool = False


def _recent_failures(column, value, now) -> int:
    return (
        AccessEvent.select(fn.COUNT(AccessEvent.id))
        .where((AccessEvent.kind == "login_failed") & (column == value)
               & (AccessEvent.occurred_at > now - THROTTLE_WINDOW))
        .scalar()
    )


def _throttled(email: str, address: str | None, now) -> bool:
    if _recent_failures(AccessEvent.email, email, now) >= MAX_FAILURES_PER_EMAIL:
        return True
    return bool(address) and _recent_failures(AccessEvent.address, address, now) >= MAX_FAILURES_PER_ADDRESS


def _serialize_attempts(email: str) -> None:
    """Attempts for one email take turns on PostgreSQL, so parallel guesses cannot all see
    the count from before any of them was recorded (SQLite's IMMEDIATE transaction already
    excludes other writers)."""
    if is_postgres():
        key = int.from_bytes(hashlib.sha256(b"sign-in:" + email.encode()).digest()[:8], "big", signed=True)
        execute("SELECT pg_advisory_xact_lock(?)", (key,))


def sign_in(email: str, password: str, now, address: str | None = None) -> SignIn:
    """Check the password and open a new session; every attempt is recorded.

    The password is checked before the write transaction, so a slow hash never holds the
    database's write lock. Unknown email, wrong password and disabled person are one
    failure, told apart only in the access log, so the form does not reveal who has an
    account.
    """
    email = normalize_email(email)[:254]
    if _throttled(email, address, now):
        with write_transaction():
            record("login_throttled", now, email=email, address=address)
        return SignIn(throttled=True)
    person = Person.select(Person, Organization).join(Organization).where(Person.email == email).first()
    matches = password_matches(person or Person(), password)
    with write_transaction():
        _serialize_attempts(email)
        if _throttled(email, address, now):
            record("login_throttled", now, email=email, address=address)
            return SignIn(throttled=True)
        if person is None or not matches or person.disabled_at is not None:
            reason = "unknown email" if person is None else "wrong password" if not matches else "person disabled"
            record("login_failed", now, email=email, person_id=person.id if person else None,
                   address=address, detail=reason)
            return SignIn()
        key = secrets.token_urlsafe(32)
        WebSession.create(key_hash=_digest(key), person=person, created_at=now, last_seen_at=now)
        record("login", now, email=email, person_id=person.id, address=address)
    return SignIn(person=person, key=key)


def _expiry(session: WebSession, now) -> str | None:
    if session.person.disabled_at is not None:
        return "person_disabled"
    if now - session.created_at > ABSOLUTE_TIMEOUT:
        return "absolute_timeout"
    if now - session.last_seen_at > IDLE_TIMEOUT:
        return "idle_timeout"
    return None


def resume(key: str, now) -> Person | None:
    """The person of a live session, touching its idle clock; None (and the session
    ended, with the reason) when it was ended, timed out or its person is disabled."""
    session = (
        WebSession.select(WebSession, Person, Organization)
        .join(Person).join(Organization)
        .where((WebSession.key_hash == _digest(key)) & WebSession.ended_at.is_null())
        .first()
    )
    if session is None:
        return None
    reason = _expiry(session, now)
    if reason is not None:
        with write_transaction():
            _end(WebSession.id == session.id, now, reason)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        with write_transaction():
            WebSession.update(last_seen_at=now).where(WebSession.id == session.id).execute()
    return session.person


def _end(condition, now, reason: str) -> int:
    return (
        WebSession.update(ended_at=now, ended_because=reason)
        .where(condition & WebSession.ended_at.is_null())
        .execute()
    )


def sign_out(key: str, now, address: str | None = None) -> None:
    with write_transaction():
        session = WebSession.get_or_none(WebSession.key_hash == _digest(key))
        if session is not None and _end(WebSession.id == session.id, now, "logout"):
            record("logout", now, person_id=session.person_id, address=address)


def end_sessions_of(person_id: int, now, reason: str) -> int:
    """End every live session of a person (inside the caller's transaction)."""
    return _end(WebSession.person == person_id, now, reason)
