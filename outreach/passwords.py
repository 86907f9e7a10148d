"""Invitations and password resets: a single-use link, mailed, where a person sets their
password.

Creating a person without a password invites them (the ledger's listener, in the
transaction that creates them): the link holds for 7 days. "Forgot password" mails the
same kind of link, valid for 2 hours, and answers the same whether or not the address is
known; requests are limited per address and per email, whether or not it is known. Only
a link's hash is kept. Setting a password uses the link up and ends every session of the
person, so that whoever held their old password is signed out.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from jinja2 import Environment
from jinja2 import PackageLoader
from jinja2 import select_autoescape
from peewee import fn

from mediation import sessions
from mediation.credentials import check_new_password
from mediation.credentials import hash_password
from mediation.db import write_transaction
from mediation.errors import NotFound
from mediation.ledger import AuditEvent
from mediation.parties import Person
from mediation.parties import normalize_email
from mediation.sessions import AccessEvent
from outreach.config import MailConfig
from outreach.models import Mail
from outreach.models import PasswordLink

VALID_FOR = {"invitation": timedelta(days=7), "reset": timedelta(hours=2)}
RESET_WINDOW = timedelta(hours=1)
RESETS_PER_EMAIL = 3  # in RESET_WINDOW, known address or not
RESETS_PER_ADDRESS = 10

_templates = Environment(loader=PackageLoader("outreach"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_link(person: Person, purpose: str, now: datetime, config: MailConfig) -> None:
    """A new link for `person`, and its mail in the outbox, in the caller's transaction."""
    token = secrets.token_urlsafe(32)
    link = PasswordLink.create(person=person.id, purpose=purpose, token_hash=_hash(token), created_at=now,
                               expires_at=now + VALID_FOR[purpose])
    context = {"person": person, "purpose": purpose, "url": config.link(f"/password/{token}"),
               "hours": int(VALID_FOR[purpose].total_seconds() // 3600), "login_url": config.link("/login")}
    subject = ("You are invited to Accord" if purpose == "invitation" else "Set a new password for Accord")
    Mail.create(person=person.id, key=f"{purpose}:{link.id}", to_address=person.email, subject=subject,
                text_body=_templates.get_template("password.txt").render(context),
                html_body=_templates.get_template("password.html").render(context), kinds=purpose,
                local_day=now.date().isoformat(), created_at=now, next_attempt_at=now)


def on_event(event: AuditEvent) -> None:
    """The ledger's listener: a person created without a password is invited."""
    if event.subject_type != "person" or event.kind != "person_created":
        return
    person = Person.get_by_id(event.subject_id)
    if person.password_hash is None:
        _send_link(person, "invitation", event.occurred_at, MailConfig.from_environment())


def request_reset(email: str, now: datetime, address: str | None = None) -> bool:
    """Mail a reset link if `email` belongs to an active person. False only when the
    request is over its limit; the caller answers the same either way for a known or
    unknown address."""
    email = normalize_email(email)[:254]
    with write_transaction():
        if _recent(AccessEvent.email, email, now) >= RESETS_PER_EMAIL or (
                address and _recent(AccessEvent.address, address, now) >= RESETS_PER_ADDRESS):
            sessions.record("reset_throttled", now, email=email, address=address)
            return False
        sessions.record("reset_requested", now, email=email, address=address)
        person = Person.get_or_none((Person.email == email) & Person.disabled_at.is_null())
        if person is not None:
            _send_link(person, "reset", now, MailConfig.from_environment())
    return True


def _recent(column, value, now) -> int:
    return (AccessEvent.select(fn.COUNT(AccessEvent.id))
            .where((AccessEvent.kind == "reset_requested") & (column == value)
                   & (AccessEvent.occurred_at > now - RESET_WINDOW)).scalar())


@dataclass(frozen=True)
class LinkRead:
    purpose: str
    name: str
    email: str


def _live(token: str, now: datetime) -> PasswordLink:
    link = (PasswordLink.select(PasswordLink, Person).join(Person)
            .where(PasswordLink.token_hash == _hash(token)).first() if 0 < len(token) <= 100 else None)
    if link is None or link.used_at is not None or link.expires_at <= now or link.person.disabled_at is not None:
        raise NotFound("password link", "given")
    return link


def link_of(token: str, now: datetime) -> LinkRead:
    """Whose link it is; NotFound when it is unknown, used, expired or its person disabled."""
    link = _live(token, now)
    return LinkRead(link.purpose, link.person.name, link.person.email)


def set_password(token: str, password: str, repeated: str, now: datetime) -> Person:
    """Set the password the link is for, use the link up and end every session of its person."""
    check_new_password(password, repeated)
    hashed = hash_password(password)
    with write_transaction():
        link = _live(token, now)
        used = PasswordLink.update(used_at=now).where((PasswordLink.id == link.id)
                                                      & PasswordLink.used_at.is_null()).execute()
        if used != 1:
            raise NotFound("password link", "given")
        Person.update(password_hash=hashed).where(Person.id == link.person_id).execute()
        sessions.end_sessions_of(link.person_id, now, "password_set")
        sessions.record("password_set", now, email=link.person.email, person_id=link.person_id)
    return link.person
