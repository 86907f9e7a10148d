"""Delivering webhooks: signed as the Standard Webhooks specification says, at least once,
every attempt under the delivery's one webhook-id, with back-off for a day.

A sender claims due deliveries for a while as the mail sender claims mail (see
outreach.sending). An answer in the 2xx range delivers; anything else, or no answer in
time, is tried again after 1, 2, 4 ... minutes, at most an hour apart. A delivery still
failing a day after its event gives up: its subscription is disabled and its
organization's administrators are told. Each attempt is logged with its time, status and
duration. Redirects are not followed, and the URL is checked again before each attempt
(a name may come to resolve to a private address).
"""

import http.client
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook as Signer

from mediation.db import is_postgres
from mediation.db import write_transaction
from mediation.parties import Person
from outreach.models import Webhook
from outreach.models import WebhookAttempt
from outreach.models import WebhookDelivery
from outreach.notices import Notice
from outreach.notices import notify
from outreach.webhooks import Refused
from outreach.webhooks import check_url

BATCH = 50
LEASE = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=24)
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Delivered:
    delivered: int = 0
    failed: int = 0


def signed_headers(delivery: WebhookDelivery, secret: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Accord-Webhooks",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Signer(secret).sign(delivery.message_id, at, delivery.payload),
    }


def deliver_due(now: datetime, limit: int = BATCH) -> Delivered:
    delivered = failed = 0
    for delivery, webhook in _claim(now, limit):
        if _attempt(delivery, webhook, now):
            delivered += 1
        else:
            failed += 1
    return Delivered(delivered, failed)


def _claim(now: datetime, limit: int) -> list[tuple[WebhookDelivery, Webhook]]:
    live = Webhook.select(Webhook.id).where(Webhook.disabled_at.is_null())
    with write_transaction():
        due = (WebhookDelivery.select()
               .where(WebhookDelivery.delivered_at.is_null() & WebhookDelivery.given_up_at.is_null()
                      & (WebhookDelivery.next_attempt_at <= now) & WebhookDelivery.webhook.in_(live)
                      & (WebhookDelivery.claimed_until.is_null() | (WebhookDelivery.claimed_until < now)))
               .order_by(WebhookDelivery.id).limit(limit))
        if is_postgres():
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        claimed = list(due)
        if claimed:
            (WebhookDelivery.update(claimed_until=now + LEASE)
             .where(WebhookDelivery.id.in_([d.id for d in claimed])).execute())
    webhooks = {w.id: w for w in Webhook.select().where(Webhook.id.in_({d.webhook_id for d in claimed}))}
    return [(delivery, webhooks[delivery.webhook_id]) for delivery in claimed]


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """The status of one POST, without following a redirect."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def _attempt(delivery: WebhookDelivery, webhook: Webhook, now: datetime) -> bool:
    started = time.perf_counter()
    status, error = None, None
    try:
        check_url(webhook.url)
        status = _post(webhook.url, delivery.payload.encode(), signed_headers(delivery, webhook.secret, now))
        if not 200 <= status < 300:
            error = f"answered {status}"
    except Refused as refused:
        error = f"the URL {refused}"
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"
    took = round((time.perf_counter() - started) * 1000)
    attempts = delivery.attempts + 1
    with write_transaction():
        WebhookAttempt.create(delivery=delivery.id, attempted_at=now, status_code=status, duration_ms=took,
                              error=error)
        values = {"attempts": attempts, "claimed_until": None, "last_status": status}
        if error is None:
            values.update(delivered_at=now, next_attempt_at=None)
        elif now - delivery.created_at >= GIVE_UP_AFTER:
            values.update(given_up_at=now, next_attempt_at=None)
            _disable(webhook, now, error)
        else:
            values["next_attempt_at"] = now + min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=1))
        WebhookDelivery.update(**values).where(WebhookDelivery.id == delivery.id).execute()
    return error is None


def _disable(webhook: Webhook, now: datetime, error: str) -> None:
    reason = f"every delivery failed for a day; the last: {error}"
    Webhook.update(disabled_at=now, disabled_because=reason).where(
        (Webhook.id == webhook.id) & Webhook.disabled_at.is_null()).execute()
    admins = Person.select(Person.id).where((Person.organization == webhook.organization_id)
                                            & Person.roles_text.contains("admin"))
    notify({person_id for (person_id,) in admins.tuples()},
           Notice("webhook_disabled", "webhook", webhook.id, None, "disabled",
                  f"Webhook to {webhook.url} disabled: {reason}", f"/admin/webhooks/{webhook.id}", urgent=True,
                  organization_id=webhook.organization_id),
           now)
