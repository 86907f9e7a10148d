"""Listeners told about dispute changes inside the change's own transaction.

Packages that build on mediation (protocols) react to disputes without mediation
importing them: the program installs their listeners at start-up (the app and the
`accord` command call `protocols.install()`), and whatever they write commits or rolls
back together with the dispute change. A dispute change before any install is an error,
so that a program which forgets cannot silently skip what the listeners do.
"""

from collections.abc import Callable

_listeners: tuple[Callable, ...] | None = None


def install(*listeners: Callable) -> None:
    """Make `listeners` (each `listener(dispute, from_state, to_state, actor, now)`) the
    ones told; installing again replaces them."""
    global _listeners
    _listeners = listeners


def dispute_changed(dispute, from_state, to_state, actor, now) -> None:
    if _listeners is None:
        raise RuntimeError(
            "no dispute-change listeners are installed: call protocols.install() at start-up "
            "(the app and the accord command do), or mediation.hooks.install() for none"
        )
    for listener in _listeners:
        listener(dispute, from_state, to_state, actor, now)
