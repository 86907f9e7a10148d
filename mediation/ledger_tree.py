"""The ledger's Merkle tree, kept in the database: every event is a leaf, added by the
integrator after its transaction committed, as transparency logs such as Tessera do.

Writers never wait on the tree, and a transaction that rolls back leaves no hole in it:
leaf indices are given only to committed events, one integrator at a time (an advisory
lock on PostgreSQL, the write lock on SQLite). The leaf commits to the event's hash, so a
proof shows nothing of another company's events but hashes.

Each complete subtree's hash is stored the moment its last leaf arrives (level 0 is the
leaves, level L position P covers leaves P*2^L to (P+1)*2^L), so the root at any size
and every proof read O(log n) rows, whatever the tree's size.
"""

from peewee import CharField
from peewee import CompositeKey
from peewee import IntegerField

from mediation import merkle
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import execute
from mediation.db import is_postgres
from mediation.db import portable

INTEGRATION_LOCK_KEY = 0x4143_5452  # "ACTR": one integrator at a time
INTEGRATION_BATCH = 5_000


class TreeNode(BaseModel):
    level = IntegerField()
    position = IntegerField()
    hash = CharField(max_length=64)

    class Meta:
        primary_key = CompositeKey("level", "position")


def size() -> int:
    """How many leaves the tree has: the events integrated so far."""
    last = execute('SELECT MAX("position") FROM "tree_node" WHERE "level" = 0').fetchone()[0]
    return 0 if last is None else last + 1


def integrate(limit: int = INTEGRATION_BATCH) -> int:
    """Add up to `limit` committed events without a leaf to the tree, oldest first;
    how many were added. Must run inside the caller's write transaction."""
    if not database.in_transaction():
        raise RuntimeError("ledger_tree.integrate must run inside a write transaction")
    if is_postgres():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (INTEGRATION_LOCK_KEY,))
    waiting = execute(
        'SELECT "id", "hash" FROM "audit_event" WHERE "leaf_index" IS NULL ORDER BY "sequence" LIMIT ?', (limit,)
    ).fetchall()
    if not waiting:
        return 0
    start = size()
    pending = _left_edge(start)
    nodes = []
    for offset, (_, event_hash) in enumerate(waiting):
        index = start + offset
        node, level, position = merkle.leaf_hash(bytes.fromhex(event_hash)), 0, index
        nodes.append((level, position, node.hex()))
        while position % 2 == 1:
            node, level, position = merkle.node_hash(pending.pop(level), node), level + 1, position // 2
            nodes.append((level, position, node.hex()))
        pending[level] = node
    for first in range(0, len(nodes), 1_000):
        TreeNode.insert_many(nodes[first:first + 1_000], fields=[TreeNode.level, TreeNode.position, TreeNode.hash]).execute()
    cursor = database.cursor()
    cursor.executemany(
        portable('UPDATE "audit_event" SET "leaf_index" = ? WHERE "id" = ?'),
        [(start + offset, event_id) for offset, (event_id, _) in enumerate(waiting)],
    )
    return len(waiting)


def _left_edge(tree_size: int) -> dict[int, bytes]:
    """The complete subtrees still waiting for a right sibling, by level: those the next
    leaf will be hashed with as it climbs."""
    wanted = [(level, (tree_size >> level) - 1) for level in range(tree_size.bit_length()) if tree_size >> level & 1]
    return {level: node for (level, _), node in _read_nodes(wanted).items()}


def root(tree_size: int) -> bytes:
    """The root of the tree of the first `tree_size` leaves."""
    _check_size(tree_size, "tree size")
    return _StoredSubtrees([(0, tree_size)]).subtree_root(0, tree_size)


def inclusion_proof(leaf_index: int, tree_size: int) -> list[bytes]:
    _check_size(tree_size, "tree size")
    return _StoredSubtrees.walk(lambda subtree_root: merkle.inclusion_path(subtree_root, leaf_index, tree_size))


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    _check_size(new_size, "new tree size")
    return _StoredSubtrees.walk(lambda subtree_root: merkle.consistency_path(subtree_root, old_size, new_size))


def _check_size(tree_size: int, what: str) -> None:
    current = size()
    if tree_size > current:
        raise ValueError(f"{what} {tree_size} is larger than the tree, which has {current} leaves")


class _StoredSubtrees:
    """Subtree hashes from the stored complete subtrees, read in one query per proof."""

    def __init__(self, ranges: list[tuple[int, int]]):
        self.nodes = _read_nodes(sorted({block for low, high in ranges for block in _blocks(low, high)}))

    @classmethod
    def walk(cls, build):
        """Run a proof's walk twice: once to learn which subtrees it needs, then with them
        read in a single query."""
        asked = []

        def record(low: int, high: int) -> bytes:
            asked.append((low, high))
            return merkle.EMPTY_ROOT

        build(record)
        return build(cls(asked).subtree_root)

    def subtree_root(self, low: int, high: int) -> bytes:
        if low == high:
            return merkle.EMPTY_ROOT
        hashes = [self.nodes[block] for block in _blocks(low, high)]
        node = hashes.pop()
        while hashes:
            node = merkle.node_hash(hashes.pop(), node)
        return node


def _blocks(low: int, high: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, position) that make up leaves `low` to `high`, left to
    right, largest first: the RFC's split of a range that starts on a boundary."""
    blocks = []
    position = low
    for level in range((high - low).bit_length() - 1, -1, -1):
        if (high - low) >> level & 1:
            blocks.append((level, position >> level))
            position += 1 << level
    return blocks


def _read_nodes(keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not keys:
        return {}
    condition = " OR ".join('("level" = ? AND "position" = ?)' for _ in keys)
    rows = execute(f'SELECT "level", "position", "hash" FROM "tree_node" WHERE {condition}',
                   [value for key in keys for value in key])
    found = {(level, position): bytes.fromhex(node) for level, position, node in rows}
    missing = [key for key in keys if key not in found]
    if missing:
        raise LookupError(f"the stored tree lacks its subtrees {missing}: it is damaged or was not integrated")
    return found
