"""The RFC 9162 §2.1 Merkle tree, over stored perfect subtrees.

A tree of ``n`` leaves is a sequence of *perfect subtrees*: node ``(level, index)`` is the hash of
leaves ``index·2^level`` … ``(index+1)·2^level - 1``. Appending a leaf completes at most ⌈log2 n⌉ new
nodes; any RFC 9162 subtree hash ``MTH(D[a:b])`` is a right fold of at most ⌈log2 n⌉ stored nodes. So
roots and proofs cost O(log n) node reads and hashes, never a rebuild — whether the nodes live in a
dict (the offline verifier) or a database table (the server).
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coordinate: TypeAlias = tuple[int, int]  # (level, index)


class ProofError(ValueError):
    """A proof was asked for sizes that have none (RFC 9162 §2.1.3, §2.1.4)."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def append(
    frontier: Sequence[tuple[int, bytes]], size: int, leaves: Iterable[bytes]
) -> tuple[list[tuple[int, bytes]], list[tuple[int, int, bytes]]]:
    """Append leaf hashes to a tree of ``size`` leaves whose right edge is ``frontier``.

    The frontier is the list of ``(level, hash)`` of the perfect subtrees that make up the tree, left
    to right. Returns the new frontier and every completed node as ``(level, index, hash)``.
    """
    edge = list(frontier)
    completed: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        completed.append((0, size, leaf))
        edge.append((0, leaf))
        size += 1
        while len(edge) > 1 and edge[-1][0] == edge[-2][0]:
            (level, right), (_, left) = edge.pop(), edge.pop()
            merged = node_hash(left, right)
            edge.append((level + 1, merged))
            completed.append((level + 1, (size >> (level + 1)) - 1, merged))
    return edge, completed


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The root over leaf hashes, keeping only the right edge: what an offline verifier needs."""
    edge: list[tuple[int, bytes]] = []
    for leaf in leaves:
        edge.append((0, leaf))
        while len(edge) > 1 and edge[-1][0] == edge[-2][0]:
            (level, right), (_, left) = edge.pop(), edge.pop()
            edge.append((level + 1, node_hash(left, right)))
    return fold([h for _, h in edge]) if edge else EMPTY_ROOT


def cover(start: int, end: int) -> list[Coordinate]:
    """The perfect subtrees that tile leaves ``start`` … ``end - 1``, left to right.

    Valid for the ranges RFC 9162 proofs use: ``start`` is a multiple of the largest power of two
    not exceeding ``end - start`` (always true of its recursive splits).
    """
    tiles: list[Coordinate] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        tiles.append((level, start >> level))
        start += 1 << level
    return tiles


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the tiles of a subtree right to left into its RFC 9162 hash."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (RFC 9162's k)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes form the inclusion proof of leaf ``index`` in a tree of ``size``.

    Ordered as the proof is: from the leaf's sibling up to the root's other child.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes form the consistency proof from ``first`` to ``second`` leaves."""
    if first <= 0 or first > second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        return []
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, second, True
    while True:
        m = first - start
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            complete = False
    ranges.reverse()
    return ranges


def tiles_needed(ranges: Iterable[tuple[int, int]]) -> set[Coordinate]:
    return {tile for start, end in ranges for tile in cover(start, end)}


def subtree_hash(nodes: Mapping[Coordinate, bytes], start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` from stored perfect subtrees."""
    if start == end:
        return EMPTY_ROOT
    return fold([nodes[tile] for tile in cover(start, end)])


def root(nodes: Mapping[Coordinate, bytes], size: int) -> bytes:
    return subtree_hash(nodes, 0, size)


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root_: bytes) -> bool:
    """RFC 9162 §2.1.3.2, written from the RFC, not from the proof generator above."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_


def verify_consistency(
    first: int, second: int, path: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not path and first_root == second_root
    if first == 0 or first > second or not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:  # a power of two: the first root is the proof's implicit start
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
