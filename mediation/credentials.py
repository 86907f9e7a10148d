"""Passwords and API tokens. Tokens are shown once and stored only as a hash."""

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerifyMismatchError
from peewee import CharField
from peewee import ForeignKeyField

from mediation.access import Actor
from mediation.access import refuse_read_only
from mediation.db import BaseModel
from mediation.db import columns
from mediation.db import execute
from mediation.db import loaded
from mediation.db import write_transaction
from mediation.errors import Conflict
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.fields import UTCDateTimeField
from mediation.paging import Page
from mediation.paging import page_of
from mediation.parties import Organization
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


PASSWORD_LENGTH = (10, 1024)  # the fewest and most characters of a password


def check_new_password(password: str, repeated: str) -> None:
    """Invalid, naming `password` or `repeated`, unless the new password may be set."""
    shortest, longest = PASSWORD_LENGTH
    if not shortest <= len(password) <= longest:
        raise Invalid.field("password", f"must be {shortest} to {longest} characters")
    if password != repeated:
        raise Invalid.field("repeated", "must be the same password again")


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
    with write_transaction():
        row = ApiToken.create(
            person=person,
            token_hash=_digest(plain),
            hint=plain[: len(TOKEN_PREFIX) + 6],
            label=label,
            scope=scope,
            created_at=now,
        )
    return row, plain


_PERSON_WIDTH = len(Person._meta.sorted_fields)
_TOKEN_OWNER = (
    f"SELECT {columns(Person, 'p')}, {columns(Organization, 'o')}"
    f' FROM "{ApiToken._meta.table_name}" AS t'
    f' JOIN "{Person._meta.table_name}" AS p ON p."id" = t."person_id"'
    f' JOIN "{Organization._meta.table_name}" AS o ON o."id" = p."organization_id"'
    ' WHERE t."token_hash" = ? AND t."scope" IN ({scopes}) AND t."revoked_at" IS NULL'
    ' AND p."disabled_at" IS NULL LIMIT 1'
)


def person_for_token(plain: str, scopes=("api",)) -> Person | None:
    """The active person owning a live token of one of `scopes`, their organization loaded
    with them; None for unknown, revoked, disabled or out of scope. Every API call asks, so
    it is one hand-written query (see `mediation.db.portable`), read afresh each time: a
    revoked token or a disabled person is refused at once."""
    sql = _TOKEN_OWNER.format(scopes=", ".join("?" for _ in scopes))
    row = execute(sql, (_digest(plain), *scopes)).fetchone()
    if row is None:
        return None
    person = loaded(Person, row[:_PERSON_WIDTH])
    person.organization = loaded(Organization, row[_PERSON_WIDTH:])
    person._dirty.clear()
    return person


MAX_LIVE_TOKENS = 50  # per person: more is a leak waiting to happen, not a need


def own_tokens(person_id: int, *, before: int | None = None, limit: int = 50) -> Page[ApiToken]:
    """A person's tokens, newest first, from the one before `before`: what they may see of
    their credentials (the hint and label, never the token). Revoked ones stay listed, so
    the list grows without bound and comes in pages."""
    query = ApiToken.select().where(ApiToken.person == person_id)
    if before:
        query = query.where(ApiToken.id < before)
    return page_of(query.order_by(ApiToken.id.desc()), limit)


def issue_own_token(actor: Actor, now, label: str, scope: str = "api") -> tuple[ApiToken, str]:
    """A token a person makes for themselves, within the ceiling of live tokens. Auditors
    are refused: they add nothing, credentials included (an administrator gives them one)."""
    refuse_read_only(actor)
    person = actor.person
    with write_transaction():
        live = ApiToken.select().where((ApiToken.person == person.id) & ApiToken.revoked_at.is_null()).count()
        if live >= MAX_LIVE_TOKENS:
            raise Invalid.field("label", f"you already hold {MAX_LIVE_TOKENS} live tokens; revoke one first")
        return issue_token(person, now, label.strip(), scope)


def revoke_own_token(person_id: int, token_id: int, now) -> ApiToken:
    """Revoke one of the person's own tokens; another person's is NotFound, as if it did not
    exist, and one already revoked is a Conflict."""
    with write_transaction():
        token = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.person == person_id))
        if token is None:
            raise NotFound("token", token_id)
        if token.revoked_at is not None:
            raise Conflict("that token was already revoked")
        ApiToken.update(revoked_at=now).where(ApiToken.id == token.id).execute()
        token.revoked_at = now
    return token


def revoke_token(token_id: int, now) -> bool:
    """Revoke a token by id; False when it does not exist or was already revoked."""
    with write_transaction():
        changed = (
            ApiToken.update(revoked_at=now)
            .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
            .execute()
        )
    return changed == 1
