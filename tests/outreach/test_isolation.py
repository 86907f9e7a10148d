"""Nobody is told what they may not read, checked as a matrix: after activity of every kind
on both customers' accounts (disputes in every stage, internal notes and stories, protocols
agreed and proposed, contact due, commitments), every notification of every kind is about
a subject its person sees, every mail carries only its person's own notifications, and
every webhook delivery is an event its organization may read."""

import json
from datetime import timedelta

from mediation import dispute_queries
from mediation import services
from mediation.errors import NotFound
from outreach.composing import compose
from outreach.config import MailConfig
from outreach.kinds import KINDS
from outreach.models import Mail
from outreach.models import Notification
from outreach.models import WebhookDelivery
from outreach.scan import scan
from outreach.webhooks import subscribe
from protocols.queries import get_protocol
from tests.protocols.test_agreement import ack
from tests.protocols.test_agreement import create
from tests.protocols.test_agreement import propose


def busy(world):
    """Something of every kind on both accounts, some of it internal to the supplier."""
    for account, manager, customer in (("contoso", "alice", "carla"), ("fabrikam", "bob", "frank")):
        for stage in ("intake", "story_gathering", "resolution", "resolved"):
            dispute = world.open_dispute(account, by=manager, title=f"{account} {stage}")
            if stage != "intake":
                world.drive(dispute, stage, by=manager)
            services.add_note(world.actor(manager), world.clock, dispute.id, text="Internal.", visibility="internal")
        services.record_commitment(world.actor(manager), world.clock, dispute.id, person_id=world.id(customer),
                                   description="Confirm", due_at=world.clock.now() + timedelta(days=1))
        protocol = create(world, project=account, by=manager, supplier_point_person_id=world.id(manager),
                          customer_point_person_id=world.id(customer))
        propose(world, protocol.id, 1, by=manager)
        ack(world, protocol.id, 1, manager)
        ack(world, protocol.id, 1, customer)
        proposed = create(world, scenario="executive_review", project=account, by=manager,
                          supplier_point_person_id=world.id(manager), customer_point_person_id=world.id(customer))
        propose(world, proposed.id, 1, by=manager)
    world.clock.advance(days=8)


def sees(actor, notification) -> bool:
    try:
        if notification.subject_type == "dispute":
            dispute_queries.get_dispute(actor, notification.subject_id)
        elif notification.subject_type == "protocol":
            get_protocol(actor, notification.subject_id)
        else:
            return False
    except NotFound:
        return False
    return True


def test_every_notification_mail_and_delivery_is_for_someone_who_may_read_it(world, webhook_receiver):
    hooks = {key: subscribe(world.actor(key), world.clock.now(), url=webhook_receiver.url, events=["*"])[0]
             for key in ("admin", "contoso_admin")}
    busy(world)
    scan(world.clock.now())
    compose(world.clock.now(), MailConfig())
    kinds = {n.kind for n in Notification.select()}
    assert kinds >= set(KINDS) - {"webhook_disabled"}, "every kind of notification is in the matrix"
    people = {person.id: key for key, person in world.people.items()}
    for notification in Notification.select():
        actor = world.actor(people[notification.person_id])
        assert sees(actor, notification), (people[notification.person_id], notification.kind, notification.title)
        assert "Internal." not in notification.title
    for mail in Mail.select().where(Mail.kinds != "invitation"):
        carried = Notification.select().where(Notification.mail == mail.id)
        assert {n.person_id for n in carried} == {mail.person_id}
        for notification in carried:
            assert notification.title in mail.text_body or mail.text_body.count("- ") >= 20
    contoso_events = [json.loads(d.payload) for d in WebhookDelivery.select().where(
        WebhookDelivery.webhook == hooks["contoso_admin"].id)]
    assert contoso_events and all(not (e["data"]["payload"].get("visibility") == "internal") for e in contoso_events)
    fabrikam = world.accounts["fabrikam"].id
    for event in contoso_events:
        subject = event["data"]["subject"]
        assert event["data"]["payload"].get("account_id") != fabrikam
        if subject["type"] == "dispute":
            dispute_queries.get_dispute(world.actor("contoso_admin"), subject["id"])
        elif subject["type"] == "protocol":
            get_protocol(world.actor("contoso_admin"), subject["id"])
        assert "sequence" not in event["data"]
    supplier = WebhookDelivery.select().where(WebhookDelivery.webhook == hooks["admin"].id).count()
    assert supplier > len(contoso_events), "the supplier reads every event"
