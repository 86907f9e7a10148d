"""Marshmallow schemas of a person's notifications and their settings, in and out."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from outreach.kinds import FREQUENCIES
from outreach.kinds import KINDS
from outreach.settings import CLOCK_TIME
from outreach.webhooks import ALL
from outreach.webhooks import EVENT_KINDS
from web.schemas import MAX_ID
from web.schemas import MAX_PAGE
from web.schemas import QueryInteger
from web.schemas import Text
from web.schemas import Whole


class NotificationQuery(Schema):
    before = QueryInteger(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    unread = fields.Boolean(load_default=False)
    limit = QueryInteger(load_default=25, validate=validate.Range(min=1, max=MAX_PAGE))


class SubjectOut(Schema):
    type = fields.String(metadata={"description": "dispute, protocol or webhook"})
    id = fields.Integer()


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    subject = fields.Nested(SubjectOut)
    title = fields.String()
    url = fields.String(metadata={"description": "the page of the subject"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class MarkedOut(Schema):
    marked = fields.Integer(metadata={"description": "how many notifications were unread and are now read"})


class QuietHours(Schema):
    """From and to on the person's own clock; hours across midnight hold the night."""

    start = fields.String(data_key="from", required=True, validate=validate.Regexp(CLOCK_TIME, error="must be HH:MM"))
    end = fields.String(data_key="to", required=True, validate=validate.Regexp(CLOCK_TIME, error="must be HH:MM"))


KindsIn = Schema.from_dict(
    {name: fields.String(validate=validate.OneOf(FREQUENCIES), metadata={"description": kind.explained})
     for name, kind in KINDS.items()},
    name="KindsIn",
)


class NotificationSettingsIn(Schema):
    """Each field given is changed, each kind given too; those left out keep their value.
    `quiet_hours: null` ends quiet hours."""

    kinds = fields.Nested(KindsIn)
    digest_hour = Whole(validate=validate.Range(min=0, max=23))
    timezone = Text(validate=validate.Length(min=1, max=64))
    quiet_hours = fields.Nested(QuietHours, allow_none=True)


class NotificationSettingsOut(Schema):
    kinds = fields.Dict(keys=fields.String(), values=fields.String())
    digest_hour = fields.Integer()
    timezone = fields.String()
    quiet_hours = fields.Nested(QuietHours, allow_none=True)


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                        metadata={"description": "https; not a private, loopback or link-local address"})
    events = fields.List(fields.String(validate=validate.OneOf((ALL, *EVENT_KINDS))), required=True,
                         validate=validate.Length(min=1, max=len(EVENT_KINDS)),
                         metadata={"description": "audit event kinds, or [\"*\"] for every kind"})


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_because = fields.String(allow_none=True)


class SubscribedOut(WebhookOut):
    secret = fields.String(metadata={"description": "whsec_ and base64: it signs every delivery; shown this once"})


class WebhookQuery(Schema):
    before = QueryInteger(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    limit = QueryInteger(load_default=25, validate=validate.Range(min=1, max=MAX_PAGE))


class AttemptOut(Schema):
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    duration_ms = fields.Integer()
    error = fields.String(allow_none=True)


class DeliveryOut(Schema):
    id = fields.Integer()
    webhook_id = fields.String(metadata={"description": "the webhook-id header of every attempt"})
    kind = fields.String()
    event = fields.Dict(metadata={"description": "the body delivered"})
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    given_up_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptOut))
