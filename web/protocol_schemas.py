"""Marshmallow schemas of the protocol endpoints, in and out."""

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from protocols import board
from protocols.agreement import REQUESTABLE_TRIGGERS
from protocols.cadence import UNITS
from protocols.cadence import WEEKDAYS
from protocols.models import CHANNELS
from protocols.models import INITIATORS
from protocols.models import SCENARIOS
from web.schemas import Body
from web.schemas import ExpectedVersion
from web.schemas import Id
from web.schemas import Moment
from web.schemas import PageQuery
from web.schemas import PeriodQuery
from web.schemas import QueryId
from web.schemas import Text
from web.schemas import Whole

MAX_HOURS = 24 * 366


class CadenceIn(Schema):
    """Periodic (every and unit, optionally weekdays) or a response time, never both."""

    every = Whole(validate=validate.Range(min=1, max=8784))
    unit = fields.String(validate=validate.OneOf(UNITS))
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), validate=validate.Length(min=1, max=7))
    respond_within_hours = Whole(validate=validate.Range(min=1, max=MAX_HOURS))

    # one_kind's rule as the OpenAPI description states it (see web.api.openapi).
    BETWEEN_FIELDS = {"oneOf": [
        {"title": "periodic", "required": ["every", "unit"], "properties": {"respond_within_hours": False}},
        {"title": "response time", "required": ["respond_within_hours"],
         "properties": {"every": False, "unit": False, "weekdays": False}},
    ]}

    @validates_schema
    def one_kind(self, data, **kwargs):
        periodic = "every" in data or "unit" in data or "weekdays" in data
        if "respond_within_hours" in data and periodic:
            raise ValidationError("give either every/unit(/weekdays) or respond_within_hours, not both")
        if "respond_within_hours" not in data and not ("every" in data and "unit" in data):
            raise ValidationError("give every and unit (and optionally weekdays), or respond_within_hours")


MAX_PHASES = 12
MAX_STEPS = 10


class PhaseIn(Schema):
    cadence = fields.Nested(CadenceIn, required=True)
    days = Whole(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3660))


class EscalationStepIn(Schema):
    person_id = Id(required=True)
    respond_within_hours = Whole(required=True, validate=validate.Range(min=1, max=MAX_HOURS))


class VersionTermsIn(Schema):
    cadence = fields.Nested(CadenceIn, load_default=None, allow_none=True)
    phases = fields.List(fields.Nested(PhaseIn), load_default=list, validate=validate.Length(max=MAX_PHASES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    supplier_point_person_id = Id(required=True)
    customer_point_person_id = Id(required=True)
    backup_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=20))
    agenda = Text(load_default="", validate=validate.Length(max=10_000))
    escalation = fields.List(fields.Nested(EscalationStepIn), load_default=list, validate=validate.Length(max=MAX_STEPS))
    effective_from = Moment(load_default=None, allow_none=True, metadata={"description": (
        "when the version comes into force once both companies have acknowledged it, past (an existing "
        "arrangement with its past touchpoints) or future; not before the version agreed before it came into "
        "force (422 on this field). Without it: from the start of the minute of the agreement")})
    max_contacts_per_window = Whole(load_default=None, allow_none=True,
                                             validate=validate.Range(min=1, max=1000))
    timezone = Text(load_default="UTC", validate=validate.Length(min=1, max=64))


class ProtocolIn(VersionTermsIn):
    scenario = fields.String(required=True, validate=validate.OneOf(SCENARIOS))


class VersionIn(VersionTermsIn):
    expected_version = ExpectedVersion(load_default=None)


class VersionTransitionIn(Schema):
    trigger = fields.String(required=True, validate=validate.OneOf(REQUESTABLE_TRIGGERS))
    expected_version = ExpectedVersion(load_default=None)


class AcknowledgementIn(Schema):
    version = Whole(required=True, validate=validate.Range(min=1, max=10**6))


class TouchpointIn(Schema):
    occurred_at = Moment(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    supplier_person_id = Id(required=True)
    customer_person_id = Id(required=True)
    summary = Body(5_000, required=True)
    initiated_by = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(INITIATORS), metadata={
        "description": "the company that started the contact, when known"})


class IncidentIn(Schema):
    started_at = Moment(required=True)
    summary = Body(5_000, required=True)


class BoardQuery(PageQuery):
    customer_id = QueryId(load_default=None, metadata={"description": "protocols with this customer"})
    mine = fields.Boolean(load_default=False, metadata={
        "description": "only protocols whose version in force names the caller as a point person or backup"})
    sort = fields.String(load_default=None, validate=validate.OneOf(list(board.SORTS)), metadata={
        "description": "the order, by this column; by default the most urgent first. "
                       "`after` is still the protocol_id of the last entry read"})
    order = fields.String(load_default="asc", validate=validate.OneOf(board.ORDERS))


class ComplianceQuery(PeriodQuery):
    pass


class VersionOut(Schema):
    number = fields.Integer()
    status = fields.String()
    cadence = fields.Raw(allow_none=True)
    phases = fields.Raw()
    channel = fields.String()
    supplier_point_person_id = fields.Integer()
    customer_point_person_id = fields.Integer()
    backup_ids = fields.List(fields.Integer())
    agenda = fields.String()
    escalation = fields.Raw()
    max_contacts_per_window = fields.Integer(allow_none=True)
    timezone = fields.String()
    effective_from = fields.DateTime(allow_none=True)
    agreed_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the second company acknowledged the version, which made it agreed"})
    in_force_from = fields.DateTime(allow_none=True, metadata={
        "description": "when the version came (or comes) into force: its effective_from, else the start of the "
                       "minute it was agreed in (or its predecessor's start, if later)"})
    in_force_until = fields.DateTime(allow_none=True)
    acknowledged_by = fields.List(fields.String())
    available_triggers = fields.List(fields.String())
    created_at = fields.DateTime()


class TouchpointOut(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    channel = fields.String()
    supplier_person_id = fields.Integer()
    customer_person_id = fields.Integer()
    summary = fields.String()
    initiated_by = fields.String(allow_none=True)
    logged_by_id = fields.Integer()
    created_at = fields.DateTime()


class IncidentOut(Schema):
    id = fields.Integer()
    started_at = fields.DateTime()
    summary = fields.String()
    reported_by_id = fields.Integer()
    created_at = fields.DateTime()
