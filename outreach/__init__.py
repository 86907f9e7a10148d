"""Accord reaching people and systems: notifications in the app and by mail, written as
things happen and found by a scan of what waits, and signed webhook deliveries.

It builds on protocols and mediation and is built on by the web layer only.
`install()` connects it and protocols to the changes mediation records: every program
that changes anything calls it once at start-up.
"""

from mediation import hooks
from outreach import fanout
from outreach import passwords
from outreach import webhooks
from protocols import DISPUTE_LISTENERS


def install() -> None:
    hooks.install(*DISPUTE_LISTENERS, appended=(fanout.on_event, webhooks.on_event, passwords.on_event))
