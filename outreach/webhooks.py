"""Webhooks: an organization's administrators subscribe a URL to kinds of audit event, and
every such event their organization may read is delivered to it, signed.

The rule of what an organization may read of the ledger is stated here for webhooks: the
supplier reads every event; a customer the events of its own accounts that are not
internal, and those about itself and its own people. A customer's deliveries carry the
event's place and hashes in its account's chain, which holds that account's shared events
only, and never the event's sequence among all events or its place in the installation's
chain, which would tell of the supplier's other customers.

A URL must be https and resolve to public addresses only, when subscribing and again at
each delivery; ACCORD_WEBHOOK_ALLOW_PRIVATE=1 lifts both rules (tests, installations on a
private network).
"""

import base64
import ipaddress
import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from mediation.access import Actor
from mediation.db import write_transaction
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import INSTALLATION_CHAIN
from mediation.ledger import AuditEvent
from mediation.ledger import account_of_chain
from mediation.ledger import append
from mediation.ledger import is_internal
from mediation.paging import Page
from mediation.paging import page_of
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from outreach.models import Webhook
from outreach.models import WebhookAttempt
from outreach.models import WebhookDelivery

# Every kind of event the ledger records, for subscribing by name.
EVENT_KINDS = (
    "organization_created", "person_created", "person_disabled", "person_enabled", "person_renamed", "person_roles_changed",
    "account_created", "contact_ceiling_changed", "team_member_added", "team_function_changed",
    "team_member_removed", "project_created", "opened", "party_added", "mediators_assigned", "story_recorded",
    "story_declined", "option_proposed", "option_accepted", "acceptance_retracted", "note_added",
    "commitment_recorded", "commitment_kept", "commitment_broken", "transition", "escalation_in_force",
    "escalation_stood_down", "protocol_created", "version_drafted", "version_proposed", "version_acknowledged",
    "version_agreed", "version_superseded", "version_retired", "touchpoint_logged", "incident_reported",
    "webhook_subscribed", "webhook_removed", "witness_key_registered",
)
ALL = "*"
PAGE_SIZE = 25
MAX_WEBHOOKS = 20  # per organization: its list is read whole


def private_allowed() -> bool:
    return os.environ.get("ACCORD_WEBHOOK_ALLOW_PRIVATE") == "1"


class Refused(ValueError):
    """A webhook URL that may not be called."""


def check_url(url: str) -> list[str]:
    """The addresses `url` may be called at; Refused saying why it may not be."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("is not a URL") from None
    allowed = private_allowed()
    if parts.scheme not in (("https", "http") if allowed else ("https",)) or not parts.hostname:
        raise Refused("must be an https URL")
    try:
        found = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"names a host that does not resolve: {parts.hostname}") from None
    addresses = sorted({info[4][0] for info in found})
    if not allowed:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise Refused(f"resolves to {address}, a private, loopback or link-local address")
    return addresses


# --- who may read an event ---------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose an event is: its account's two companies, or one organization, or the
    installation's (the supplier's) alone; and whether it is internal to the supplier."""

    organizations: frozenset[int]
    internal: bool


def scope_of(event: AuditEvent) -> Scope:
    internal = is_internal(event.data)
    account_id = account_of_chain(event.chain)
    if account_id is not None:
        account = Account.get_by_id(account_id)
        return Scope(frozenset({account.supplier_id, account.customer_id}), internal)
    if event.subject_type == "organization":
        return Scope(frozenset({event.subject_id}), internal)
    if event.subject_type == "person":
        owner = Person.select(Person.organization).where(Person.id == event.subject_id).scalar()
        return Scope(frozenset({owner}), internal)
    return Scope(frozenset(), internal)


def may_read(organization: Organization, scope: Scope) -> bool:
    if organization.kind == "supplier":
        return True
    return not scope.internal and organization.id in scope.organizations


def payload_for(organization: Organization, event: AuditEvent) -> dict:
    """The event as the organization may read it."""
    read = {
        "type": event.kind,
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "subject": {"type": event.subject_type, "id": event.subject_id},
            "kind": event.kind,
            "occurred_at": event.occurred_at.isoformat(),
            "actor": {"person_id": event.actor_person_id, "organization_id": event.actor_organization_id,
                      "role": event.actor_role},
            "from_state": event.from_state,
            "to_state": event.to_state,
            "payload": event.data,
        },
    }
    if organization.kind == "supplier" or event.chain != INSTALLATION_CHAIN:
        read["data"].update(chain=event.chain, chain_sequence=event.chain_sequence, prev_hash=event.prev_hash,
                            hash=event.hash)
    if organization.kind == "supplier":
        read["data"]["sequence"] = event.sequence
    return read


def on_event(event: AuditEvent) -> None:
    """The ledger's listener: a delivery for each live subscription to the event's kind
    whose organization may read it, written in the event's own transaction."""
    subscribed = [webhook for webhook in
                  Webhook.select(Webhook, Organization).join(Organization).where(Webhook.disabled_at.is_null())
                  if ALL in webhook.events or event.kind in webhook.events]
    if not subscribed:
        return
    scope = scope_of(event)
    rows = [
        {"webhook": webhook.id, "event_sequence": event.sequence, "message_id": f"msg_{secrets.token_hex(12)}",
         "kind": event.kind, "payload": json.dumps(payload_for(webhook.organization, event), sort_keys=True),
         "created_at": event.occurred_at, "next_attempt_at": event.occurred_at}
        for webhook in subscribed if may_read(webhook.organization, scope)
    ]
    if rows:
        WebhookDelivery.insert_many(rows).on_conflict_ignore().execute()


# --- subscriptions, as an organization's administrators keep them -------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.has("admin"):
        raise Forbidden("webhooks are kept by the organization's administrators")


def _own(actor: Actor, webhook_id: int) -> Webhook:
    _require_admin(actor)
    webhook = Webhook.get_or_none((Webhook.id == webhook_id) & (Webhook.organization == actor.organization.id))
    if webhook is None:
        raise NotFound("webhook", webhook_id)
    return webhook


def subscribe(actor: Actor, now: datetime, *, url: str, events: list[str]) -> tuple[Webhook, str]:
    """Subscribe `url` to `events` for the caller's organization; the webhook and its
    secret, which is not shown again."""
    _require_admin(actor)
    errors = {}
    try:
        check_url(url)
    except Refused as refused:
        errors["url"] = [str(refused)]
    unknown = sorted(set(events) - set(EVENT_KINDS) - {ALL})
    if unknown:
        errors["events"] = [f"unknown event kinds: {', '.join(unknown)}; use '*' or kinds such as "
                            "transition, option_proposed, version_agreed"]
    elif not events:
        errors["events"] = ["name at least one event kind, or '*' for all"]
    if errors:
        raise Invalid(errors)
    if Webhook.select().where(Webhook.organization == actor.organization.id).count() >= MAX_WEBHOOKS:
        raise Conflict(f"an organization has at most {MAX_WEBHOOKS} webhooks: remove one first")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    chosen = [ALL] if ALL in events else sorted(set(events))
    with write_transaction():
        webhook = Webhook.create(organization=actor.organization.id, url=url, events_text=json.dumps(chosen),
                                 secret=secret, created_by=actor.person_id, created_at=now)
        append("organization", actor.organization.id, "webhook_subscribed", account_id=None, actor=actor.signing("admin"), at=now,
               payload={"webhook_id": webhook.id, "url": url, "events": chosen})
    return webhook, secret


def webhooks_of(actor: Actor) -> list[Webhook]:
    _require_admin(actor)
    return list(Webhook.select().where(Webhook.organization == actor.organization.id).order_by(Webhook.id))


def webhook_of(actor: Actor, webhook_id: int) -> Webhook:
    return _own(actor, webhook_id)


def remove(actor: Actor, now: datetime, webhook_id: int) -> None:
    """Remove the subscription and its delivery log."""
    with write_transaction():
        webhook = _own(actor, webhook_id)
        webhook.delete_instance()
        append("organization", actor.organization.id, "webhook_removed", account_id=None, actor=actor.signing("admin"), at=now,
               payload={"webhook_id": webhook_id, "url": webhook.url})


@dataclass(frozen=True)
class DeliveryRead:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def deliveries(actor: Actor, webhook_id: int, *, before: int | None = None,
               limit: int = PAGE_SIZE) -> Page[DeliveryRead]:
    """A page of the subscription's deliveries, newest first, each with its attempts."""
    webhook = _own(actor, webhook_id)
    query = WebhookDelivery.select().where(WebhookDelivery.webhook == webhook.id)
    if before:
        query = query.where(WebhookDelivery.id < before)
    found = page_of(query.order_by(WebhookDelivery.id.desc()), limit)
    attempts = {}
    for attempt in (WebhookAttempt.select().where(WebhookAttempt.delivery.in_([d.id for d in found.items]))
                    .order_by(WebhookAttempt.id)):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return Page([DeliveryRead(d, attempts.get(d.id, [])) for d in found.items], found.more)


def redeliver(actor: Actor, now: datetime, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Deliver once more, at the next round, under the same webhook-id."""
    with write_transaction():
        webhook = _own(actor, webhook_id)
        if webhook.disabled_at is not None:
            raise Conflict("the webhook was disabled after failing for a day: subscribe the URL again")
        delivery = WebhookDelivery.get_or_none((WebhookDelivery.id == delivery_id)
                                               & (WebhookDelivery.webhook == webhook.id))
        if delivery is None:
            raise NotFound("delivery", delivery_id)
        WebhookDelivery.update(next_attempt_at=now, given_up_at=None, claimed_until=None, delivered_at=None).where(
            WebhookDelivery.id == delivery.id).execute()
    return WebhookDelivery.get_by_id(delivery.id)
