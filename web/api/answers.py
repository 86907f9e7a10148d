"""Schemas of the answers that views assemble by hand instead of dumping through
`web.schemas`: they exist so the description can state those answers too. The tests
validate real answers against the description, so a view that drifts from them fails.
"""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from protocols.compliance import STATUS_URGENCY
from protocols.models import CHANNELS
from protocols.models import SCENARIOS
from web import schemas
from web.protocol_schemas import VersionOut


class MeOut(schemas.PersonOut):
    organization = fields.Nested(schemas.OrganizationOut)


def _recorded(record: type[Schema]) -> type[Schema]:
    """A new record on a dispute, with the dispute's version after the change."""
    return type(f"Recorded{record.__name__}", (record,), {"dispute_version": fields.Integer()})


RecordedStoryOut = _recorded(schemas.StoryOut)
RecordedOptionOut = _recorded(schemas.OptionOut)
RecordedAcceptanceOut = _recorded(schemas.AcceptanceOut)
RecordedNoteOut = _recorded(schemas.NoteOut)
RecordedCommitmentOut = _recorded(schemas.CommitmentOut)


class RetractedAcceptanceOut(RecordedAcceptanceOut):
    """The acceptance taken back, as it was, with the dispute's version after the change."""

    retracted = fields.Boolean()


class ProtocolOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    account_id = fields.Integer()
    scenario = fields.String(validate=validate.OneOf(SCENARIOS))
    version = fields.Integer(metadata={"description": "the protocol's concurrency counter, for expected_version"})
    in_force = fields.Integer(allow_none=True, metadata={"description": "the number of the version in force"})
    versions = fields.List(fields.Nested(VersionOut))
    calendar_url = fields.String()
    created_at = fields.DateTime()


class BoardEntryOut(Schema):
    protocol_id = fields.Integer()
    project_id = fields.Integer()
    project = fields.String()
    account_id = fields.Integer()
    account = fields.String()
    scenario = fields.String(validate=validate.OneOf(SCENARIOS))
    version = fields.Integer()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String(validate=validate.OneOf(STATUS_URGENCY))
    next_due_at = fields.DateTime(allow_none=True)


class WindowOut(Schema):
    start = fields.DateTime()
    end = fields.DateTime()
    version = fields.Integer()
    kind = fields.String(validate=validate.OneOf(("periodic", "response")))
    touchpoints = fields.Integer()
    status = fields.String(validate=validate.OneOf(("open", "met", "missed", "over")))


class ComplianceOut(Schema):
    protocol_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUS_URGENCY))
    next_due_at = fields.DateTime(allow_none=True)
    missed = fields.Integer()
    over = fields.Integer()
    channel_deviations = fields.Integer()
    people_deviations = fields.Integer()
    touchpoints = fields.Integer()
    windows = fields.List(fields.Nested(WindowOut))


class CalendarTokenOut(Schema):
    token = fields.String()
    my_calendar_url = fields.String()


class DigestOut(Schema):
    sequence = fields.Integer()
    hash = fields.String()
    digest = fields.String(metadata={"description": "SIZE:ROOT of the tree, to pass to /audit/verify later"})


class InclusionProofOut(Schema):
    event = fields.String(attribute="event_hash", metadata={"description": "the event's hash"})
    leaf_index = fields.Integer()
    size = fields.Integer(attribute="tree_size")
    proof = fields.Function(lambda found: [node.hex() for node in found.proof], metadata={
        "description": "the audit path of RFC 9162 2.1.3, hex, from the leaf's sibling up"})


class ConsistencyProofOut(Schema):
    old_size = fields.Integer(data_key="from")
    new_size = fields.Integer(data_key="to")
    proof = fields.Function(lambda found: [node.hex() for node in found.proof], metadata={
        "description": "the consistency proof of RFC 9162 2.1.4, hex"})


class HeadOut(Schema):
    sequence = fields.Integer()
    hash = fields.String()


class BadEventOut(Schema):
    sequence = fields.Integer(allow_none=True)
    id = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)


class VerificationOut(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    head = fields.Nested(HeadOut, allow_none=True)
    first_bad_event = fields.Nested(BadEventOut, allow_none=True)
