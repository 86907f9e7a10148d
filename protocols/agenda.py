"""Everything that waits on a person, across disputes and protocols, each once and most
urgent first: what their home page lists. Someone who only reads (an auditor) is given
the board's own state instead, so that the home never says less than the board.
"""

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from mediation.access import Actor
from mediation.attention import Waiting
from mediation.attention import disputes_waiting_on
from protocols.attention import answered_for
from protocols.attention import awaiting_acknowledgement
from protocols.board import BoardEntry
from protocols.models import ProtocolVersion

# Urgency, lowest first: overdue, due soon, asked for an answer, to move along, to hold off.
_DISPUTE_RANK = {"commitment_overdue": 0, "stale_intake": 0, "commitment_due": 1, "acceptance_awaited": 2,
                 "story_awaited": 2, "running": 3}
_CONTACT_RANK = {"overdue": 0, "due_soon": 1, "over_communicating": 4}
_ACKNOWLEDGEMENT_RANK = 2


@dataclass(frozen=True)
class Item:
    """One thing to do: `kind` is "dispute" (`waiting`), "acknowledgement" (`version`) or
    "contact" (`entry`, a protocol overdue, due soon or contacted more than agreed)."""

    kind: str
    rank: int
    when: datetime
    waiting: Waiting | None = None
    version: ProtocolVersion | None = None
    entry: BoardEntry | None = None

    @property
    def urgent(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class Agenda:
    items: list[Item]
    board_counts: Counter = field(default_factory=Counter)
    board_attention: list[BoardEntry] = field(default_factory=list)


def agenda(actor: Actor, now: datetime, board: list[BoardEntry]) -> Agenda:
    """What waits on `actor` at `now`, given the board of protocols they may see."""
    if actor.is_read_only:
        counts = Counter(entry.compliance.status for entry in board)
        attention = [entry for entry in board if entry.compliance.status != "on_track"]
        return Agenda([], counts, attention)
    items = [Item("dispute", _DISPUTE_RANK[w.reason], w.due_at or w.dispute.state_changed_at, waiting=w)
             for w in disputes_waiting_on(actor, now)]
    items += [Item("acknowledgement", _ACKNOWLEDGEMENT_RANK, version.created_at, version=version)
              for version in awaiting_acknowledgement(actor)]
    items += [Item("contact", _CONTACT_RANK[entry.compliance.status], entry.compliance.next_due_at or now,
                   entry=entry)
              for entry in answered_for(actor, board) if entry.compliance.status in _CONTACT_RANK]
    return Agenda(sorted(items, key=lambda item: (item.rank, item.when)))
