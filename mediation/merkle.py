"""A Merkle tree hashed exactly as RFC 9162 (and RFC 6962 before it) does, with SHA-256.

Using the Certificate Transparency construction rather than one of our own means any
client that can check a transparency log's proofs can check ours, and the published
test vectors of those logs apply unchanged.

Proof building is iterative: it walks down the RFC's recursive split with a lower and
an upper bound instead of recursing. The sibling subtrees' hashes come from a function,
so a proof can be built from a list of leaves here or from stored subtrees, which the
ledger keeps so that a proof reads a few rows instead of every leaf.
"""

import hashlib
from collections.abc import Callable

HASH_SIZE = 32

# The hash of the leaves from `low` to `high` (excluded), for the proofs' walks.
SubtreeRoot = Callable[[int, int], bytes]

# Domain separation: a leaf hash can never be mistaken for an interior node's hash.
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """The hash a leaf enters the tree as; its prefix keeps leaves and nodes apart."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node; its prefix keeps nodes and leaves apart."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def root(leaf_hashes: list[bytes]) -> bytes:
    """The tree hash of already-hashed leaves, so callers can keep leaf hashes stored.

    Pairing each level from the left and carrying an odd last node up unchanged gives
    the same tree as the RFC's split at the largest power of two below the size.
    """
    _check_hashes(leaf_hashes)
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: list[bytes], index: int, size: int) -> list[bytes]:
    """The audit path (RFC 9162 2.1.3.1) that shows leaf `index` is in the tree of the
    first `size` leaves, listed from the leaf's sibling up to the root's other child."""
    _check_hashes(leaf_hashes)
    _check_size(size, len(leaf_hashes), "tree size")
    return inclusion_path(lambda low, high: _subtree_root(leaf_hashes, low, high), index, size)


def inclusion_path(subtree_root: SubtreeRoot, index: int, size: int) -> list[bytes]:
    """`inclusion_proof` with the subtrees' hashes from `subtree_root`."""
    if size == 0:
        raise ValueError("an empty tree has no leaves to prove")
    if index < 0 or index >= size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path = []
    low, high = 0, size
    while high - low > 1:
        middle = low + _split(high - low)
        if index < middle:
            path.append(subtree_root(middle, high))
            high = middle
        else:
            path.append(subtree_root(low, middle))
            low = middle
    path.reverse()
    return path


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf at `index` is in the tree of `size` leaves with
    this root (RFC 9162 2.1.3.2).

    Every argument may come from the party being checked, so anything malformed is a
    failed check, never an exception.

    The proof does not commit to `size` by itself: a size that splits the tree in the
    same way along the leaf's path is accepted too, so the root and its size must come
    together, from one signed checkpoint.
    """
    if not (_is_count(index) and _is_count(size) and _is_hash(leaf_hash) and _is_hash(root)):
        return False
    if not _is_hash_list(proof) or index >= size:
        return False
    climbed = _climb(index, size - 1, leaf_hash, proof)
    return climbed is not None and climbed[1] == root


def consistency_proof(leaf_hashes: list[bytes], old_size: int, new_size: int) -> list[bytes]:
    """The proof (RFC 9162 2.1.4.1) that the tree of the first `old_size` leaves is a
    prefix of the tree of the first `new_size` leaves: an append-only history."""
    _check_hashes(leaf_hashes)
    _check_size(new_size, len(leaf_hashes), "new tree size")
    return consistency_path(lambda low, high: _subtree_root(leaf_hashes, low, high), old_size, new_size)


def consistency_path(subtree_root: SubtreeRoot, old_size: int, new_size: int) -> list[bytes]:
    """`consistency_proof` with the subtrees' hashes from `subtree_root`."""
    if old_size < 0:
        raise ValueError(f"old tree size {old_size} is negative")
    if old_size > new_size:
        raise ValueError(f"old tree size {old_size} is larger than new tree size {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    hashes = []
    low, high = 0, new_size
    # Whether the old tree's own root is the left part of the current subtree, and so
    # already known to the verifier; once the walk turns right it is no longer.
    old_root_is_known = True
    while old_size - low != high - low:
        middle = low + _split(high - low)
        if old_size <= middle:
            hashes.append(subtree_root(middle, high))
            high = middle
        else:
            hashes.append(subtree_root(low, middle))
            low = middle
            old_root_is_known = False
    if not old_root_is_known:
        hashes.append(subtree_root(low, high))
    hashes.reverse()
    return hashes


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """Whether `proof` shows the tree with `old_root` at `old_size` leaves is a prefix of
    the tree with `new_root` at `new_size` leaves (RFC 9162 2.1.4.2).

    Every argument may come from the party being checked, so anything malformed is a
    failed check, never an exception. An empty old tree must have the empty root.
    """
    if not (_is_count(old_size) and _is_count(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not _is_hash_list(proof) or old_size > new_size:
        return False
    if old_size == new_size:
        return proof == [] and old_root == new_root
    if old_size == 0:
        return proof == [] and old_root == EMPTY_ROOT
    if not proof:
        return False
    if _is_power_of_two(old_size):
        # The old tree is a whole subtree of the new one, so the proof leaves its root out.
        proof = [old_root] + proof
    node, last = old_size - 1, new_size - 1
    # Levels where the old tree's last node is a right child are inside the old tree.
    while node % 2 == 1:
        node, last = node >> 1, last >> 1
    climbed = _climb(node, last, proof[0], proof[1:])
    return climbed is not None and climbed == (old_root, new_root)


def _climb(node: int, last: int, start: bytes, proof: list[bytes]) -> tuple[bytes, bytes] | None:
    """Hash `start`, at position `node` of a level whose last position is `last`, up to the
    root with the siblings of `proof`: (the root of the part left of and including `node`,
    the root of the whole tree), or None when the proof is too long or too short. The
    first is the old tree's root in a consistency proof; the second, the root both proofs
    check."""
    left = whole = start
    for sibling in proof:
        if last == 0:
            return None
        if node % 2 == 1 or node == last:
            left = node_hash(sibling, left)
            whole = node_hash(sibling, whole)
            # A last node with no sibling is carried up unchanged through these levels.
            while node % 2 == 0 and node != 0:
                node, last = node >> 1, last >> 1
        else:
            whole = node_hash(whole, sibling)
        node, last = node >> 1, last >> 1
    return (left, whole) if last == 0 else None


def _subtree_root(leaf_hashes: list[bytes], low: int, high: int) -> bytes:
    if low == high:
        return EMPTY_ROOT
    level = leaf_hashes[low:high]
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(size: int) -> int:
    """Where the RFC splits a tree of `size` (at least 2) leaves: the largest power of two below it."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_power_of_two(size: int) -> bool:
    return size & (size - 1) == 0


def _check_hashes(leaf_hashes: list[bytes]) -> None:
    for position, value in enumerate(leaf_hashes):
        if not _is_hash(value):
            raise ValueError(f"leaf {position} is not a {HASH_SIZE}-byte hash; hash leaves with leaf_hash first")


def _check_size(size: int, available: int, what: str) -> None:
    if size < 0:
        raise ValueError(f"{what} {size} is negative")
    if size > available:
        raise ValueError(f"{what} {size} is larger than the {available} leaves given")


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_hash_list(values: object) -> bool:
    return isinstance(values, list) and all(_is_hash(value) for value in values)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
