"""Protocol use cases. Each change to a protocol runs in one write transaction with its audit
event; a calendar token, which changes no protocol, is issued in a transaction of its own.

Changes to a protocol's agreement lock the protocol's row first (mediation.db.locked on
PostgreSQL; SQLite's IMMEDIATE transaction already excludes other writers), so two
companies acknowledging at the same moment still end with the version agreed.
"""

from datetime import datetime

from peewee import fn

from mediation.access import Actor
from mediation.credentials import issue_own_token
from mediation.db import locked
from mediation.db import write_transaction
from mediation.access import visible_project
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.ledger import append
from mediation.parties import Organization
from mediation.parties import Person
from protocols import agreement
from protocols import compliance as rules
from protocols import escalation
from protocols.cadence import has_response_time
from protocols.models import ESCALATION
from protocols.models import INITIATORS
from protocols.models import Acknowledgement
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint
from protocols.models import protocol_name
from protocols.permissions import contact_capacity
from protocols.permissions import drafting_capacity
from protocols.queries import get_protocol
from protocols.queries import versions_and_activations
from protocols.terms import checked_terms
from protocols.terms import earliest_start
from protocols.terms import starts_at


def _new_version(protocol, number, terms, actor, now) -> ProtocolVersion:
    return ProtocolVersion.create(
        protocol=protocol,
        number=number,
        status="draft",
        cadence=terms.get("cadence"),
        phases=terms["phases"],
        channel=terms["channel"],
        supplier_point_person=terms["supplier_point_person_id"],
        customer_point_person=terms["customer_point_person_id"],
        backup_ids=sorted(set(terms["backup_ids"])),
        agenda=terms["agenda"],
        escalation=terms["escalation"],
        max_contacts_per_window=terms.get("max_contacts_per_window"),
        timezone=terms["timezone"],
        effective_from=terms.get("effective_from"),
        created_by=actor.person_id,
        created_at=now,
    )


def _terms_payload(version: ProtocolVersion) -> dict:
    return {
        "number": version.number,
        "cadence": version.cadence,
        "phases": version.phases,
        "channel": version.channel,
        "supplier_point_person_id": version.supplier_point_person_id,
        "customer_point_person_id": version.customer_point_person_id,
        "backup_ids": version.backup_ids,
        "agenda": version.agenda,
        "escalation": version.escalation,
        "max_contacts_per_window": version.max_contacts_per_window,
        "timezone": version.timezone,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
    }


def _lock(actor: Actor, protocol_id: int, expected_version: int | None) -> Protocol:
    protocol = get_protocol(actor, protocol_id)
    protocol = locked(Protocol.select().where(Protocol.id == protocol.id)).get()
    if expected_version is not None and expected_version != protocol.version:
        raise StaleVersion(protocol.version)
    return protocol


def _bump(protocol: Protocol) -> None:
    Protocol.update(version=Protocol.version + 1).where(Protocol.id == protocol.id).execute()
    protocol.version += 1


def _event(protocol, actor_signature, now, kind, payload, from_state=None, to_state=None):
    append("protocol", protocol.id, kind, account_id=protocol.project.account_id, actor=actor_signature, at=now,
           from_state=from_state, to_state=to_state, payload=payload)


def create_protocol(actor: Actor, clock, *, project_id: int, scenario: str, **terms) -> Protocol:
    with write_transaction():
        project = visible_project(actor, project_id)
        capacity = drafting_capacity(actor, project.account_id)
        if Protocol.select().where((Protocol.project == project.id) & (Protocol.scenario == scenario)).exists():
            raise Invalid.field("scenario", f"the project already has a {scenario} protocol; add a version to it")
        terms = checked_terms(project.account, terms)
        now = clock.now()
        protocol = Protocol.create(project=project, scenario=scenario, created_by=actor.person_id, created_at=now)
        version = _new_version(protocol, 1, terms, actor, now)
        signature = actor.signing(capacity)
        _event(protocol, signature, now, "protocol_created", {"project_id": project.id, "scenario": scenario})
        _event(protocol, signature, now, "version_drafted", _terms_payload(version), to_state="draft")
    return protocol


def add_version(actor: Actor, clock, protocol_id: int, *, expected_version=None, **terms) -> ProtocolVersion:
    """A new draft; a pending draft or proposal it replaces is retired."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, expected_version)
        capacity = drafting_capacity(actor, protocol.project.account_id)
        terms = checked_terms(protocol.project.account, terms, earliest_start(protocol.id))
        now = clock.now()
        signature = actor.signing(capacity)
        for pending in ProtocolVersion.select().where(
            (ProtocolVersion.protocol == protocol.id) & ProtocolVersion.status.in_(agreement.PENDING)
        ):
            _set_status(protocol, pending, "retire", signature, now, reason="replaced by a new draft")
        number = ProtocolVersion.select(fn.MAX(ProtocolVersion.number)).where(
            ProtocolVersion.protocol == protocol.id
        ).scalar() + 1
        version = _new_version(protocol, number, terms, actor, now)
        _bump(protocol)
        _event(protocol, signature, now, "version_drafted", _terms_payload(version), to_state="draft")
    return version


def _set_status(protocol, version, trigger, signature, now, companies=(), **payload) -> None:
    before = version.status
    version.status = agreement.fire(before, trigger, companies)
    columns = {"status": version.status}
    if trigger == "retire" and version.in_force_from is not None:
        version.in_force_until = max(now, version.in_force_from)
        columns["in_force_until"] = version.in_force_until
    ProtocolVersion.update(**columns).where(ProtocolVersion.id == version.id).execute()
    _event(protocol, signature, now, f"version_{version.status}", {"number": version.number, **payload},
           from_state=before, to_state=version.status)


def _version(protocol: Protocol, number: int) -> ProtocolVersion:
    version = ProtocolVersion.get_or_none(
        (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == number)
    )
    if version is None:
        raise NotFound("protocol version", number)
    return version


def transition_version(actor: Actor, clock, protocol_id: int, number: int, *, trigger: str,
                       expected_version=None) -> ProtocolVersion:
    """`propose` a draft or `retire` a version, as the account's managers."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, expected_version)
        capacity = drafting_capacity(actor, protocol.project.account_id)
        version = _version(protocol, number)
        if trigger not in agreement.REQUESTABLE_TRIGGERS:
            raise Invalid.field("trigger", f"must be one of: {', '.join(agreement.REQUESTABLE_TRIGGERS)}")
        _set_status(protocol, version, trigger, actor.signing(capacity), clock.now())
        _bump(protocol)
    return version


def acknowledge(actor: Actor, clock, protocol_id: int, *, version: int) -> ProtocolVersion:
    """The caller acknowledges exactly this version for their company; the second company's
    acknowledgement makes it agreed and supersedes the version in force before it."""
    with write_transaction():
        protocol = _lock(actor, protocol_id, None)
        capacity = contact_capacity(actor, protocol)
        target = ProtocolVersion.get_or_none(
            (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == version)
        )
        if target is None:
            raise Invalid.field("version", f"protocol {protocol.id} has no version {version}")
        if target.status != "proposed":
            raise Invalid.field("version", f"version {version} is {target.status}; only a proposed version is acknowledged")
        if Acknowledgement.select().where(
            (Acknowledgement.version == target.id) & (Acknowledgement.organization == actor.organization.id)
        ).exists():
            raise Invalid.field("version", f"{actor.organization.name} has already acknowledged version {version}")
        # Checked again here, before anything is written: the version in force may have
        # changed (been retired, say) since this one was drafted.
        earliest = earliest_start(protocol.id)
        problem = earliest.refuses(target.effective_from) if earliest is not None else None
        if problem:
            raise Invalid.field("effective_from", f"version {version} would come into force at "
                                f"{target.effective_from.isoformat()}, before {earliest.moment.isoformat()}, "
                                f"when {earliest.reason}: draft a version that starts later")
        now = clock.now()
        Acknowledgement.create(version=target, person=actor.person_id, organization=actor.organization.id, created_at=now)
        signature = actor.signing(capacity)
        _event(protocol, signature, now, "version_acknowledged",
               {"number": version, "organization_id": actor.organization.id, "company": actor.company})
        kinds = {
            kind
            for (kind,) in Acknowledgement.select(Organization.kind)
            .join(Organization)
            .where(Acknowledgement.version == target.id)
            .tuples()
        }
        if {"supplier", "customer"} <= kinds:
            _agree(protocol, target, signature, now, kinds, starts_at(target, now, earliest))
        _bump(protocol)
    return target


def _agree(protocol, target, signature, now, kinds, starts) -> None:
    """`target` agreed at `now` and in force from `starts`, which may lie before `now`
    (back-dated) or after it; the version agreed before it is in force until then."""
    for previous in ProtocolVersion.select().where(
        (ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.status == "agreed")
    ):
        previous.in_force_until = starts
        ProtocolVersion.update(in_force_until=starts).where(ProtocolVersion.id == previous.id).execute()
        _set_status(protocol, previous, "supersede", signature, now, successor=target.number,
                    in_force_until=starts.isoformat())
    target.in_force_from = starts
    ProtocolVersion.update(in_force_from=starts).where(ProtocolVersion.id == target.id).execute()
    _set_status(protocol, target, "agree", signature, now, kinds, agreed_at=now.isoformat(),
                in_force_from=starts.isoformat())
    if protocol.scenario == ESCALATION:
        escalation.activate_for_open_disputes(protocol, signature, now, since=starts)


def _require_in_force(protocol, versions, activations, at, field) -> ProtocolVersion:
    version = rules.in_force(protocol, versions, activations, at)
    if version is None:
        raise Invalid.field(field, "the protocol was not in force at that time")
    return version


def log_touchpoint(actor: Actor, clock, protocol_id: int, *, occurred_at: datetime, channel: str,
                   supplier_person_id: int, customer_person_id: int, summary: str,
                   initiated_by: str | None = None) -> Touchpoint:
    """Log a contact; `initiated_by` names the company that started it, so that too much or
    too little contact can be put down to one of them."""
    if initiated_by is not None and initiated_by not in INITIATORS:
        raise Invalid.field("initiated_by", f"must be one of: {', '.join(INITIATORS)}")
    with write_transaction():
        protocol = get_protocol(actor, protocol_id)
        capacity = contact_capacity(actor, protocol)
        now = clock.now()
        if occurred_at > now:
            raise Invalid.field("occurred_at", "a touchpoint cannot be in the future")
        versions, activations = versions_and_activations(protocol)
        _require_in_force(protocol, versions, activations, occurred_at, "occurred_at")
        account = protocol.project.account
        people = {p.id: p for p in Person.select().where(Person.id.in_([supplier_person_id, customer_person_id]))}
        errors = {}
        if getattr(people.get(supplier_person_id), "organization_id", None) != account.supplier_id:
            errors["supplier_person_id"] = [f"person {supplier_person_id} is not a person of the supplier"]
        if getattr(people.get(customer_person_id), "organization_id", None) != account.customer_id:
            errors["customer_person_id"] = [f"person {customer_person_id} is not a person of the customer"]
        if errors:
            raise Invalid(errors)
        touchpoint = Touchpoint.create(
            protocol=protocol, occurred_at=occurred_at, channel=channel,
            supplier_person=supplier_person_id, customer_person=customer_person_id,
            summary=summary, logged_by=actor.person_id, created_at=now, initiated_by=initiated_by,
        )
        _event(protocol, actor.signing(capacity), now, "touchpoint_logged", {
            "touchpoint_id": touchpoint.id, "occurred_at": occurred_at.isoformat(), "channel": channel,
            "supplier_person_id": supplier_person_id, "customer_person_id": customer_person_id,
            "summary": summary, "initiated_by": initiated_by,
        })
    return touchpoint


def report_incident(actor: Actor, clock, protocol_id: int, *, started_at: datetime, summary: str) -> Incident:
    """Start the clock of a response-time cadence."""
    with write_transaction():
        protocol = get_protocol(actor, protocol_id)
        capacity = contact_capacity(actor, protocol)
        now = clock.now()
        if started_at > now:
            raise Invalid.field("started_at", "an incident cannot start in the future")
        versions, activations = versions_and_activations(protocol)
        version = _require_in_force(protocol, versions, activations, started_at, "started_at")
        if not has_response_time(version.schedule):
            raise Invalid.field("started_at", "the version in force then has no response-time cadence")
        incident = Incident.create(protocol=protocol, started_at=started_at, summary=summary,
                                   reported_by=actor.person_id, created_at=now)
        _event(protocol, actor.signing(capacity), now, "incident_reported",
               {"incident_id": incident.id, "started_at": started_at.isoformat(), "summary": summary})
    return incident


def issue_calendar_token(actor: Actor, clock, protocol: Protocol | None = None) -> str:
    """A token that only reads calendar feeds, to paste into a calendar app as part of a
    URL, named after `protocol` when it is for one. It is shown once, and only its hash is
    kept."""
    purpose = "calendar: all my protocols" if protocol is None else \
        f"calendar: {protocol_name(protocol.scenario, protocol.project.name)}"
    _, token = issue_own_token(actor, clock.now(), purpose[:200], scope="calendar")
    return token
