"""Marshmallow schemas for every API body and query, in and out.

Unknown fields are refused (marshmallow's default), numbers must be whole where integers
are asked for, moments are RFC 3339, and texts are bounded, so a bad request fails with
422 naming the field before anything is written.
"""

import re
from datetime import datetime
from datetime import timezone

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from mediation import proof_bundles
from mediation.credentials import PASSWORD_LENGTH
from mediation.dispute_queries import ORDERS
from mediation.dispute_queries import SORTS
from mediation.disputes import COMMITMENT_STATUSES
from mediation.disputes import SEVERITIES
from mediation.disputes import VISIBILITIES
from mediation.errors import Invalid
from mediation.lifecycle import DECLARED
from mediation.lifecycle import INPUTS
from mediation.lifecycle import STATES
from mediation.parties import CONTACT_CEILING_RANGE
from mediation.lifecycle import TRIGGERS
from mediation.lifecycle import Input
from mediation.parties import ORGANIZATION_KINDS
from mediation.parties import ROLES
from mediation.periods import check_range

MAX_ID = 2**31 - 1
MAX_PAGE = 200


class Text(fields.String):
    """A string without NUL characters (PostgreSQL cannot store them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


class Whole(fields.Integer):
    """A whole number. JSON has one kind of number and JSON Schema's "integer" is any number
    without a fraction, so 3.0 is the integer 3 here too; 3.5, "3" and true are refused."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


def Id(**kwargs):
    return Whole(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class QueryInteger(fields.Integer):
    """An integer in a query string, where every value arrives as text: written as JSON
    writes one (a minus sign at most, then ASCII digits). Python's int() would also read
    spaces, underscores and the digits of other scripts."""

    def _validated(self, value):
        if isinstance(value, str) and not re.fullmatch("-?[0-9]+", value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def QueryId(**kwargs):
    """An id in a query string."""
    return QueryInteger(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def Title(**kwargs):
    return Text(validate=[validate.Length(min=1, max=200), _not_blank], **kwargs)


RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:[0-5]\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)", re.ASCII)


class Moment(fields.DateTime):
    """An RFC 3339 date-time, offset included (what JSON Schema's "date-time" format means),
    written in the years 1900 to 8999, kept in UTC. Leap seconds are refused: no clock
    here can hold one."""

    FIRST_YEAR, END_YEAR = 1900, 9000

    def _deserialize(self, value, attr, data, **kwargs):
        match = RFC3339.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        day, time, fraction, offset = match.groups()
        offset = "+00:00" if offset in "Zz" else offset
        try:
            moment = datetime.fromisoformat(f"{day}T{time}.{(fraction or '')[:6]:0<6}{offset}")
        except ValueError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
        if not self.FIRST_YEAR <= moment.year < self.END_YEAR:
            raise ValidationError(f"must be written in the years {self.FIRST_YEAR} to {self.END_YEAR - 1}")
        return moment.astimezone(timezone.utc)


class PeriodQuery(Schema):
    """`from` and `to` of a range of figures, checked by the one rule of mediation.periods."""

    start = Moment(data_key="from", load_default=None)
    end = Moment(data_key="to", load_default=None)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("start") and data.get("end"):
            try:
                check_range(data["start"], data["end"])
            except Invalid as broken:
                (field, (message,)), = broken.errors.items()
                raise ValidationError(message, field_name=field) from None


def Body(limit: int, **kwargs):
    return Text(validate=[validate.Length(min=1, max=limit), _not_blank], **kwargs)


def ExpectedVersion(**kwargs):
    return Whole(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# --- bodies in ---------------------------------------------------------------------------


class OrganizationIn(Schema):
    name = Title(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ORGANIZATION_KINDS))


# An address as the API takes it, stated in the description as the pattern of its "email"
# format: an ASCII dot-atom (RFC 5322) at a domain name whose last label has two letters or
# more. The format alone allows more (a one-letter last label, a bare host name, a quoted
# local part), marshmallow's Email other things (letters of any script, localhost, and a
# local part longer than the format's 64 characters).
EMAIL = (r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
         r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def _local_part_fits(email: str) -> None:
    if len(email.rpartition("@")[0]) > 64:
        raise ValidationError("The part before the @ is longer than 64 characters.")


class PersonIn(Schema):
    email = fields.Email(required=True, validate=[
        validate.Length(max=254), validate.Regexp(EMAIL, error="Not a valid email address."), _local_part_fits,
    ])
    name = Title(required=True)
    organization_id = Id(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    password = Text(load_default=None, validate=validate.Length(*PASSWORD_LENGTH), load_only=True)


class RolesIn(Schema):
    """Every role the person is to hold from now on (an empty list takes them all away)."""

    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)


class AccountIn(Schema):
    name = Title(required=True)
    supplier_id = Id(required=True)
    customer_id = Id(required=True)
    manager_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))


class AccountChange(Schema):
    contact_ceiling_per_week = Whole(required=True, validate=validate.Range(*CONTACT_CEILING_RANGE), metadata={
        "description": "contacts a week with one person above which the air traffic calls it too many"})


class ProjectIn(Schema):
    name = Title(required=True)
    account_id = Id(required=True)


class DisputeIn(Schema):
    title = Title(required=True)
    summary = Body(10_000, required=True)
    account_id = Id(required=True)
    project_id = Id(load_default=None, allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    party_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    mediator_id = Id(load_default=None, allow_none=True)
    co_mediator_id = Id(load_default=None, allow_none=True)


class Versioned(Schema):
    expected_version = ExpectedVersion(load_default=None)


class StoryIn(Versioned):
    party_id = Id(required=True)
    text = Text(load_default=None, allow_none=True, validate=validate.Length(max=20_000))
    visibility = fields.String(load_default="shared", validate=validate.OneOf(VISIBILITIES))
    declined = fields.Boolean(load_default=False)


class OptionIn(Versioned):
    summary = Body(5_000, required=True)
    value_to_supplier = Whole(required=True, validate=validate.Range(-5, 5))
    value_to_customer = Whole(required=True, validate=validate.Range(-5, 5))


class AcceptanceIn(Versioned):
    option_id = Id(required=True)


class NoteIn(Versioned):
    text = Body(10_000, required=True)
    visibility = fields.String(load_default="shared", validate=validate.OneOf(VISIBILITIES))


class PartyIn(Versioned):
    person_id = Id(required=True)


class MediatorsIn(Versioned):
    mediator_id = Id(load_default=None)
    co_mediator_id = Id(load_default=None)


class CommitmentIn(Versioned):
    person_id = Id(required=True)
    description = Body(5_000, required=True)
    due_at = Moment(required=True)


class CommitmentSettlementIn(Versioned):
    status = fields.String(required=True, validate=validate.OneOf([s for s in COMMITMENT_STATUSES if s != "open"]))


def _transition_input(declared: Input) -> fields.Field:
    takers = ", ".join(name for name, trigger in DECLARED.items() if declared.name in trigger.inputs)
    metadata = {"description": f"{declared.label}; taken by {takers}"}
    if declared.kind == "option":
        return Id(load_default=None, allow_none=True, metadata=metadata)
    return Text(load_default=None, allow_none=True, validate=validate.Length(max=declared.max_length),
                metadata=metadata)


def _trigger_described(trigger) -> str:
    sources = " or ".join(trigger.source)
    needs = ", ".join(trigger.conditions)
    return f"`{trigger.name}` ({sources} -> {trigger.dest}; needs {needs}): {trigger.explanation}"


# The fields every trigger may take, and each trigger's way and conditions, as
# mediation.lifecycle declares them.
TransitionIn = Schema.from_dict(
    {
        "trigger": fields.String(required=True, validate=validate.OneOf(TRIGGERS), metadata={
            "description": "One of: " + " ".join(_trigger_described(t) for t in DECLARED.values())}),
        "expected_version": ExpectedVersion(required=True),
        **{name: _transition_input(declared) for name, declared in INPUTS.items()},
    },
    name="TransitionIn",
)


# --- queries -----------------------------------------------------------------------------


class PageQuery(Schema):
    after = QueryInteger(load_default=None, validate=validate.Range(min=0, max=MAX_ID))
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class NewestFirstQuery(Schema):
    """A list newest first: `before` is the id the next page starts below."""

    before = QueryInteger(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class DisputeQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    account_id = QueryId(load_default=None)
    project_id = QueryId(load_default=None)
    severity = fields.String(load_default=None, validate=validate.OneOf(SEVERITIES))
    stale = fields.Boolean(load_default=None)
    customer_id = QueryId(load_default=None, metadata={"description": "disputes with this customer"})
    mine = fields.Boolean(load_default=False, metadata={
        "description": "only disputes the caller is part of: as a party, a mediator or a manager of the account"})
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS), metadata={
        "description": "the order, by this column; by default the order disputes were opened in. "
                       "`after` is still the id of the last dispute read"})
    order = fields.String(load_default="asc", validate=validate.OneOf(ORDERS))


class VerifyQuery(Schema):
    digest = fields.String(load_default=None, validate=validate.Regexp(r"^\d+:[0-9a-fA-F]{64}$"))


class InclusionQuery(Schema):
    event = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="must be an event's hash"),
                          metadata={"description": "the event's hash, which identifies it"})
    size = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the tree size the proof is for (default: the latest checkpoint's)"})


class ConsistencyQuery(Schema):
    old_size = fields.Integer(data_key="from", required=True, validate=validate.Range(min=0, max=2**31 - 1),
                              metadata={"description": "the size of the older tree, e.g. one a witness cosigned"})
    new_size = fields.Integer(data_key="to", load_default=None, validate=validate.Range(min=0, max=2**31 - 1),
                              metadata={"description": "the size of the newer tree (default: the latest checkpoint's)"})


# --- representations out ----------------------------------------------------------------


class OrganizationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()


class PersonOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    organization_id = fields.Integer()
    roles = fields.Function(lambda person: sorted(person.roles))
    disabled = fields.Function(lambda person: person.disabled_at is not None)
    created_at = fields.DateTime()


class TokenIn(Schema):
    label = Title(required=True, metadata={"description": "what the token is for, to recognise it later"})


class TokenOut(Schema):
    """A token as its owner sees it later: never the token itself, only its first characters."""

    id = fields.Integer()
    label = fields.String()
    scope = fields.String(metadata={"description": "`api`, or `calendar` for a token that only reads calendar feeds"})
    hint = fields.String(metadata={"description": "the token's first characters"})
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenOut(TokenOut):
    token = fields.String(metadata={"description": "the token, shown this once and never again"})


class AccountOut(Schema):
    id = fields.Integer()
    name = fields.String()
    supplier_id = fields.Integer()
    customer_id = fields.Integer()
    manager_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()
    contact_ceiling_per_week = fields.Integer()


class ProjectOut(Schema):
    id = fields.Integer()
    name = fields.String()
    account_id = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()


class PartyOut(Schema):
    person_id = fields.Integer()
    name = fields.String()
    organization_id = fields.Integer()
    company = fields.String()


class StoryOut(Schema):
    id = fields.Integer()
    party_id = fields.Integer()
    recorded_by_id = fields.Integer()
    text = fields.String(allow_none=True)
    declined = fields.Boolean()
    visibility = fields.String()
    created_at = fields.DateTime()


class OptionOut(Schema):
    id = fields.Integer()
    summary = fields.String()
    value_to_supplier = fields.Integer()
    value_to_customer = fields.Integer()
    mutual_value = fields.Boolean()
    accepted_by = fields.List(fields.String())
    proposed_by_id = fields.Integer()
    created_at = fields.DateTime()


class AcceptanceOut(Schema):
    id = fields.Integer()
    option_id = fields.Integer()
    person_id = fields.Integer()
    organization_id = fields.Integer()
    company = fields.String()
    created_at = fields.DateTime()


class NoteOut(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    text = fields.String()
    visibility = fields.String()
    created_at = fields.DateTime()


class CommitmentOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    description = fields.String()
    due_at = fields.DateTime()
    status = fields.String()
    overdue = fields.Boolean()
    recorded_by_id = fields.Integer()
    created_at = fields.DateTime()
    settled_at = fields.DateTime(allow_none=True)


class ResolutionOut(Schema):
    option_id = fields.Integer(allow_none=True)
    summary = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)


class DisputeOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    account_id = fields.Integer()
    project_id = fields.Integer(allow_none=True)
    severity = fields.String()
    state = fields.String()
    version = fields.Integer()
    mediator_id = fields.Integer(allow_none=True)
    co_mediator_id = fields.Integer(allow_none=True)
    opened_by_id = fields.Integer()
    stale = fields.Boolean()
    available_triggers = fields.List(fields.String())
    resolution = fields.Nested(ResolutionOut)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    state_changed_at = fields.DateTime()


class EscalationProtocolOut(Schema):
    protocol_id = fields.Integer()
    in_force_for_this_dispute = fields.Boolean()


class DisputeDetailOut(DisputeOut):
    escalation_protocol = fields.Nested(EscalationProtocolOut, allow_none=True)
    parties = fields.List(fields.Nested(PartyOut))
    stories = fields.List(fields.Nested(StoryOut))
    options = fields.List(fields.Nested(OptionOut))
    acceptances = fields.List(fields.Nested(AcceptanceOut))
    notes = fields.List(fields.Nested(NoteOut), metadata={
        "description": "The latest notes the caller may read, at most 50, oldest first; "
                       "GET /disputes/{id}/notes reads every one in pages."})
    earlier_notes = fields.Integer(metadata={
        "description": "How many notes the caller may read come before those in `notes`."})
    commitments = fields.List(fields.Nested(CommitmentOut))


class EventOut(Schema):
    """An event as the ledger holds it, with what recomputes its hash. Its chain is its
    account's shared chain (or the supplier's internal one, or the installation's)."""

    sequence = fields.Integer(allow_none=True, metadata={
        "description": "the event's place among all events: the supplier's to see, null for a customer"})
    chain = fields.String(metadata={"description": "account:ID, account:ID/internal or installation"})
    chain_sequence = fields.Integer(metadata={"description": "the event's place in its chain, from 1"})
    occurred_at = fields.DateTime()
    actor = fields.Function(
        lambda e: {
            "person_id": e.actor_person_id,
            "organization_id": e.actor_organization_id,
            "role": e.actor_role,
        }
    )
    subject = fields.Function(lambda e: {"type": e.subject_type, "id": e.subject_id})
    kind = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    payload = fields.Function(lambda e: e.data)
    prev_hash = fields.String()
    hash = fields.String()


_EVENT = EventOut()


def event_dump(actor):
    """How `actor` reads events: a customer never sees an event's place among all events,
    whose gaps would tell of the supplier's other customers."""
    if actor.is_supplier:
        return _EVENT.dump
    return lambda event: {**_EVENT.dump(event), "sequence": None}


class InclusionOut(Schema):
    leaf_index = fields.Integer(metadata={"description": "the event's leaf in the ledger's tree"})
    path = fields.List(fields.String(), metadata={
        "description": "the audit path of RFC 9162 2.1.3, hex, from the leaf's sibling up"})


class BundleEventOut(EventOut):
    inclusion = fields.Nested(InclusionOut, metadata={
        "description": "the proof that the event is in the tree of the bundle's checkpoint"})


class BundleSubjectOut(Schema):
    type = fields.String()
    id = fields.Integer()
    title = fields.String()


class ProofBundleOut(Schema):
    """A history to verify offline with `accord audit verify-bundle`: what one company may
    read of a subject, each event with its proof against the signed checkpoint given."""

    format = fields.String(metadata={"description": "accord-proof-bundle/1"})
    subject = fields.Nested(BundleSubjectOut)
    exported_at = fields.DateTime()
    company = fields.String(metadata={"description": "supplier or customer: whose reading of the history this is"})
    origin = fields.String(metadata={"description": "the log's name, the first line of the checkpoint"})
    checkpoint = fields.String(metadata={
        "description": "the signed note of the checkpoint, with its cosignature lines"})
    event_count = fields.Integer(metadata={"description": "how many events the bundle holds"})
    newer_events_left_out = fields.Integer(metadata={
        "description": "events of the subject written after the checkpoint, left out: no proof holds them yet"})
    events = fields.List(fields.Nested(BundleEventOut))


def bundle_dump(actor, bundle, exported_at: datetime) -> dict:
    """The bundle as JSON, its events as `actor` reads them (event_dump)."""
    dump = event_dump(actor)
    return {
        "format": proof_bundles.FORMAT,
        "subject": {"type": bundle.subject_type, "id": bundle.subject_id, "title": bundle.title},
        "exported_at": exported_at.isoformat(),
        "company": actor.company,
        "origin": bundle.origin,
        "checkpoint": bundle.note,
        "event_count": len(bundle.events),
        "newer_events_left_out": bundle.newer_events_left_out,
        "events": [{**dump(proven.event), "inclusion": {"leaf_index": proven.event.leaf_index,
                                                        "path": [node.hex() for node in proven.path]}}
                   for proven in bundle.events],
    }
