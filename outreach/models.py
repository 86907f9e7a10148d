"""What outreach keeps: each person's notifications and their settings for them."""

import json

from peewee import BooleanField
from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.db import BaseModel
from mediation.fields import UTCDateTimeField
from mediation.parties import Person


class Mail(BaseModel):
    """A mail to one person: one notification at once, or a digest of several. `key` makes
    it unique (a notification, a person's day or week), so that it is composed once; it is
    sent at least once, under the same Message-ID every time."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    key = CharField(max_length=200, unique=True)
    to_address = CharField(max_length=254)
    subject = TextField()
    text_body = TextField()
    html_body = TextField()
    kinds = CharField(max_length=200)
    unsubscribe_token = CharField(max_length=64, null=True, unique=True)
    local_day = CharField(max_length=10)
    created_at = UTCDateTimeField()
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField()
    claimed_until = UTCDateTimeField(null=True)
    sent_at = UTCDateTimeField(null=True)
    last_error = TextField(null=True)

    class Meta:
        indexes = ((("sent_at", "next_attempt_at"), False), (("person", "local_day"), False))


class Notification(BaseModel):
    """One thing a person is told of. `period` makes it unique per person, kind and subject
    (an event's sequence, a stage entered at a moment, a due date), so that whatever finds
    it again, a retried write or the next scan, adds nothing."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    kind = CharField(max_length=32)
    subject_type = CharField(max_length=32)
    subject_id = IntegerField()
    period = CharField(max_length=200)
    title = TextField()
    path = CharField(max_length=500)
    event_sequence = IntegerField(null=True)
    urgent = BooleanField(default=False)
    created_at = UTCDateTimeField()
    read_at = UTCDateTimeField(null=True)
    mail_state = CharField(max_length=16, default="pending")  # pending, mailed, or skipped (its kind off)
    mail = ForeignKeyField(Mail, null=True, on_delete="SET NULL")

    class Meta:
        indexes = (
            (("person", "kind", "subject_type", "subject_id", "period"), True),
            (("person", "read_at"), False),
            (("mail_state", "person"), False),
        )


class NotificationSettings(BaseModel):
    """A person's choices; a person without a row has the defaults (outreach.settings)."""

    person = ForeignKeyField(Person, primary_key=True, on_delete="CASCADE")
    frequencies_text = TextField(column_name="frequencies")
    digest_hour = IntegerField()
    timezone = CharField(max_length=64)
    quiet_from = CharField(max_length=5, null=True)
    quiet_to = CharField(max_length=5, null=True)
    updated_at = UTCDateTimeField()

    class Meta:
        table_name = "notification_settings"

    @property
    def frequencies(self) -> dict[str, str]:
        return json.loads(self.frequencies_text)
