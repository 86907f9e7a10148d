"""Browser sessions that the server can end, and the sign-in rules around them.

The cookie carries only a random session key; the row behind it decides. Logging out,
an idle or absolute timeout, or disabling the person ends the session for real, so a
replayed cookie is refused.

Failed sign-ins slow guessing down without letting anyone lock a person or an office out
(OWASP's device cookies): a browser that has signed in as a person before is trusted for
them, and only its own failures ever hold it back. Failures from other browsers are
counted per email and, with a far higher allowance, per address; past the allowance each
further attempt waits a little longer than the last, never more than a minute.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.credentials import check_new_password
from mediation.credentials import hash_password
from mediation.credentials import password_matches
from mediation.db import BaseModel
from mediation.db import execute
from mediation.db import is_postgres
from mediation.db import write_transaction
from mediation.errors import Invalid
from mediation.fields import UTCDateTimeField
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import normalize_email

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
THROTTLE_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_EMAIL = 5  # from browsers the person has not used, before any wait
FREE_FAILURES_PER_DEVICE = 10  # from one of the person's own browsers: their own typos
FREE_FAILURES_PER_ADDRESS = 100  # from one address by unknown browsers, across emails
LONGEST_WAIT = timedelta(seconds=60)
TRUSTED_DEVICES_KEPT = 20  # per person, the most recently used


class WebSession(BaseModel):
    key_hash = CharField(max_length=64, unique=True)
    person = ForeignKeyField(Person, backref="web_sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField()
    last_seen_at = UTCDateTimeField()
    ended_at = UTCDateTimeField(null=True)
    ended_because = CharField(max_length=32, null=True)


class TrustedDevice(BaseModel):
    """A browser that has signed in as the person: its cookie's key, hashed."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    key_hash = CharField(max_length=64)
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()

    class Meta:
        indexes = ((("person", "key_hash"), True),)


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
    device_hash = CharField(max_length=64, null=True)  # a failure from a trusted browser: which one

    class Meta:
        indexes = ((("kind", "email", "occurred_at"), False), (("kind", "address", "occurred_at"), False))


SESSION_MODELS = [WebSession, TrustedDevice, AccessEvent]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def record(kind: str, now, *, email=None, person_id=None, address=None, path=None, detail="",
           device_hash=None) -> None:
    AccessEvent.create(
        occurred_at=now, kind=kind, email=email, person_id=person_id,
        address=(address or "")[:64] or None, path=(path or "")[:500] or None, detail=detail,
        device_hash=device_hash,
    )


def record_refusal(kind: str, now, *, person_id=None, address=None, path=None, detail="") -> None:
    """A refused request, kept in a transaction of its own: nothing else of the request it
    refused is written."""
    with write_transaction():
        record(kind, now, person_id=person_id, address=address, path=path, detail=detail)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a person and a fresh session key, or a refusal;
    a throttled one says how long to wait and why (`email`, `device` or `address`)."""

    person: Person | None = None
    key: str | None = None
    retry_after: int = 0
    throttled_by: str | None = None

    @property
    def throttled(self) -> bool:
        return self.throttled_by is not None


@dataclass(frozen=True)
class _Attempt:
    """Who is trying, from where: what the throttling rules are asked about."""

    email: str
    address: str | None
    person: Person | None
    trusted_device: str | None  # the hash of the browser's key, when it is trusted for `person`


def _wait_after(failures, free: int, now) -> int:
    """Seconds to wait after `failures` (their times, the latest last) with `free` of them
    allowed: 1 s after the first beyond, doubling, at most a minute."""
    if len(failures) < free:
        return 0
    wait = min(LONGEST_WAIT, timedelta(seconds=2 ** (len(failures) - free)))
    remaining = failures[-1] + wait - now
    return max(0, math.ceil(remaining.total_seconds()))


def _failure_times(condition, now) -> list:
    return [row.occurred_at for row in AccessEvent.select(AccessEvent.occurred_at)
            .where((AccessEvent.kind == "login_failed") & (AccessEvent.occurred_at > now - THROTTLE_WINDOW)
                   & condition)
            .order_by(AccessEvent.occurred_at)]


def _throttle(attempt: _Attempt, now) -> tuple[int, str | None]:
    """How long this attempt must wait, and by which rule. A trusted browser answers only
    for its own failures; any other is held to the email's and the address's."""
    if attempt.trusted_device:
        failures = _failure_times((AccessEvent.email == attempt.email)
                                  & (AccessEvent.device_hash == attempt.trusted_device), now)
        wait = _wait_after(failures, FREE_FAILURES_PER_DEVICE, now)
        return (wait, "device") if wait else (0, None)
    unknown = AccessEvent.device_hash.is_null()
    wait = _wait_after(_failure_times((AccessEvent.email == attempt.email) & unknown, now),
                       FREE_FAILURES_PER_EMAIL, now)
    if wait:
        return wait, "email"
    if attempt.address:
        wait = _wait_after(_failure_times((AccessEvent.address == attempt.address) & unknown, now),
                           FREE_FAILURES_PER_ADDRESS, now)
        if wait:
            return wait, "address"
    return 0, None


def _serialize_attempts(email: str) -> None:
    """Attempts for one email take turns on PostgreSQL, so parallel guesses cannot all see
    the count from before any of them was recorded (SQLite's IMMEDIATE transaction already
    excludes other writers)."""
    if is_postgres():
        key = int.from_bytes(hashlib.sha256(b"sign-in:" + email.encode()).digest()[:8], "big", signed=True)
        execute("SELECT pg_advisory_xact_lock(?)", (key,))


def _trusted(person: Person | None, device_key: str | None) -> str | None:
    if person is None or not device_key:
        return None
    key_hash = _digest(device_key)
    known = TrustedDevice.select().where((TrustedDevice.person == person.id) & (TrustedDevice.key_hash == key_hash))
    return key_hash if known.exists() else None


def _trust(person: Person, device_key: str, now) -> None:
    """Remember the browser for the person, keeping only their most recently used ones."""
    key_hash = _digest(device_key)
    updated = (TrustedDevice.update(last_used_at=now)
               .where((TrustedDevice.person == person.id) & (TrustedDevice.key_hash == key_hash)).execute())
    if not updated:
        TrustedDevice.create(person=person, key_hash=key_hash, created_at=now, last_used_at=now)
    kept = (TrustedDevice.select(TrustedDevice.id).where(TrustedDevice.person == person.id)
            .order_by(TrustedDevice.last_used_at.desc(), TrustedDevice.id.desc()).limit(TRUSTED_DEVICES_KEPT))
    TrustedDevice.delete().where((TrustedDevice.person == person.id) & TrustedDevice.id.not_in(kept)).execute()


def sign_in(email: str, password: str, now, address: str | None = None, device_key: str | None = None) -> SignIn:
    """Check the password and open a new session; every attempt is recorded. `device_key`
    is the browser's own random key (from its device cookie): on success the browser is
    trusted for the person from then on.

    The password is checked before the write transaction, so a slow hash never holds the
    database's write lock. Unknown email, wrong password and disabled person are one
    failure, told apart only in the access log, so the form does not reveal who has an
    account.
    """
    email = normalize_email(email)[:254]
    person = Person.select(Person, Organization).join(Organization).where(Person.email == email).first()
    attempt = _Attempt(email, address, person, _trusted(person, device_key))
    wait, rule = _throttle(attempt, now)
    if wait:
        return _throttled(attempt, now, wait, rule)
    matches = password_matches(person or Person(), password)
    with write_transaction():
        _serialize_attempts(email)
        wait, rule = _throttle(attempt, now)
        if wait:
            return _throttled(attempt, now, wait, rule)
        if person is None or not matches or person.disabled_at is not None:
            reason = "unknown email" if person is None else "wrong password" if not matches else "person disabled"
            record("login_failed", now, email=email, person_id=person.id if person else None,
                   address=address, detail=reason, device_hash=attempt.trusted_device)
            return SignIn()
        key = secrets.token_urlsafe(32)
        WebSession.create(key_hash=_digest(key), person=person, created_at=now, last_seen_at=now)
        if device_key:
            _trust(person, device_key, now)
        record("login", now, email=email, person_id=person.id, address=address)
    return SignIn(person=person, key=key)


def _throttled(attempt: _Attempt, now, wait: int, rule: str) -> SignIn:
    """A refused attempt, recorded as such and not as a failure: asking again while waiting
    does not make the wait longer."""
    with write_transaction():
        record("login_throttled", now, email=attempt.email, address=attempt.address,
               detail=f"wait {wait} s ({rule})")
    return SignIn(retry_after=wait, throttled_by=rule)


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


def end_sessions_of(person_id: int, now, reason: str, keeping: str | None = None) -> int:
    """End every live session of a person (inside the caller's transaction), but the one
    of the session key `keeping`."""
    condition = WebSession.person == person_id
    if keeping:
        condition &= WebSession.key_hash != _digest(keeping)
    return _end(condition, now, reason)


def change_password(person: Person, now, *, current: str, password: str, repeated: str, session_key: str) -> int:
    """A signed-in person changes their own password, proving the current one: every other
    session of theirs ends (a browser left signed in elsewhere is signed out), this one
    stays. How many ended."""
    errors = {}
    if not password_matches(person, current):
        errors["current"] = ["is not your current password"]
    try:
        check_new_password(password, repeated)
    except Invalid as error:
        errors.update(error.errors)
    if errors:
        raise Invalid(errors)
    hashed = hash_password(password)
    with write_transaction():
        Person.update(password_hash=hashed).where(Person.id == person.id).execute()
        ended = end_sessions_of(person.id, now, "password_changed", keeping=session_key)
        record("password_changed", now, email=person.email, person_id=person.id, detail=f"{ended} other sessions ended")
    return ended
