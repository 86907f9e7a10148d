"""An organization's administrators subscribe URLs to kinds of event; each event their
organization may read is delivered to a real HTTP receiver, signed per Standard Webhooks,
at least once under one webhook-id, retried with back-off for a day and then given up,
the subscription disabled and its administrators told. URLs that point inside the network
are refused unless allowed."""

import json
from datetime import datetime
from datetime import timezone

import pytest
from standardwebhooks.webhooks import Webhook as Signer

from mediation import services
from mediation.directory import disable_person
from mediation.ledger import AuditEvent
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from outreach import webhook_sending
from outreach import webhooks
from outreach.models import Notification
from outreach.models import Webhook
from outreach.models import WebhookAttempt
from outreach.models import WebhookDelivery
from tests.conftest import table_counts
from tests.protocols.test_agreement import ack
from tests.protocols.test_agreement import create
from tests.protocols.test_agreement import propose


def subscribe(world, key, url, events=("*",)):
    return webhooks.subscribe(world.actor(key), world.clock.now(), url=url, events=list(events))


def deliver(world):
    return webhook_sending.deliver_due(world.clock.now())


def bodies(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received]


def test_a_delivery_is_signed_as_standard_webhooks_say(world, webhook_receiver):
    webhook, secret = subscribe(world, "admin", webhook_receiver.url, ["opened"])
    assert secret.startswith("whsec_")
    dispute = world.open_dispute("contoso", title="Late delivery")
    assert deliver(world).delivered == 1
    [received] = webhook_receiver.received
    assert received.path == "/hooks/accord"
    headers = received.headers
    assert headers["webhook-id"].startswith("msg_") and headers["content-type"] == "application/json"
    moment = datetime.fromtimestamp(int(headers["webhook-timestamp"]), timezone.utc)
    assert moment == world.clock.now().replace(microsecond=0)
    assert headers["webhook-signature"] == Signer(secret).sign(headers["webhook-id"], moment, received.body)
    event = json.loads(received.body)
    assert event["type"] == "opened" and event["data"]["subject"] == {"type": "dispute", "id": dispute.id}
    assert event["data"]["payload"]["title"] == "Late delivery"
    assert "sequence" in event["data"] and "hash" in event["data"], "the supplier reads the chain's positions"


def test_only_the_kinds_subscribed_are_delivered(world, webhook_receiver):
    subscribe(world, "admin", webhook_receiver.url, ["transition"])
    dispute = world.open_dispute("contoso")
    world.drive(dispute, "story_gathering")
    deliver(world)
    assert [body["type"] for body in bodies(webhook_receiver)] == ["transition"]


def test_a_customer_receives_only_its_own_accounts_events_and_never_internal_ones(world, webhook_receiver):
    subscribe(world, "contoso_admin", webhook_receiver.url)
    ours = world.open_dispute("contoso")
    world.open_dispute("fabrikam")
    services.add_note(world.actor("alice"), world.clock, ours.id, text="Their CFO is new.", visibility="internal")
    services.add_note(world.actor("alice"), world.clock, ours.id, text="Call on Monday.")
    deliver(world)
    received = bodies(webhook_receiver)
    assert {body["data"]["subject"]["id"] for body in received if body["data"]["subject"]["type"] == "dispute"} == {
        ours.id}
    assert [b["data"]["payload"]["text"] for b in received if b["type"] == "note_added"] == ["Call on Monday."]
    assert all("sequence" not in body["data"] for body in received), "never a place among all events"
    in_chain = [body["data"] for body in received if "chain" in body["data"]]
    assert {data["chain"] for data in in_chain} == {f"account:{world.accounts['contoso'].id}"}
    assert all("hash" not in body["data"] for body in received if "chain" not in body["data"]), \
        "an event of the installation's chain comes without its place and hashes"


def test_a_failed_delivery_is_retried_under_the_same_webhook_id_then_delivered(world, webhook_receiver):
    subscribe(world, "admin", webhook_receiver.url, ["opened"])
    world.open_dispute("contoso")
    webhook_receiver.status = 503
    assert deliver(world).failed == 1
    assert deliver(world).failed == 0, "not before its next attempt"
    world.clock.advance(minutes=1)
    deliver(world)
    webhook_receiver.status = 200
    world.clock.advance(minutes=2)
    assert deliver(world).delivered == 1
    ids = {r.headers["webhook-id"] for r in webhook_receiver.received}
    assert len(webhook_receiver.received) == 3 and len(ids) == 1
    attempts = [(a.status_code, a.error) for a in WebhookAttempt.select().order_by(WebhookAttempt.id)]
    assert attempts == [(503, "answered 503"), (503, "answered 503"), (200, None)]


def test_after_a_day_of_failures_the_webhook_is_disabled_and_its_administrators_told(world, webhook_receiver):
    webhook, _ = subscribe(world, "contoso_admin", webhook_receiver.url, ["opened"])
    world.open_dispute("contoso")
    webhook_receiver.status = 500
    for _ in range(40):
        deliver(world)
        world.clock.advance(hours=1)
    assert Webhook.get_by_id(webhook.id).disabled_at is not None
    assert WebhookDelivery.get().given_up_at is not None
    told = Notification.select().where(Notification.kind == "webhook_disabled")
    assert [n.person_id for n in told] == [world.id("contoso_admin")]
    world.open_dispute("contoso")
    assert WebhookDelivery.select().count() == 1, "a disabled subscription gets nothing more"


def test_a_redelivery_goes_again_under_its_webhook_id(world, webhook_receiver):
    webhook, _ = subscribe(world, "admin", webhook_receiver.url, ["opened"])
    world.open_dispute("contoso")
    deliver(world)
    [read] = webhooks.deliveries(world.actor("admin"), webhook.id).items
    webhooks.redeliver(world.actor("admin"), world.clock.now(), webhook.id, read.delivery.id)
    deliver(world)
    first, second = webhook_receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    assert len(webhooks.deliveries(world.actor("admin"), webhook.id).items[0].attempts) == 2


@pytest.mark.parametrize("url, why", [
    ("http://example.com/hook", "https"),
    ("https://127.0.0.1/hook", "private, loopback or link-local"),
    ("https://10.1.2.3/hook", "private, loopback or link-local"),
    ("https://169.254.169.254/latest", "private, loopback or link-local"),
    ("https://[::1]/hook", "private, loopback or link-local"),
    ("https://localhost/hook", "private, loopback or link-local"),
    ("not a url", "https"),
])
def test_urls_inside_the_network_are_refused_and_nothing_is_written(world, monkeypatch, url, why):
    monkeypatch.delenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    before = table_counts()
    with pytest.raises(Invalid) as refused:
        subscribe(world, "admin", url)
    assert why in refused.value.errors["url"][0]
    assert table_counts() == before


def test_a_url_that_may_no_longer_be_called_is_checked_again_and_not_called(world, webhook_receiver, monkeypatch):
    subscribe(world, "admin", webhook_receiver.url, ["opened"])
    world.open_dispute("contoso")
    monkeypatch.delenv("ACCORD_WEBHOOK_ALLOW_PRIVATE")
    assert deliver(world).failed == 1 and webhook_receiver.received == []
    assert WebhookAttempt.get().error == "the URL must be an https URL"


def test_unknown_event_kinds_are_refused_and_only_administrators_subscribe(world, webhook_receiver):
    with pytest.raises(Invalid) as refused:
        subscribe(world, "admin", webhook_receiver.url, ["opened", "dispute_opened"])
    assert "dispute_opened" in refused.value.errors["events"][0]
    for key in ("alice", "carla", "auditor"):
        with pytest.raises(Forbidden):
            subscribe(world, key, webhook_receiver.url)


def test_every_kind_the_ledger_records_may_be_subscribed_to(world, webhook_receiver):
    dispute = world.drive(world.open_dispute("contoso"), "resolved")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Done.")
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    ack(world, protocol.id, 1, "carla")
    disable_person(None, world.clock, person_id=world.id("gina"))
    webhook, _ = subscribe(world, "admin", webhook_receiver.url)
    webhooks.remove(world.actor("admin"), world.clock.now(), webhook.id)
    recorded = {kind for (kind,) in AuditEvent.select(AuditEvent.kind).distinct().tuples()}
    assert len(recorded) > 15 and recorded <= set(webhooks.EVENT_KINDS)


def test_nothing_is_delivered_for_a_change_that_rolled_back(world, webhook_receiver):
    subscribe(world, "admin", webhook_receiver.url)
    before = WebhookDelivery.select().count()
    dispute = world.open_dispute("contoso")
    with pytest.raises(Exception):
        services.transition(world.actor("alice"), world.clock, dispute.id, trigger="resolve", expected_version=1)
    assert WebhookDelivery.select().count() == before + 1, "the opening alone"


def test_an_organization_keeps_at_most_twenty_webhooks(world, webhook_receiver):
    for _ in range(webhooks.MAX_WEBHOOKS):
        subscribe(world, "contoso_admin", webhook_receiver.url)
    with pytest.raises(Conflict):
        subscribe(world, "contoso_admin", webhook_receiver.url)
    assert len(webhooks.webhooks_of(world.actor("contoso_admin"))) == webhooks.MAX_WEBHOOKS
    subscribe(world, "admin", webhook_receiver.url)
