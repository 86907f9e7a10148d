"""The dispute and everything recorded on it while it is mediated."""

from peewee import BooleanField
from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.db import BaseModel
from mediation.fields import UTCDateTimeField
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project

SEVERITIES = ("low", "medium", "high", "critical")
VISIBILITIES = ("shared", "internal")
COMMITMENT_STATUSES = ("open", "kept", "broken")


class Dispute(BaseModel):
    title = CharField(max_length=200)
    summary = TextField()
    account = ForeignKeyField(Account, backref="disputes", on_delete="RESTRICT")
    project = ForeignKeyField(Project, backref="disputes", null=True, on_delete="RESTRICT")
    severity = CharField(max_length=16)
    state = CharField(max_length=32, index=True)
    version = IntegerField(default=1)
    mediator = ForeignKeyField(Person, null=True, on_delete="RESTRICT")
    co_mediator = ForeignKeyField(Person, null=True, on_delete="RESTRICT")
    opened_by = ForeignKeyField(Person, on_delete="RESTRICT")
    resolution_option_id = IntegerField(null=True)
    resolution_summary = TextField(null=True)
    override_reason = TextField(null=True)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    state_changed_at = UTCDateTimeField()


class Party(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="parties", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    added_at = UTCDateTimeField()

    class Meta:
        indexes = ((("dispute", "person"), True),)


class Story(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="stories", on_delete="CASCADE")
    party = ForeignKeyField(Person, on_delete="RESTRICT")
    recorded_by = ForeignKeyField(Person, on_delete="RESTRICT")
    text = TextField(null=True)
    declined = BooleanField(default=False)
    visibility = CharField(max_length=16)
    created_at = UTCDateTimeField()


class Option(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="options", on_delete="CASCADE")
    summary = TextField()
    value_to_supplier = IntegerField()
    value_to_customer = IntegerField()
    proposed_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()


class Acceptance(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="acceptances", on_delete="CASCADE")
    option = ForeignKeyField(Option, backref="acceptances", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    organization = ForeignKeyField(Organization, on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("option", "organization"), True),)


class Note(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="notes", on_delete="CASCADE")
    author = ForeignKeyField(Person, on_delete="RESTRICT")
    text = TextField()
    visibility = CharField(max_length=16)
    created_at = UTCDateTimeField()


class Commitment(BaseModel):
    dispute = ForeignKeyField(Dispute, backref="commitments", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    description = TextField()
    due_at = UTCDateTimeField()
    status = CharField(max_length=16, default="open")
    recorded_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()
    settled_at = UTCDateTimeField(null=True)


DISPUTE_MODELS = [Dispute, Party, Story, Option, Acceptance, Note, Commitment]
