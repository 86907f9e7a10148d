"""What outreach keeps: each person's notifications and their settings for them."""

import json

from peewee import BooleanField
from peewee import CharField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from mediation.db import BaseModel
from mediation.fields import UTCDateTimeField
from mediation.parties import Organization
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


class Webhook(BaseModel):
    """An organization's subscription of a URL to event kinds (`events`: a JSON list, or
    ["*"] for all). The secret signs each delivery; it is shown once, when subscribing."""

    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    url = CharField(max_length=2000)
    events_text = TextField(column_name="events")
    secret = CharField(max_length=100)
    created_by = ForeignKeyField(Person, on_delete="RESTRICT")
    created_at = UTCDateTimeField()
    disabled_at = UTCDateTimeField(null=True)
    disabled_because = TextField(null=True)

    @property
    def events(self) -> list[str]:
        return json.loads(self.events_text)


class WebhookDelivery(BaseModel):
    """One event for one subscription, as its organization may read it; delivered at least
    once, every attempt under the same `message_id` (the webhook-id header)."""

    webhook = ForeignKeyField(Webhook, backref="deliveries", on_delete="CASCADE")
    event_sequence = IntegerField()
    message_id = CharField(max_length=64)
    kind = CharField(max_length=64)
    payload = TextField()
    created_at = UTCDateTimeField()
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)
    claimed_until = UTCDateTimeField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    given_up_at = UTCDateTimeField(null=True)
    last_status = IntegerField(null=True)

    class Meta:
        table_name = "webhook_delivery"
        indexes = ((("webhook", "event_sequence"), True), (("next_attempt_at",), False))


class WebhookAttempt(BaseModel):
    delivery = ForeignKeyField(WebhookDelivery, backref="attempt_rows", on_delete="CASCADE")
    attempted_at = UTCDateTimeField()
    status_code = IntegerField(null=True)
    duration_ms = IntegerField()
    error = TextField(null=True)

    class Meta:
        table_name = "webhook_attempt"


class PasswordLink(BaseModel):
    """A single-use link to set a password: an invitation, or a reset. Only the token's
    hash is kept; the token itself is in the mail alone."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    purpose = CharField(max_length=16)  # invitation or reset
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "password_link"
