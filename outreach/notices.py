"""Writing notifications: to the people meant, never to anyone who may not read the subject,
and never twice."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mediation.access import seeing_account
from mediation.parties import Person
from outreach.models import Notification


@dataclass(frozen=True)
class Notice:
    """What to tell: of which kind, about which subject of which account (or, for what
    belongs to no account, of which organization), once per `period`."""

    kind: str
    subject_type: str
    subject_id: int
    account_id: int | None
    period: str
    title: str
    path: str
    urgent: bool = False
    event_sequence: int | None = None
    organization_id: int | None = None


def notify(people: Iterable[int], notice: Notice, now: datetime) -> int:
    """Tell `people` of `notice`, leaving out the disabled and those who do not see its
    account (or are not of its organization); how many were told anew."""
    wanted = set(people)
    if not wanted:
        return 0
    audience = (seeing_account(notice.account_id) if notice.account_id is not None
                else Person.organization == notice.organization_id)
    told = Person.select(Person.id).where(Person.id.in_(wanted) & Person.disabled_at.is_null() & audience)
    rows = [
        {
            "person": person_id, "kind": notice.kind, "subject_type": notice.subject_type,
            "subject_id": notice.subject_id, "period": notice.period, "title": notice.title,
            "path": notice.path, "event_sequence": notice.event_sequence, "urgent": notice.urgent,
            "created_at": now,
        }
        for (person_id,) in told.tuples()
    ]
    if not rows:
        return 0
    return Notification.insert_many(rows).on_conflict_ignore().as_rowcount().execute()
