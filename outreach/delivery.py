"""Rounds of delivery: each finds what has come due (outreach.scan), composes the mail due
(outreach.composing) and sends the outbox (outreach.sending). `accord notify` runs one
round and exits, for cron; `accord worker` and the demo run rounds until stopped, each
round first integrating the ledger's new events into its tree and signing a checkpoint
(mediation.checkpoints) when given the installation's key. Rounds may run in several
processes at once: each notification and mail is written once, a mail is sent by one
sender at a time, and one integrator works at a time."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation import checkpoints
from outreach import sending
from outreach import webhook_sending
from outreach.composing import compose
from outreach.config import MailConfig
from outreach.scan import scan

INTERVAL_SECONDS = 30
log = logging.getLogger("accord.delivery")


@dataclass(frozen=True)
class Round:
    told: int  # notifications written
    composed: int  # mails composed
    sent: sending.Sent
    waiting: int  # mails in the outbox after the round
    smtp: bool
    hooks: webhook_sending.Delivered
    integrated: checkpoints.Integration | None = None

    def __str__(self) -> str:
        parts = [_count(self.told, "new notification"), _count(self.composed, "mail") + " composed"]
        if self.smtp:
            parts.append(f"{self.sent.sent} sent")
            if self.sent.failed:
                parts.append(f"{self.sent.failed} refused, to be tried again")
        parts.append(f"{self.waiting} waiting in the outbox" + ("" if self.smtp else " (no ACCORD_SMTP_URL)"))
        parts.append(f"{self.hooks.delivered} webhook deliver{'y' if self.hooks.delivered == 1 else 'ies'}")
        if self.hooks.failed:
            parts.append(f"{self.hooks.failed} failed, to be tried again")
        if self.integrated is not None:
            parts.append(_count(self.integrated.added, "ledger event") + " integrated")
            if self.integrated.checkpoint is not None:
                parts.append(f"checkpoint signed at {_count(self.integrated.size, 'event')}")
        return ", ".join(parts)

    @property
    def news(self) -> bool:
        return bool(self.told or self.composed or self.sent.sent or self.sent.failed or self.hooks.delivered
                    or self.hooks.failed or (self.integrated and self.integrated.added))


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


def deliver_due(clock, config: MailConfig, signing_key: Ed25519PrivateKey | None = None) -> Round:
    """Integrate the ledger (with a signing key), find what is due, compose the mail due,
    send what the outbox holds, deliver the webhooks due."""
    integrated = checkpoints.integrate(clock.now(), signing_key) if signing_key is not None else None
    told = scan(clock.now())
    composed = compose(clock.now(), config)
    sent = sending.send_due(clock.now(), config)
    hooks = webhook_sending.deliver_due(clock.now())
    return Round(told, composed, sent, sending.waiting(), bool(config.smtp_url), hooks, integrated)


def run(clock, config: MailConfig, stop: threading.Event, interval: float = INTERVAL_SECONDS,
        report: Callable[[Round], None] = lambda done: None, signing_key: Ed25519PrivateKey | None = None) -> None:
    """Rounds every `interval` seconds until `stop` is set; a round that fails is reported
    and the next one tries again."""
    while not stop.is_set():
        try:
            report(deliver_due(clock, config, signing_key))
        except Exception:
            log.exception("a round of delivery failed; the next round tries again")
        stop.wait(interval)
