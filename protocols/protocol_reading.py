"""The read models of protocols: what the API answers and the pages show of a protocol,
built once so the two never tell it differently (every version, who acknowledged each,
when it was agreed, what may be requested of it, and which version is in force); and a
project's protocols at a glance. Built beside the stored rows, never attached to them."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from mediation.access import Actor
from mediation.parties import Account
from mediation.parties import Project
from protocols import agreement
from protocols import compliance as rules
from protocols.cadence import has_response_time
from protocols.cadence import schedule_of
from protocols.compliance_reading import compliance
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.queries import Acknowledger
from protocols.queries import acknowledgements_of
from protocols.queries import activations_of
from protocols.queries import agreed_at
from protocols.queries import protocols_of_project
from protocols.queries import versions_and_activations
from protocols.queries import versions_of


@dataclass(frozen=True, eq=False)
class VersionRead:
    """One version: its terms as stored, and who acknowledged it for each company."""

    id: int
    number: int
    status: str
    cadence: dict | None
    phases: list
    channel: str
    supplier_point_person_id: int
    customer_point_person_id: int
    backup_ids: list
    agenda: str
    escalation: list
    max_contacts_per_window: int | None
    timezone: str
    effective_from: datetime | None
    in_force_from: datetime | None
    in_force_until: datetime | None
    created_at: datetime
    acknowledgements: tuple[Acknowledger, ...]

    @classmethod
    def of(cls, row: ProtocolVersion, acknowledgements) -> "VersionRead":
        return cls(
            row.id, row.number, row.status, row.cadence, row.phases, row.channel, row.supplier_point_person_id,
            row.customer_point_person_id, row.backup_ids, row.agenda, row.escalation, row.max_contacts_per_window,
            row.timezone, row.effective_from, row.in_force_from, row.in_force_until, row.created_at,
            tuple(acknowledgements),
        )

    @property
    def schedule(self):
        """The phases of this version, the open-ended cadence last (protocols.cadence)."""
        return schedule_of(self.cadence, self.phases)

    @property
    def acknowledged_by(self) -> list[str]:
        """The kinds of company that acknowledged it: "customer", "supplier"."""
        return sorted(a.kind for a in self.acknowledgements)

    @property
    def agreed_at(self) -> datetime | None:
        return agreed_at(list(self.acknowledgements))

    @property
    def available_triggers(self) -> list[str]:
        """What people may ask of it in its status; agreeing and superseding follow from
        acknowledgements, never from a request."""
        return [t for t in agreement.available_triggers(self.status) if t in agreement.REQUESTABLE_TRIGGERS]


@dataclass(frozen=True, eq=False)
class ProtocolRead:
    """A protocol with its versions in order, and the one in force at the moment read."""

    protocol: Protocol
    versions: list[VersionRead]
    current: VersionRead | None

    @property
    def account(self) -> Account:
        return self.protocol.project.account

    @property
    def agreed(self) -> VersionRead | None:
        """The version agreed last, which may not be in force (yet, or without a dispute)."""
        return next((v for v in self.versions if v.status == "agreed"), None)

    @property
    def latest(self) -> VersionRead:
        return self.versions[-1]

    @property
    def zone_name(self) -> str:
        """The protocol's time zone: that of the version in force, else of the latest."""
        return (self.current or self.latest).timezone

    @property
    def takes_incident_reports(self) -> bool:
        """Whether an incident can be reported now: the version in force has a response time."""
        return self.current is not None and has_response_time(self.current.schedule)

    def version(self, number: int) -> VersionRead:
        return next(v for v in self.versions if v.number == number)


def read(protocol: Protocol, now: datetime) -> ProtocolRead:
    """`protocol`, found by queries.get_protocol, as it stands at `now`."""
    rows, activations = versions_and_activations(protocol)
    acknowledged = acknowledgements_of([row.id for row in rows])
    versions = [VersionRead.of(row, acknowledged[row.id]) for row in rows]
    return ProtocolRead(protocol, versions, rules.in_force(protocol, versions, activations, now))


@dataclass(frozen=True)
class ProjectProtocol:
    """One protocol of a project at a glance: the version in force and its status now, the
    version agreed, and the versions still pending."""

    protocol: Protocol
    current: ProtocolVersion | None
    agreed: ProtocolVersion | None
    pending: list[ProtocolVersion]
    status: str | None


@dataclass(frozen=True)
class ProjectProtocols:
    project: Project
    rows: list[ProjectProtocol]

    @property
    def account(self) -> Account:
        return self.project.account

    @property
    def scenarios(self) -> set[str]:
        """The scenarios the project already has a protocol for."""
        return {row.protocol.scenario for row in self.rows}


def project_protocols(actor: Actor, clock, project_id: int) -> ProjectProtocols:
    """The protocols of a project the caller sees (NotFound for a project they do not)."""
    project, protocols = protocols_of_project(actor, project_id)
    ids = [p.id for p in protocols]
    versions = versions_of(ids)
    activations = activations_of(ids)
    now = clock.now()
    rows = []
    for protocol in protocols:
        current = rules.in_force(protocol, versions[protocol.id], activations[protocol.id], now)
        status = None
        if current is not None:
            status = compliance(actor, clock, protocol.id, start=now, end=now + timedelta(seconds=1)).status
        rows.append(ProjectProtocol(
            protocol,
            current,
            next((v for v in versions[protocol.id] if v.status == "agreed"), None),
            [v for v in versions[protocol.id] if v.status in agreement.PENDING],
            status,
        ))
    return ProjectProtocols(project, rows)
