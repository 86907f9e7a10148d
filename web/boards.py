"""The protocol board as the pages and the API serve it. It is the costliest read (a
second for ten thousand protocols) and the home page shows it to everyone, so for each
person it is computed once at a time: requests that come while it is computed wait for it,
and later ones get it for BOARD_SECONDS, unless anyone changed anything meanwhile (the
ledger's head moved).
"""

import threading
from collections import OrderedDict
from datetime import timedelta

from flask import Flask
from flask import current_app

from mediation import ledger
from mediation.access import Actor
from protocols import board as protocol_board
from protocols.board import BoardEntry

BOARD_SECONDS = 30
KEPT_BOARDS = 128
LOCK_STRIPES = 64


class BoardCache:
    """The latest board of up to `kept` people, each with the head and the time it was made
    at. A person's board is computed under one of LOCK_STRIPES locks, which two people
    share now and then."""

    def __init__(self, seconds: int, kept: int = KEPT_BOARDS):
        self.fresh_for = timedelta(seconds=seconds)
        self.kept = kept
        self._boards = OrderedDict()
        self._lock = threading.Lock()
        self._computing = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def board(self, actor: Actor, clock) -> list[BoardEntry]:
        with self._computing[actor.person_id % LOCK_STRIPES]:
            head = ledger.last_sequence()
            now = clock.now()
            with self._lock:
                kept = self._boards.get(actor.person_id)
            if kept is not None and kept[0] == head and timedelta(0) <= now - kept[1] < self.fresh_for:
                return kept[2]
            entries = protocol_board.board(actor, clock)
            with self._lock:
                self._boards[actor.person_id] = (head, now, entries)
                self._boards.move_to_end(actor.person_id)
                while len(self._boards) > self.kept:
                    self._boards.popitem(last=False)
            return entries


def board(actor: Actor, clock) -> list[BoardEntry]:
    """`protocols.board.board` for `actor`, computed again only when it may have changed."""
    return current_app.extensions["accord_boards"].board(actor, clock)


def after(entries: list[BoardEntry], protocol_id: int | None) -> list[BoardEntry]:
    """The entries after that of `protocol_id`, the cursor of a page of the board: all of
    them without a cursor, or when its protocol has left the board meanwhile."""
    if protocol_id:
        for index, entry in enumerate(entries):
            if entry.protocol_id == protocol_id:
                return entries[index + 1:]
    return entries


def register(app: Flask) -> None:
    app.config.setdefault("BOARD_SECONDS", BOARD_SECONDS)
    app.extensions["accord_boards"] = BoardCache(app.config["BOARD_SECONDS"])
