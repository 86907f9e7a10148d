"""A person's notifications as the app lists them: newest first, unread counted, marked
read. Each person reads only their own."""

from datetime import datetime

from mediation.access import Actor
from mediation.db import write_transaction
from mediation.errors import NotFound
from mediation.paging import Page
from mediation.paging import page_of
from outreach.models import Notification

PAGE_SIZE = 25


def _own(actor: Actor):
    return Notification.select().where(Notification.person == actor.person_id)


def notifications_of(actor: Actor, *, before: int | None = None, unread: bool = False,
                     limit: int = PAGE_SIZE) -> Page[Notification]:
    """A page of the caller's notifications, newest first, older than the notification
    `before`; only the unread ones with `unread`."""
    query = _own(actor)
    if before:
        query = query.where(Notification.id < before)
    if unread:
        query = query.where(Notification.read_at.is_null())
    return page_of(query.order_by(Notification.id.desc()), limit)


def unread_count(actor: Actor) -> int:
    return _own(actor).where(Notification.read_at.is_null()).count()


def mark_read(actor: Actor, notification_id: int, now: datetime) -> Notification:
    """Mark one of the caller's notifications read (again is harmless); NotFound for
    anyone else's."""
    with write_transaction():
        notification = _own(actor).where(Notification.id == notification_id).first()
        if notification is None:
            raise NotFound("notification", notification_id)
        if notification.read_at is None:
            notification.read_at = now
            notification.save(only=[Notification.read_at])
    return notification


def mark_all_read(actor: Actor, now: datetime) -> int:
    """Mark every unread notification of the caller read; how many were."""
    with write_transaction():
        return (Notification.update(read_at=now)
                .where((Notification.person == actor.person_id) & Notification.read_at.is_null())
                .execute())
