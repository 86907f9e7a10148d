"""Notifications reach people by mail as each asked: at once, or in a daily or weekly
digest on their own clock, never in quiet hours unless urgent, never more than the daily
limit, never a kind turned off. Mail is sent to a real SMTP server, at least once, under
one Message-ID; without a server it waits in the outbox."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from mediation.db import write_transaction
from outreach.composing import compose
from outreach.config import DIGEST_CAP
from outreach.config import MailConfig
from outreach.models import Mail
from outreach.models import Notification
from outreach.notices import Notice
from outreach.notices import notify
from outreach.sending import LEASE
from outreach.sending import _claim
from outreach.sending import connect
from outreach.sending import message_of
from outreach.sending import send_due
from outreach.settings import change_settings

BASE = "https://accord.example.com"


@pytest.fixture
def config(mail_server):
    return MailConfig(smtp_url=mail_server.url, sender="Accord <accord@northwind.example>", base_url=BASE,
                      daily_limit=5)


@pytest.fixture
def dispute(world):
    """A dispute carla is no party to, so that only what a test tells her reaches her."""
    return world.open_dispute("contoso", by="alice", parties=["sam"], title="Late delivery")


def tell(world, dispute, key, number, kind="dispute_update", urgent=False):
    with write_transaction():
        notify({world.id(key)}, Notice(kind, "dispute", dispute.id, dispute.account_id, f"t{number}",
                                       f"Late delivery: news {number}", f"/disputes/{dispute.id}", urgent=urgent),
               world.clock.now())


def deliver(world, config, key="carla"):
    """A round of composing and sending; how many mails it composed for `key`."""
    before = Mail.select().where(Mail.person == world.id(key)).count()
    compose(world.clock.now(), config)
    send_due(world.clock.now(), config)
    return Mail.select().where(Mail.person == world.id(key)).count() - before


def at(world, hour: int, minute: int = 0):
    """The clock at this UTC time of the next day."""
    day = (world.clock.now() + timedelta(days=1)).date()
    world.clock.set(datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc))


def test_what_waits_on_you_is_mailed_at_once_as_a_message_of_two_parts(world, dispute, config, mail_server):
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    assert deliver(world, config) == 1
    [message] = mail_server.inbox.to("carla@contoso.example")
    assert message["Subject"] == "Late delivery: news 1"
    assert message["From"] == "Accord <accord@northwind.example>"
    assert message["Message-ID"].endswith("@northwind.example>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"{BASE}/disputes/{dispute.id}" in text and f'href="{BASE}/disputes/{dispute.id}"' in html
    assert f"{BASE}/profile" in text and "Waiting on you" in text
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith(f"<{BASE}/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.get(Notification.person == world.id("carla")).mail_state == "mailed"
    assert deliver(world, config) == 0 and len(mail_server.inbox.to("carla@contoso.example")) == 1


def test_several_at_once_go_in_one_mail(world, dispute, config, mail_server):
    for number in range(3):
        tell(world, dispute, "carla", number, kind="waiting_on_you")
    deliver(world, config)
    [message] = mail_server.inbox.to("carla@contoso.example")
    assert message["Subject"] == "3 things need you in Accord"
    text = message.get_body(("plain",)).get_content()
    assert text.index("news 2") < text.index("news 1") < text.index("news 0")


def test_daily_kinds_wait_for_the_digest_hour_on_the_persons_own_clock(world, dispute, config, mail_server):
    change_settings(world.actor("carla"), world.clock.now(), timezone="Europe/Berlin", digest_hour=9)
    at(world, 7, 30)  # 08:30 in Berlin in winter
    for number in range(DIGEST_CAP + 3):
        tell(world, dispute, "carla", number)
    assert deliver(world, config) == 0
    world.clock.advance(minutes=30)  # 09:00 in Berlin
    assert deliver(world, config) == 1
    [message] = mail_server.inbox.to("carla@contoso.example")
    assert message["Subject"] == f"Your daily digest from Accord: {DIGEST_CAP + 3} updates"
    text = message.get_body(("plain",)).get_content()
    assert "news 22" in text and "news 2\n" not in text and f"and 3 more: {BASE}/notifications" in text
    tell(world, dispute, "carla", 99)
    world.clock.advance(hours=3)
    assert deliver(world, config) == 0, "one digest a day"
    world.clock.advance(days=1)
    assert deliver(world, config) == 1


def test_weekly_kinds_come_in_mondays_digest(world, dispute, config, mail_server):
    change_settings(world.actor("carla"), world.clock.now(), kinds={"dispute_update": "weekly"})
    at(world, 10)  # a Tuesday: the tests' clock starts on a Monday
    tell(world, dispute, "carla", 1)
    world.clock.advance(days=5)
    assert deliver(world, config) == 0, "Sunday: it waits for Monday's digest"
    world.clock.advance(days=1, hours=-3)
    assert deliver(world, config) == 0, "Monday 07:00, before the digest hour"
    world.clock.advance(hours=1)
    assert deliver(world, config) == 1
    assert mail_server.inbox.to("carla@contoso.example")[0]["Subject"].startswith("Your weekly digest")


def test_quiet_hours_hold_back_everything_but_what_is_urgent(world, dispute, config, mail_server):
    change_settings(world.actor("carla"), world.clock.now(), quiet_hours={"from": "20:00", "to": "07:00"})
    at(world, 22)
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    assert deliver(world, config) == 0
    tell(world, dispute, "carla", 2, kind="stale_dispute", urgent=True)
    assert deliver(world, config) == 1
    assert [m["Subject"] for m in mail_server.inbox.to("carla@contoso.example")] == ["Late delivery: news 2"]
    world.clock.advance(hours=9)  # 07:00
    assert deliver(world, config) == 1
    assert mail_server.inbox.to("carla@contoso.example")[-1]["Subject"] == "Late delivery: news 1"


def test_no_more_than_the_daily_limit_and_the_rest_waits_for_the_next_day(world, dispute, config, mail_server):
    at(world, 12)
    for number in range(config.daily_limit + 2):
        tell(world, dispute, "carla", number, kind="waiting_on_you")
        deliver(world, config)
        world.clock.advance(minutes=10)
    assert len(mail_server.inbox.to("carla@contoso.example")) == config.daily_limit
    at(world, 12)
    deliver(world, config)
    assert len(mail_server.inbox.to("carla@contoso.example")) == config.daily_limit + 1
    assert mail_server.inbox.to("carla@contoso.example")[-1]["Subject"] == "2 things need you in Accord"


def test_a_kind_turned_off_is_never_mailed(world, dispute, config, mail_server):
    change_settings(world.actor("carla"), world.clock.now(), kinds={"waiting_on_you": "off"})
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    assert deliver(world, config) == 0
    assert Notification.get(Notification.person == world.id("carla")).mail_state == "skipped"
    change_settings(world.actor("carla"), world.clock.now(), kinds={"waiting_on_you": "immediate"})
    assert deliver(world, config) == 0 and mail_server.inbox.to("carla@contoso.example") == []


def test_without_an_smtp_server_mail_waits_in_the_outbox_then_goes(world, dispute, config, mail_server):
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    unconfigured = MailConfig(base_url=BASE)
    compose(world.clock.now(), unconfigured)
    assert send_due(world.clock.now(), unconfigured).sent == 0
    mail = Mail.get((Mail.person == world.id("carla")) & (Mail.kinds == "waiting_on_you"))
    assert mail.sent_at is None and mail_server.inbox.messages == []
    send_due(world.clock.now(), config)
    assert Mail.get_by_id(mail.id).sent_at == world.clock.now()
    assert len(mail_server.inbox.to("carla@contoso.example")) == 1


def test_a_refused_mail_is_tried_again_later_and_less_often(world, dispute, config, mail_server):
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    mail_server.inbox.refuse = True
    deliver(world, config)

    def mail():
        return Mail.get((Mail.person == world.id("carla")) & (Mail.kinds == "waiting_on_you"))

    assert (mail().sent_at, mail().attempts) == (None, 1) and "550" in mail().last_error
    assert send_due(world.clock.now(), config).sent == 0, "not before its next attempt"
    world.clock.advance(minutes=1)
    send_due(world.clock.now(), config)
    assert mail().attempts == 2 and mail().next_attempt_at == world.clock.now() + timedelta(minutes=2)
    mail_server.inbox.refuse = False
    world.clock.advance(minutes=2)
    send_due(world.clock.now(), config)
    assert mail().sent_at == world.clock.now() and mail().last_error is None


def test_a_mail_claimed_by_a_sender_that_died_is_sent_again_with_the_same_message_id(world, dispute, config,
                                                                                      mail_server):
    tell(world, dispute, "carla", 1, kind="waiting_on_you")
    world.clock.set(world.clock.now().replace(hour=7))  # before sam's digest hour: carla's mail alone
    compose(world.clock.now(), config)
    # a sender claims it, sends it, and dies before marking it sent
    [claimed] = [m for m in _claim(world.clock.now(), 100) if m.kinds == "waiting_on_you"]

    with connect(config.smtp_url) as connection:
        connection.send_message(message_of(claimed, config))
    assert send_due(world.clock.now(), config).sent == 0, "its claim holds"
    world.clock.advance(seconds=LEASE.total_seconds() + 1)
    send_due(world.clock.now(), config)
    first, second = mail_server.inbox.to("carla@contoso.example")
    assert first["Message-ID"] == second["Message-ID"]
    assert first.get_body(("plain",)).get_content() == second.get_body(("plain",)).get_content()
