"""The Merkle tree: RFC 6962 / RFC 9162 hashing, inclusion and consistency proofs.

The known answers are the reference vectors of the Certificate Transparency
implementations (transparency-dev/merkle proof/verify_test.go, the same eight leaves,
roots and proofs as certificate-transparency-go and the C++ log before it), written here
with 0-based leaf indexes. The properties run over random trees of up to 70 leaves.
"""

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mediation.merkle import consistency_proof
from mediation.merkle import inclusion_proof
from mediation.merkle import leaf_hash
from mediation.merkle import node_hash
from mediation.merkle import root
from mediation.merkle import verify_consistency
from mediation.merkle import verify_inclusion

LEAVES = [bytes.fromhex(data) for data in (
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
LEAF_HASHES = [leaf_hash(data) for data in LEAVES]

EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# The root of the tree of the first n leaves, for n = 1..8.
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index, tree size, audit path)
INCLUSION_PROOFS = [
    (0, 1, []),
    (0, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (5, 8, [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 3, [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    ]),
    (1, 5, [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
]

# (old size, new size, proof)
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (1, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (6, 8, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 5, [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
    (6, 7, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
]


def hashes(hex_strings):
    return [bytes.fromhex(value) for value in hex_strings]


def root_of(size):
    return bytes.fromhex(ROOTS[size - 1])


# Known answers


def test_the_empty_tree_has_the_hash_of_the_empty_string_as_its_root():
    assert root([]).hex() == EMPTY_ROOT


def test_a_leaf_is_hashed_with_a_zero_byte_before_it_and_a_node_with_a_one():
    assert leaf_hash(b"").hex() == ROOTS[0]
    assert node_hash(LEAF_HASHES[0], LEAF_HASHES[1]).hex() == ROOTS[1]


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_of_each_prefix_of_the_reference_leaves_is_the_published_one(size):
    assert root(LEAF_HASHES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize("index, size, expected", INCLUSION_PROOFS)
def test_inclusion_proofs_of_the_reference_leaves_are_the_published_ones(index, size, expected):
    proof = inclusion_proof(LEAF_HASHES, index, size)
    assert proof == hashes(expected)
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, root_of(size))


@pytest.mark.parametrize("old_size, new_size, expected", CONSISTENCY_PROOFS)
def test_consistency_proofs_of_the_reference_leaves_are_the_published_ones(old_size, new_size, expected):
    proof = consistency_proof(LEAF_HASHES, old_size, new_size)
    assert proof == hashes(expected)
    assert verify_consistency(old_size, new_size, root_of(old_size), root_of(new_size), proof)


def test_a_hundred_thousand_leaves_get_a_root_and_proofs_without_recursing():
    leaves = [leaf_hash(number.to_bytes(4, "big")) for number in range(100_000)]
    tree_root = root(leaves)
    proof = inclusion_proof(leaves, 65_536, 100_000)
    assert verify_inclusion(leaves[65_536], 65_536, 100_000, proof, tree_root)
    proof = consistency_proof(leaves, 65_537, 100_000)
    assert verify_consistency(65_537, 100_000, root(leaves[:65_537]), tree_root, proof)


# Every proof of a tree of up to 70 leaves, exhaustively

TREE = [leaf_hash(f"entry {number}".encode()) for number in range(70)]
TREE_ROOTS = [root(TREE[:size]) for size in range(71)]


def test_every_inclusion_proof_in_trees_of_up_to_70_leaves_verifies():
    for size in range(1, 71):
        for index in range(size):
            proof = inclusion_proof(TREE, index, size)
            assert verify_inclusion(TREE[index], index, size, proof, TREE_ROOTS[size]), (index, size)


def test_every_consistency_proof_between_two_sizes_up_to_70_verifies():
    for new_size in range(71):
        for old_size in range(new_size + 1):
            proof = consistency_proof(TREE, old_size, new_size)
            assert verify_consistency(
                old_size, new_size, TREE_ROOTS[old_size], TREE_ROOTS[new_size], proof
            ), (old_size, new_size)


# Random trees and every single change to what is verified

distinct_leaves = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True).map(
    lambda leaves: [leaf_hash(data) for data in leaves]
)
nonzero_byte = st.integers(min_value=1, max_value=255)


def flip(value: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(value)
    changed[position] ^= mask
    return bytes(changed)


def split_sides(index, size):
    """Which side the sibling is on at each step down the RFC's split towards `index`."""
    sides = []
    low, high = 0, size
    while high - low > 1:
        middle = low + (1 << ((high - low - 1).bit_length() - 1))
        if index < middle:
            sides.append("right")
            high = middle
        else:
            sides.append("left")
            low = middle
    return sides


@settings(deadline=None)
@given(distinct_leaves, st.data())
def test_an_inclusion_proof_fails_after_any_single_byte_of_it_or_of_the_leaf_changes(leaves, data):
    size = len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(leaves, index, size)
    tree_root = root(leaves)
    assert verify_inclusion(leaves[index], index, size, proof, tree_root)
    mask = data.draw(nonzero_byte)
    for element in range(len(proof)):
        for position in range(32):
            changed = proof[:element] + [flip(proof[element], position, mask)] + proof[element + 1:]
            assert not verify_inclusion(leaves[index], index, size, changed, tree_root)
    for position in range(32):
        assert not verify_inclusion(flip(leaves[index], position, mask), index, size, proof, tree_root)
        assert not verify_inclusion(leaves[index], index, size, proof, flip(tree_root, position, mask))


@settings(deadline=None)
@given(distinct_leaves, st.data())
def test_an_inclusion_proof_fails_for_any_other_index_and_shorter_or_longer_proofs(leaves, data):
    size = len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(leaves, index, size)
    tree_root = root(leaves)
    for other in range(size + 2):
        if other != index:
            assert not verify_inclusion(leaves[index], other, size, proof, tree_root)
    assert not verify_inclusion(leaves[index], index, size, proof + [tree_root], tree_root)
    assert not verify_inclusion(leaves[index], index, size, [tree_root] + proof, tree_root)
    if proof:
        assert not verify_inclusion(leaves[index], index, size, proof[:-1], tree_root)


@settings(deadline=None)
@given(distinct_leaves, st.data())
def test_an_inclusion_proof_fails_for_another_size_unless_that_size_splits_the_same_way(leaves, data):
    size = len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(leaves, index, size)
    tree_root = root(leaves)
    for other in range(0, 2 * size + 2):
        if other != size:
            accepted = verify_inclusion(leaves[index], index, other, proof, tree_root)
            assert accepted == (index < other and split_sides(index, other) == split_sides(index, size))


def test_so_a_root_must_come_with_its_own_size():
    """The first leaf's path in a tree of 3 leaves is the same shape as in a tree of 4:
    the proof alone cannot tell the sizes apart, only a checkpoint that signs both can."""
    proof = inclusion_proof(LEAF_HASHES, 0, 3)
    assert verify_inclusion(LEAF_HASHES[0], 0, 4, proof, root_of(3))
    assert not verify_inclusion(LEAF_HASHES[0], 0, 4, proof, root_of(4))


@settings(deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=2, max_size=70, unique=True), st.data())
def test_a_consistency_proof_fails_after_any_single_byte_of_it_or_of_either_root_changes(data_list, data):
    leaves = [leaf_hash(item) for item in data_list]
    new_size = len(leaves)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size - 1))
    proof = consistency_proof(leaves, old_size, new_size)
    old_root, new_root = root(leaves[:old_size]), root(leaves)
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)
    mask = data.draw(nonzero_byte)
    for element in range(len(proof)):
        for position in range(32):
            changed = proof[:element] + [flip(proof[element], position, mask)] + proof[element + 1:]
            assert not verify_consistency(old_size, new_size, old_root, new_root, changed)
    for position in range(32):
        assert not verify_consistency(old_size, new_size, flip(old_root, position, mask), new_root, proof)
        assert not verify_consistency(old_size, new_size, old_root, flip(new_root, position, mask), proof)
    assert not verify_consistency(old_size, new_size, new_root, old_root, proof)
    assert not verify_consistency(old_size, new_size, old_root, new_root, [])
    assert not verify_consistency(old_size, new_size, old_root, new_root, proof[:-1])
    assert not verify_consistency(old_size, new_size, old_root, new_root, proof + [new_root])
    assert not verify_consistency(old_size, new_size, old_root, new_root, [old_root] + proof)


def consistency_sides(old_size, new_size):
    """The steps down the RFC's split along the old tree's right edge, and whether the
    old root is a whole subtree of the new tree."""
    sides = []
    low, high = 0, new_size
    whole_subtree = True
    while old_size - low != high - low:
        middle = low + (1 << ((high - low - 1).bit_length() - 1))
        if old_size <= middle:
            sides.append("right")
            high = middle
        else:
            sides.append("left")
            low = middle
            whole_subtree = False
    return sides, whole_subtree


@settings(deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=2, max_size=70, unique=True), st.data())
def test_a_consistency_proof_fails_for_any_other_old_size_and_for_a_new_size_that_splits_otherwise(data_list, data):
    leaves = [leaf_hash(item) for item in data_list]
    new_size = len(leaves)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size - 1))
    proof = consistency_proof(leaves, old_size, new_size)
    old_root, new_root = root(leaves[:old_size]), root(leaves)
    for other in range(0, 2 * new_size + 2):
        if other != old_size:
            assert not verify_consistency(other, new_size, old_root, new_root, proof)
        if other != new_size:
            accepted = verify_consistency(old_size, other, old_root, new_root, proof)
            assert accepted == (
                old_size < other and consistency_sides(old_size, other) == consistency_sides(old_size, new_size)
            )


# Edges and refusals


def test_an_empty_tree_is_consistent_with_any_tree_and_needs_no_proof():
    empty = bytes.fromhex(EMPTY_ROOT)
    assert consistency_proof(LEAF_HASHES, 0, 8) == []
    assert verify_consistency(0, 8, empty, root_of(8), [])
    assert verify_consistency(0, 0, empty, empty, [])
    assert not verify_consistency(0, 8, root_of(1), root_of(8), [])
    assert not verify_consistency(0, 8, empty, root_of(8), [empty])


def test_a_tree_is_consistent_with_itself_by_an_empty_proof_and_the_same_root():
    assert consistency_proof(LEAF_HASHES, 5, 5) == []
    assert verify_consistency(5, 5, root_of(5), root_of(5), [])
    assert not verify_consistency(5, 5, root_of(5), root_of(6), [])
    assert not verify_consistency(5, 5, root_of(5), root_of(5), [root_of(5)])


def test_a_one_leaf_tree_proves_its_leaf_with_an_empty_path():
    assert inclusion_proof(LEAF_HASHES, 0, 1) == []
    assert verify_inclusion(LEAF_HASHES[0], 0, 1, [], LEAF_HASHES[0])
    assert not verify_inclusion(LEAF_HASHES[1], 0, 1, [], LEAF_HASHES[0])


@pytest.mark.parametrize("index, size, message", [
    (8, 8, "leaf index 8 is outside a tree of 8 leaves"),
    (-1, 8, "leaf index -1 is outside a tree of 8 leaves"),
    (0, 9, "tree size 9 is larger than the 8 leaves given"),
    (0, -1, "tree size -1 is negative"),
    (0, 0, "an empty tree has no leaves to prove"),
])
def test_an_inclusion_proof_is_refused_for_a_leaf_not_in_the_tree(index, size, message):
    with pytest.raises(ValueError, match=message):
        inclusion_proof(LEAF_HASHES, index, size)


@pytest.mark.parametrize("old_size, new_size, message", [
    (5, 4, "old tree size 5 is larger than new tree size 4"),
    (1, 9, "new tree size 9 is larger than the 8 leaves given"),
    (-1, 4, "old tree size -1 is negative"),
])
def test_a_consistency_proof_is_refused_between_sizes_that_cannot_be_proved(old_size, new_size, message):
    with pytest.raises(ValueError, match=message):
        consistency_proof(LEAF_HASHES, old_size, new_size)


def test_leaves_must_be_hashed_before_they_make_a_tree():
    with pytest.raises(ValueError, match="leaf 1 is not a 32-byte hash"):
        root([LEAF_HASHES[0], b"raw data"])
    with pytest.raises(ValueError, match="leaf 0 is not a 32-byte hash"):
        inclusion_proof([b"raw"], 0, 1)


@pytest.mark.parametrize("leaf, index, size, proof, tree_root", [
    (LEAF_HASHES[5], 5, 8, None, bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, 8, "not a list", bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, 8, [b"short", b"", b"x"], bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, 8, [None, None, None], bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], -1, 8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 8, 8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, -8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], "5", 8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, None, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAVES[5], 5, 8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(ROOTS[7])),
    (LEAF_HASHES[5], 5, 8, hashes(INCLUSION_PROOFS[2][2]), ROOTS[7]),
    (LEAF_HASHES[5], 5, 8, hashes(INCLUSION_PROOFS[2][2]), bytes.fromhex(EMPTY_ROOT)),
])
def test_verifying_a_malformed_inclusion_proof_answers_no_rather_than_raising(leaf, index, size, proof, tree_root):
    assert verify_inclusion(leaf, index, size, proof, tree_root) is False


@pytest.mark.parametrize("old_size, new_size, old_root, new_root, proof", [
    (6, 8, root_of(6), root_of(8), None),
    (6, 8, root_of(6), root_of(8), [b"short"] * 3),
    (6, 8, root_of(6), root_of(8), [42, 42, 42]),
    (8, 6, root_of(8), root_of(6), hashes(CONSISTENCY_PROOFS[2][2])),
    (-6, 8, root_of(6), root_of(8), hashes(CONSISTENCY_PROOFS[2][2])),
    (6, "8", root_of(6), root_of(8), hashes(CONSISTENCY_PROOFS[2][2])),
    (6, 8, None, root_of(8), hashes(CONSISTENCY_PROOFS[2][2])),
    (6, 8, root_of(6), b"", hashes(CONSISTENCY_PROOFS[2][2])),
])
def test_verifying_a_malformed_consistency_proof_answers_no_rather_than_raising(
    old_size, new_size, old_root, new_root, proof
):
    assert verify_consistency(old_size, new_size, old_root, new_root, proof) is False
