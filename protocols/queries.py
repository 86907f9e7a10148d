"""What is read about protocols, within what the caller may see: the protocols themselves,
their versions and escalation spans, who acknowledged each version, people's names, their
touchpoints and incidents.

`visible_protocols` and `get_protocol` keep each company to its own accounts; the
functions that take ids take those of protocols that have passed that check.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from peewee import fn

from mediation import proof_bundles
from mediation.access import Actor
from mediation.access import readable_chain
from mediation.access import visible_accounts
from mediation.access import visible_project
from mediation.errors import NotFound
from mediation.ledger import events_of
from mediation.paging import page_of
from mediation.reports import require_history_reader
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from protocols.models import ESCALATION
from protocols.models import Acknowledgement
from protocols.models import EscalationActivation
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint


def visible_protocols(actor: Actor | None):
    """Protocols on the caller's accounts; every protocol for the operator (None)."""
    query = Protocol.select(Protocol, Project).join(Project)
    if actor is None:
        return query
    return query.where(Project.account.in_(visible_accounts(actor).select(Account.id)))


def get_protocol(actor: Actor, protocol_id: int) -> Protocol:
    """The protocol, or NotFound when it does not exist or is another customer's."""
    protocol = visible_protocols(actor).where(Protocol.id == protocol_id).first()
    if protocol is None:
        raise NotFound("protocol", protocol_id)
    return protocol


def protocol_history(actor: Actor, protocol_id: int, after: int = 0):
    """The protocol's events after the position `after` (as `access.event_position` gives
    it), oldest first: a customer's people read them in the account's shared chain."""
    protocol = get_protocol(actor, protocol_id)
    return events_of("protocol", protocol.id, after, chain=readable_chain(actor, protocol.project.account_id))


def protocol_bundle(actor: Actor, protocol_id: int) -> proof_bundles.Bundle:
    """A protocol's proof bundle for an auditor or administrator of either company; NotFound
    when their company may not see the protocol, Conflict before the first checkpoint."""
    require_history_reader(actor)
    protocol = get_protocol(actor, protocol_id)
    checkpoint = proof_bundles.signed_checkpoint()
    title = f"{protocol.scenario} protocol of {protocol.project.name}"
    return proof_bundles.bundle("protocol", protocol.id, title, checkpoint, list(protocol_history(actor, protocol.id)))


def protocols_of_project(actor: Actor, project_id: int) -> tuple[Project, list[Protocol]]:
    """The project, NotFound when the caller does not see it, and its protocols, in order."""
    project = visible_project(actor, project_id)
    return project, list(visible_protocols(actor).where(Protocol.project == project.id).order_by(Protocol.id))


def protocols_after(actor: Actor, after: int | None):
    """The protocols the caller may see in order of id, after the protocol `after`: a
    query to read a page of (mediation.paging)."""
    query = visible_protocols(actor)
    if after:
        query = query.where(Protocol.id > after)
    return query.order_by(Protocol.id)


def versions_of(protocol_ids) -> dict[int, list[ProtocolVersion]]:
    result = {pid: [] for pid in protocol_ids}
    query = ProtocolVersion.select().where(ProtocolVersion.protocol.in_(list(protocol_ids)))
    for version in query.order_by(ProtocolVersion.number):
        result[version.protocol_id].append(version)
    return result


def activations_of(protocol_ids) -> dict[int, list[EscalationActivation]]:
    result = {pid: [] for pid in protocol_ids}
    query = EscalationActivation.select().where(EscalationActivation.protocol.in_(list(protocol_ids)))
    for activation in query.order_by(EscalationActivation.started_at):
        result[activation.protocol_id].append(activation)
    return result


def versions_and_activations(protocol: Protocol):
    """What decides when `protocol` was in force (protocols.compliance.expectations): its
    versions, and for an escalation protocol the spans disputes held it in force."""
    versions = versions_of([protocol.id])[protocol.id]
    activations = activations_of([protocol.id])[protocol.id] if protocol.scenario == ESCALATION else []
    return versions, activations


@dataclass(frozen=True)
class Acknowledger:
    """One company's acknowledgement of a version: who gave it, and when."""

    organization_id: int
    company: str
    kind: str
    person: str
    at: datetime


def acknowledgements_of(version_ids) -> dict[int, list[Acknowledger]]:
    """Version id -> its acknowledgements, supplier first, in one query."""
    result: dict[int, list[Acknowledger]] = {version_id: [] for version_id in version_ids}
    if not result:
        return result
    rows = (
        Acknowledgement.select(Acknowledgement.version, Acknowledgement.created_at, Organization.id,
                               Organization.name, Organization.kind, Person.name)
        .join_from(Acknowledgement, Organization)
        .join_from(Acknowledgement, Person)
        .where(Acknowledgement.version.in_(list(result)))
        .order_by(Organization.kind.desc(), Acknowledgement.created_at)
        .tuples()
    )
    for version_id, at, organization_id, company, kind, person in rows:
        result[version_id].append(Acknowledger(organization_id, company, kind, person, at))
    return result


def agreed_at(acknowledgers: list[Acknowledger]) -> datetime | None:
    """When a version was agreed: the moment the second company acknowledged it. Its
    in_force_from may lie before (back-dated) or after (effective later)."""
    if {a.kind for a in acknowledgers} >= {"supplier", "customer"}:
        return max(a.at for a in acknowledgers)
    return None


def names_of(person_ids) -> dict[int, str]:
    """Person id -> name, for every id given that exists."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    return dict(Person.select(Person.id, Person.name).where(Person.id.in_(ids)).tuples())


def recent_touchpoints(protocol_id: int, after: int | None, limit: int) -> tuple[list[Touchpoint], bool]:
    """Up to `limit` touchpoints, latest first, continuing after the touchpoint `after`;
    and whether more follow."""
    query = Touchpoint.select().where(Touchpoint.protocol == protocol_id)
    if after is not None:
        cursor = Touchpoint.get_or_none((Touchpoint.id == after) & (Touchpoint.protocol == protocol_id))
        if cursor is not None:
            query = query.where(
                (Touchpoint.occurred_at < cursor.occurred_at)
                | ((Touchpoint.occurred_at == cursor.occurred_at) & (Touchpoint.id < cursor.id))
            )
    found = page_of(query.order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()), limit)
    return found.items, found.more


def touchpoints_after(protocol_id: int, after: int | None):
    """A protocol's touchpoints in the order they were logged, after the touchpoint
    `after`: a query to read a page of (mediation.paging)."""
    query = Touchpoint.select().where(Touchpoint.protocol == protocol_id)
    if after:
        query = query.where(Touchpoint.id > after)
    return query.order_by(Touchpoint.id)


def touchpoint_times(protocol_id: int, start: datetime, end: datetime) -> list[datetime]:
    """When each touchpoint in [start, end) happened, in order."""
    query = (
        Touchpoint.select(Touchpoint.occurred_at)
        .where((Touchpoint.protocol == protocol_id) & (Touchpoint.occurred_at >= start)
               & (Touchpoint.occurred_at < end))
        .order_by(Touchpoint.occurred_at)
    )
    return [touchpoint.occurred_at for touchpoint in query]


def moment_from_sql(value) -> datetime:
    """A timestamp read by hand-written SQL: text on SQLite, a naive datetime on PostgreSQL."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=timezone.utc)


def latest_incidents(protocol_ids) -> dict[int, datetime]:
    """Protocol id -> when its latest incident started, for those that had one."""
    rows = (
        Incident.select(Incident.protocol, fn.MAX(Incident.started_at))
        .where(Incident.protocol.in_(list(protocol_ids)))
        .group_by(Incident.protocol)
        .tuples()
    )
    return {pid: moment_from_sql(started) for pid, started in rows if started is not None}
