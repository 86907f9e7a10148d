"""Passwords and API tokens. Tokens are shown once and stored only as a hash."""

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerifyMismatchError
from peewee import CharField
from peewee import ForeignKeyField

from mediation.db import BaseModel
from mediation.fields import UTCDateTimeField
from mediation.parties import Person

TOKEN_PREFIX = "acc_"
SCOPES = ("api", "calendar")  # a calendar token only reads calendar feeds
_hasher = PasswordHasher()


class ApiToken(BaseModel):
    person = ForeignKeyField(Person, backref="tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=16)
    label = CharField(max_length=200, default="")
    scope = CharField(max_length=16, default="api")
    created_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _no_password() -> str:
    """What a person without a password is checked against, so that answering "no" takes
    as long for them as for anyone else and does not reveal who has no password. Made on
    first use: hashing costs a quarter of a second that a command should not pay."""
    return _hasher.hash(secrets.token_hex(16))


def password_matches(person: Person, password: str) -> bool:
    """False for a wrong password, a person without one, or a malformed stored hash."""
    try:
        return _hasher.verify(person.password_hash or _no_password(), password) and bool(person.password_hash)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(person: Person, now, label: str = "", scope: str = "api") -> tuple[ApiToken, str]:
    """Create a token for `person`; the plain token is returned here and never again."""
    if scope not in SCOPES:
        raise ValueError(f"unknown token scope '{scope}'")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(
        person=person,
        token_hash=_digest(plain),
        hint=plain[: len(TOKEN_PREFIX) + 6],
        label=label,
        scope=scope,
        created_at=now,
    )
    return row, plain


def person_for_token(plain: str, scopes=("api",)) -> Person | None:
    """The active person owning a live token of one of `scopes`; None for unknown, revoked,
    disabled or out of scope."""
    row = (
        ApiToken.select(ApiToken, Person)
        .join(Person)
        .where(
            (ApiToken.token_hash == _digest(plain))
            & ApiToken.scope.in_(list(scopes))
            & ApiToken.revoked_at.is_null()
            & Person.disabled_at.is_null()
        )
        .first()
    )
    return row.person if row else None


def revoke_token(token_id: int, now) -> bool:
    """Revoke a token by id; False when it does not exist or was already revoked."""
    changed = (
        ApiToken.update(revoked_at=now)
        .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
        .execute()
    )
    return changed == 1
