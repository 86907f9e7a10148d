"""Protocols, their versions, acknowledgements, touchpoints and incidents."""

import json

from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.db import BaseModel
from mediation.disputes import Dispute
from mediation.fields import UTCDateTimeField
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from protocols.cadence import schedule_of

ESCALATION = "escalation"  # the scenario a dispute on the project puts in force (protocols.escalation)
SCENARIOS = ("routine", "onboarding", "incident", ESCALATION, "executive_review")
CHANNELS = ("email", "phone", "video", "in_person", "chat", "ticket")
# The company that started a touchpoint, when it was recorded.
INITIATORS = ("supplier", "customer")


def protocol_name(scenario: str, project: str) -> str:
    """A protocol in words, as people read it in what they are sent: "Routine protocol of
    Warehouse system rollout"."""
    return f"{scenario.replace('_', ' ').capitalize()} protocol of {project}"


class JSONField(TextField):
    """JSON stored as text, the same on SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Protocol(BaseModel):
    project = ForeignKeyField(Project, backref="protocols", on_delete="RESTRICT")
    scenario = CharField(max_length=32)
    version = IntegerField(default=1)  # optimistic-concurrency counter of the whole protocol
    created_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("project", "scenario"), True),)


class ProtocolVersion(BaseModel):
    protocol = ForeignKeyField(Protocol, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    status = CharField(max_length=16, index=True)
    cadence = JSONField(null=True)
    phases = JSONField(default=list)
    channel = CharField(max_length=16)
    supplier_point_person = ForeignKeyField(Person, on_delete="RESTRICT")
    customer_point_person = ForeignKeyField(Person, on_delete="RESTRICT")
    backup_ids = JSONField(default=list)
    agenda = TextField(default="")
    escalation = JSONField(default=list)
    max_contacts_per_window = IntegerField(null=True)
    timezone = CharField(max_length=64, default="UTC")
    effective_from = UTCDateTimeField(null=True)
    in_force_from = UTCDateTimeField(null=True)
    in_force_until = UTCDateTimeField(null=True)
    created_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("protocol", "number"), True),)

    @property
    def schedule(self):
        """The phases of this version, the open-ended cadence last (protocols.cadence)."""
        return schedule_of(self.cadence, self.phases)


def named_people(version) -> frozenset[int]:
    """Who a version names: its two point people and its backups, the people who act on the
    protocol for their company; not its escalation steps' people, who are only escalated to.
    `version` is a ProtocolVersion or anything with the same attributes."""
    return frozenset({version.supplier_point_person_id, version.customer_point_person_id, *version.backup_ids})


def mentioned_people(version) -> frozenset[int]:
    """Everyone a version mentions, the people it names and those of its escalation steps:
    whose names to look up to show it."""
    return named_people(version) | {step["person_id"] for step in version.escalation}


class Acknowledgement(BaseModel):
    version = ForeignKeyField(ProtocolVersion, backref="acknowledgements", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    organization = ForeignKeyField(Organization, on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("version", "organization"), True),)


class Touchpoint(BaseModel):
    protocol = ForeignKeyField(Protocol, backref="touchpoints", on_delete="CASCADE")
    occurred_at = UTCDateTimeField()
    channel = CharField(max_length=16)
    supplier_person = ForeignKeyField(Person, on_delete="RESTRICT")
    customer_person = ForeignKeyField(Person, on_delete="RESTRICT")
    summary = TextField()
    logged_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()
    initiated_by = CharField(max_length=16, null=True)

    class Meta:
        indexes = ((("protocol", "occurred_at"), False),)


class Incident(BaseModel):
    """The start of an incident, from which a response-time cadence is measured."""

    protocol = ForeignKeyField(Protocol, backref="incidents", on_delete="CASCADE")
    started_at = UTCDateTimeField()
    summary = TextField()
    reported_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("protocol", "started_at"), False),)


class EscalationActivation(BaseModel):
    """An escalation protocol in force because a dispute on its project is open."""

    protocol = ForeignKeyField(Protocol, backref="activations", on_delete="CASCADE")
    dispute = ForeignKeyField(Dispute, on_delete="CASCADE")
    started_at = UTCDateTimeField()
    ended_at = UTCDateTimeField(null=True)


PROTOCOL_MODELS = [Protocol, ProtocolVersion, Acknowledgement, Touchpoint, Incident, EscalationActivation]
