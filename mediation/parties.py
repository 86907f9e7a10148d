"""Who is who: the two kinds of company, their people, the accounts that pair them, projects."""

from dataclasses import dataclass

from peewee import BooleanField
from peewee import CharField
from peewee import CompositeKey
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.db import BaseModel
from mediation.fields import UTCDateTimeField

ORGANIZATION_KINDS = ("supplier", "customer")
ROLES = ("admin", "account_manager", "point_person", "auditor")


class Organization(BaseModel):
    name = CharField(max_length=200, unique=True)
    kind = CharField(max_length=16)
    created_at = UTCDateTimeField()


class Person(BaseModel):
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=200)
    organization = ForeignKeyField(Organization, backref="people", on_delete="RESTRICT")
    roles_text = TextField(default="")
    password_hash = TextField(null=True)
    disabled_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r for r in self.roles_text.split(",") if r)

    @roles.setter
    def roles(self, value) -> None:
        self.roles_text = ",".join(sorted(set(value)))

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Ref:
    """A person, an account or a project as figures and lists name them: its id and name."""

    id: int
    name: str


# The weekly contacts with one person above which the air traffic calls it too many.
CONTACT_CEILING = 5
CONTACT_CEILING_RANGE = (1, 100)


class Account(BaseModel):
    name = CharField(max_length=200)
    supplier = ForeignKeyField(Organization, backref="supplied_accounts", on_delete="RESTRICT")
    customer = ForeignKeyField(Organization, backref="customer_accounts", on_delete="RESTRICT")
    created_at = UTCDateTimeField()
    contact_ceiling_per_week = IntegerField(default=CONTACT_CEILING)

    class Meta:
        indexes = ((("supplier", "customer", "name"), True),)


class AccountManager(BaseModel):
    account = ForeignKeyField(Account, backref="managers", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="managed_accounts", on_delete="RESTRICT")

    class Meta:
        primary_key = CompositeKey("account", "person")


class AccountMember(BaseModel):
    """A person of either company on an account's team, with the function they serve in."""

    account = ForeignKeyField(Account, backref="team", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="teams", on_delete="RESTRICT")
    function = CharField(max_length=40)
    added_at = UTCDateTimeField()

    class Meta:
        indexes = ((("account", "person"), True),)


class Project(BaseModel):
    name = CharField(max_length=200)
    account = ForeignKeyField(Account, backref="projects", on_delete="RESTRICT")
    active = BooleanField(default=True)
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("account", "name"), True),)


def normalize_email(email: str) -> str:
    return email.strip().lower()
