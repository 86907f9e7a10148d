"""What a protocol waits on next, and on whom: the top of its page, for every reader.

A proposed version waits on each company that has not acknowledged it; a draft on the
people who draft for the account; a version in force on its point people, when contact
is overdue, due soon or has been too frequent. Otherwise nothing waits.
"""

from dataclasses import dataclass
from datetime import datetime

from mediation.access import Actor
from mediation.parties import ORGANIZATION_KINDS
from protocols import permissions
from protocols.protocol_reading import ProtocolRead

COMPANIES = ORGANIZATION_KINDS


@dataclass(frozen=True)
class ProtocolStep:
    """`stage` is "acknowledge" (by `companies`), "propose" (a draft, by its drafters) or
    "contact" (`status` overdue, due_soon or over_communicating, by the point people);
    `number` the version concerned, `due_at` the contact's due moment."""

    stage: str
    number: int
    companies: frozenset[str] = frozenset()
    status: str | None = None
    due_at: datetime | None = None


def next_step(read: ProtocolRead, status: str | None, due_at: datetime | None) -> ProtocolStep | None:
    """Given the compliance `status` of the version in force and when contact is next due."""
    latest = read.latest
    if latest.status == "proposed":
        waiting = frozenset(kind for kind in COMPANIES if kind not in latest.acknowledged_by)
        return ProtocolStep("acknowledge", latest.number, companies=waiting)
    if latest.status == "draft":
        return ProtocolStep("propose", latest.number, companies=frozenset({"supplier"}))
    if read.current is not None and status in ("overdue", "due_soon", "over_communicating"):
        return ProtocolStep("contact", read.current.number, status=status, due_at=due_at)
    return None


def is_theirs(step: ProtocolStep | None, reader: Actor, read: ProtocolRead) -> bool:
    """Whether the step is the reader's own to take."""
    if step is None or reader.is_read_only:
        return False
    protocol = read.protocol
    if step.stage == "propose":
        return permissions.may_draft(reader, protocol.project.account_id)
    if step.stage == "acknowledge":
        return reader.company in step.companies and permissions.may_contact(reader, protocol)
    return permissions.may_contact(reader, protocol)
