"""Webhooks of the caller's organization, kept by its administrators: subscribe, list,
remove, read the delivery log, redeliver."""

import json

from flask import Blueprint

from outreach import webhooks
from web import outreach_schemas as schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import paged
from web.api.documented import BODY_ID
from web.api.documented import Page
from web.api.documented import documented
from web.api.documented import link
from web.auth import current_actor

blueprint = Blueprint("webhooks_api", __name__)

_webhook = schemas.WebhookOut()
_subscribed = schemas.SubscribedOut()
_delivery = schemas.DeliveryOut()


def _fields(webhook) -> dict:
    return {"id": webhook.id, "url": webhook.url, "events": webhook.events, "created_at": webhook.created_at,
            "disabled_at": webhook.disabled_at, "disabled_because": webhook.disabled_because}


def _dump_delivery(read) -> dict:
    delivery = read.delivery
    return _delivery.dump({
        "id": delivery.id, "webhook_id": delivery.message_id, "kind": delivery.kind,
        "event": json.loads(delivery.payload), "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at, "given_up_at": delivery.given_up_at,
        "next_attempt_at": delivery.next_attempt_at, "attempts": read.attempts,
    })


@blueprint.post("/webhooks")
@documented("Subscribe a URL to kinds of event; the secret that signs deliveries is answered this once",
            body=schemas.WebhookIn, answers={201: schemas.SubscribedOut}, refuses=(403, 409),
            links=(link("webhooks_api.deliveries", webhook_id=BODY_ID),))
def subscribe():
    data = load_body()
    webhook, secret = webhooks.subscribe(current_actor(), clock().now(), **data)
    return _subscribed.dump({**_fields(webhook), "secret": secret}), 201


@blueprint.get("/webhooks")
@documented("The webhooks of the caller's organization", answers={200: Page(schemas.WebhookOut)}, refuses=(403,))
def list_webhooks():
    return {"items": [_webhook.dump(_fields(w)) for w in webhooks.webhooks_of(current_actor())], "next": None}


@blueprint.delete("/webhooks/<int:webhook_id>")
@documented("Remove a webhook and its delivery log", answers={204: None}, refuses=(403,))
def remove(webhook_id):
    webhooks.remove(current_actor(), clock().now(), webhook_id)
    return "", 204


@blueprint.get("/webhooks/<int:webhook_id>/deliveries")
@documented("A webhook's deliveries, newest first, each with its attempts", query=schemas.WebhookQuery,
            answers={200: Page(schemas.DeliveryOut)}, refuses=(403,))
def deliveries(webhook_id):
    params = load_query()
    found = webhooks.deliveries(current_actor(), webhook_id, before=params["before"], limit=params["limit"])
    return paged(found, _dump_delivery, "webhooks_api.deliveries", cursor=lambda read: read.delivery.id,
                 cursor_param="before", webhook_id=webhook_id)


@blueprint.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
@documented("Deliver once more, in the next round, under the same webhook-id",
            answers={202: schemas.DeliveryOut}, refuses=(403, 409))
def redeliver(webhook_id, delivery_id):
    delivery = webhooks.redeliver(current_actor(), clock().now(), webhook_id, delivery_id)
    return _dump_delivery(webhooks.DeliveryRead(delivery, [])), 202
