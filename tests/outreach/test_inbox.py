"""Each person reads and marks only their own notifications, newest first, a page at a time."""

import pytest

from mediation.db import write_transaction
from mediation.errors import NotFound
from outreach import inbox
from outreach.notices import Notice
from outreach.notices import notify


@pytest.fixture
def many(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["carla"])
    with write_transaction():
        for number in range(30):
            world.clock.advance(minutes=1)
            notify({world.id("carla"), world.id("alice")},
                   Notice("dispute_update", "dispute", dispute.id, dispute.account_id, f"n{number}",
                          f"Update {number}", f"/disputes/{dispute.id}"), world.clock.now())
    return world


def test_notifications_come_newest_first_a_page_at_a_time(many):
    carla = many.actor("carla")
    first = inbox.notifications_of(carla)
    assert [n.title for n in first.items][:2] == ["Update 29", "Update 28"] and first.more
    rest = inbox.notifications_of(carla, before=first.last.id)
    assert not rest.more
    titles = [n.title for n in first.items + rest.items]
    assert titles == [f"Update {number}" for number in range(29, -1, -1)] + ["Invoice dispute: a new dispute"]


def test_marking_read_counts_down_and_touches_nobody_else(many):
    carla, alice = many.actor("carla"), many.actor("alice")
    unread = inbox.unread_count(carla)
    newest = inbox.notifications_of(carla).items[0]
    inbox.mark_read(carla, newest.id, many.clock.now())
    inbox.mark_read(carla, newest.id, many.clock.now())
    assert inbox.unread_count(carla) == unread - 1
    assert [n.id for n in inbox.notifications_of(carla, unread=True).items][0] != newest.id
    assert inbox.mark_all_read(carla, many.clock.now()) == unread - 1
    assert inbox.unread_count(carla) == 0
    assert inbox.unread_count(alice) == 30


def test_another_persons_notification_does_not_exist_for_the_caller(many):
    theirs = inbox.notifications_of(many.actor("alice")).items[0]
    with pytest.raises(NotFound):
        inbox.mark_read(many.actor("carla"), theirs.id, many.clock.now())
    assert inbox.notifications_of(many.actor("alice")).items[0].read_at is None
