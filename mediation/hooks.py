"""Listeners told about changes inside the change's own transaction.

Packages that build on mediation react to its changes without mediation importing them:
protocols to dispute changes (a dispute on a project puts its escalation protocol in
force), outreach to every event the ledger records (notifications, webhook deliveries).
The program installs their listeners at start-up (the app and the `accord` command call
`outreach.install()`), and whatever they write commits or rolls back together with the
change. A change before any install is an error, so that a program which forgets cannot
silently skip what the listeners do.
"""

from collections.abc import Callable

_listeners: tuple[Callable, ...] | None = None
_appended: tuple[Callable, ...] | None = None

FORGOTTEN = ("no change listeners are installed: call outreach.install() at start-up (the app and the accord "
             "command do), or mediation.hooks.install() for none")


def install(*listeners: Callable, appended: tuple[Callable, ...] = ()) -> None:
    """Make `listeners` (each `listener(dispute, from_state, to_state, actor, now)`) the ones
    told of dispute changes, and `appended` (each `listener(event)`, an unsaved AuditEvent
    with its sequence) those told of each event the ledger records; installing again
    replaces them."""
    global _listeners, _appended
    _listeners = listeners
    _appended = appended


def dispute_changed(dispute, from_state, to_state, actor, now) -> None:
    if _listeners is None:
        raise RuntimeError(FORGOTTEN)
    for listener in _listeners:
        listener(dispute, from_state, to_state, actor, now)


def event_appended(event) -> None:
    if _appended is None:
        raise RuntimeError(FORGOTTEN)
    for listener in _appended:
        listener(event)
