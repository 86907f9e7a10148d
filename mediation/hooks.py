"""Listeners told about dispute changes inside the change's own transaction.

Packages that build on mediation (protocols) react to disputes without mediation
importing them: they register here, and whatever they write commits or rolls back
together with the dispute change.
"""

from collections.abc import Callable

_listeners: list[Callable] = []


def on_dispute_change(listener: Callable) -> Callable:
    """Register `listener(dispute, from_state, to_state, actor, now)`; usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def dispute_changed(dispute, from_state, to_state, actor, now) -> None:
    for listener in _listeners:
        listener(dispute, from_state, to_state, actor, now)
