"""What the relationship API answers (DESIGN.md, "The relationship"): the schemas its
answer is dumped through, which the description states too."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from mediation.account_team import FUNCTION_LENGTH
from mediation.account_team import FUNCTIONS
from mediation.advocacy import FLAGS
from mediation.balance import BALANCES
from mediation.lifecycle import OPEN_STATES
from protocols.compliance import STATUS_URGENCY
from web.schemas import Id
from web.schemas import PeriodQuery
from web.schemas import Text
from web.schemas import _not_blank


class RelationshipQuery(PeriodQuery):
    pass


class CompanyOut(Schema):
    id = fields.Integer()
    name = fields.String()


class RelationshipAccountOut(Schema):
    id = fields.Integer()
    name = fields.String()
    supplier = fields.Nested(CompanyOut)
    customer = fields.Nested(CompanyOut)


def _by_state(values) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.OneOf(OPEN_STATES)), values=values)


class DisputeFiguresOut(Schema):
    open = _by_state(fields.Integer())
    stale = fields.Integer()
    resolved = fields.Integer()
    withdrawn = fields.Integer()
    reopened = fields.Integer()
    median_days_to_resolution = fields.Float(allow_none=True)
    median_days_in_stage = _by_state(fields.Float(allow_none=True))


class OneSidedOut(Schema):
    supplier = fields.Integer()
    customer = fields.Integer()


class ValueOut(Schema):
    resolutions = fields.Integer()
    to_supplier = fields.Integer()
    to_customer = fields.Integer()
    one_sided = fields.Nested(OneSidedOut)
    overrides = fields.Integer()
    balance = fields.String(validate=validate.OneOf(BALANCES))


class KeptOut(Schema):
    kept = fields.Integer()
    missed = fields.Integer()
    open = fields.Integer()


class CommitmentsOut(Schema):
    supplier = fields.Nested(KeptOut)
    customer = fields.Nested(KeptOut)


class InitiatedOut(Schema):
    supplier = fields.Integer()
    customer = fields.Integer()
    unknown = fields.Integer()


class ProtocolContactOut(Schema):
    protocol_id = fields.Integer()
    name = fields.String()
    status = fields.String(allow_none=True, validate=validate.OneOf(STATUS_URGENCY), metadata={
        "description": "its compliance status now; null when no version is in force"})
    touchpoints = fields.Integer()
    missed_windows = fields.Integer()
    over_windows = fields.Integer()


class CommunicationOut(Schema):
    protocols_in_force = fields.Integer()
    on_track = fields.Integer(metadata={"description": "protocols in force on track now, or with contact due soon"})
    overdue = fields.Integer()
    over_communicating = fields.Integer()
    missed_windows = fields.Integer()
    over_windows = fields.Integer()
    initiated = fields.Nested(InitiatedOut)
    protocols = fields.List(fields.Nested(ProtocolContactOut))


class QuarterOut(Schema):
    quarter = fields.String(metadata={"description": "a calendar quarter in UTC, such as 2026-Q3"})
    resolutions = fields.Integer()
    to_supplier = fields.Integer()
    to_customer = fields.Integer()
    touchpoints = fields.Integer()
    missed_windows = fields.Integer()


class RelationshipOut(Schema):
    account = fields.Nested(RelationshipAccountOut)
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    disputes = fields.Nested(DisputeFiguresOut)
    value = fields.Nested(ValueOut)
    commitments = fields.Nested(CommitmentsOut)
    communication = fields.Nested(CommunicationOut)
    trend = fields.List(fields.Nested(QuarterOut))


class ContactsQuery(PeriodQuery):
    pass


class RefOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ByOut(Schema):
    person = fields.Nested(RefOut)
    contacts = fields.Integer()


class WeekOut(Schema):
    week = fields.String(metadata={"description": "an ISO week of UTC days, such as 2026-W48"})
    contacts = fields.Integer()
    over_ceiling = fields.Boolean(metadata={"description": "more contacts than the account's ceiling a week"})


class LoadOut(Schema):
    person = fields.Nested(RefOut)
    side = fields.String(validate=validate.OneOf(("customer", "supplier")))
    contacts = fields.Integer()
    by = fields.List(fields.Nested(ByOut), metadata={"description": "the other company's people in these contacts"})
    weeks = fields.List(fields.Nested(WeekOut), metadata={"description": "every week of the period"})


class CollidingTouchpointOut(Schema):
    id = fields.Integer()
    protocol_id = fields.Integer()
    project = fields.Nested(RefOut)
    supplier_person = fields.Nested(RefOut)
    occurred_at = fields.DateTime()


class CollisionOut(Schema):
    customer_person = fields.Nested(RefOut)
    day = fields.Date(metadata={"description": "a UTC day"})
    touchpoints = fields.List(fields.Nested(CollidingTouchpointOut))


class ContactsOut(Schema):
    account = fields.Nested(RelationshipAccountOut)
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    ceiling_per_week = fields.Integer()
    people = fields.List(fields.Nested(LoadOut), metadata={
        "description": "the customer's people, then the supplier's, each with the most contacts first"})
    collisions = fields.List(fields.Nested(CollisionOut), metadata={
        "description": "two or more supplier people in contact with one customer person on one day about "
                       "different projects; the latest 100"})
    collisions_total = fields.Integer(metadata={"description": "collisions in the period, listed or not"})


class TeamMemberOut(Schema):
    person = fields.Nested(RefOut)
    side = fields.String(validate=validate.OneOf(("supplier", "customer")))
    function = fields.String()
    added_at = fields.DateTime()


class TeamOut(Schema):
    items = fields.List(fields.Nested(TeamMemberOut), metadata={
        "description": "the supplier's side first, each side by function, then name"})


def _function(**kwargs):
    return Text(validate=[validate.Length(min=1, max=FUNCTION_LENGTH), _not_blank], metadata={
        "description": f"what the person does on the account, such as {', '.join(FUNCTIONS)}"}, **kwargs)


class TeamMemberIn(Schema):
    person_id = Id(required=True, metadata={"description": "a person of the caller's own company"})
    function = _function(required=True)


class TeamFunctionIn(Schema):
    function = _function(required=True)


class AdvocacyQuery(PeriodQuery):
    pass


class OverrideOut(Schema):
    dispute_id = fields.Integer()
    title = fields.String()
    account = fields.String(metadata={"description": "the account's name"})
    resolved_at = fields.DateTime()
    to_supplier = fields.Integer()
    to_customer = fields.Integer()
    reason = fields.String(metadata={"description": "why it went ahead without an option of value to both"})


class AccountValueOut(Schema):
    account_id = fields.Integer()
    name = fields.String()
    resolutions = fields.Integer()
    to_supplier = fields.Integer()
    to_customer = fields.Integer()


def _flag():
    return fields.String(allow_none=True, validate=validate.OneOf(tuple(FLAGS.values())), metadata={
        "description": "forgot_who_they_work_for when the resolutions lean to the customer, customer_left_hanging "
                       "when they lean to the supplier, over at least 5; null otherwise"})


class AdvocacyOut(Schema):
    person = fields.Nested(RefOut)
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    value = fields.Nested(ValueOut)
    flag = _flag()
    overrides = fields.List(fields.Nested(OverrideOut), metadata={"description": "the latest first"})
    accounts = fields.List(fields.Nested(AccountValueOut), metadata={"description": "by name"})


class AdvocateOut(Schema):
    person = fields.Nested(RefOut)
    value = fields.Nested(ValueOut)
    flag = _flag()


class AdvocatesOut(Schema):
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    items = fields.List(fields.Nested(AdvocateOut), metadata={"description": "every account manager, by name"})
