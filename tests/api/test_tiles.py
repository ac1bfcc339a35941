"""The Merkle tree as C2SP tlog-tiles hash tiles: a client written from the spec, using only HTTP and
no key, recomputes the checkpoint's root and inclusion proofs from tiles alone."""

import hashlib
from collections.abc import Awaitable, Callable

import pytest

from tests import independent_verifier as outsider
from tests.platform import Platform

pytestmark = pytest.mark.anyio
TILE = "/api/v1/ledger/tile/"

Fetch = Callable[[int, int, int], Awaitable[list[bytes]]]


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tile_path(level: int, index: int, width: int) -> str:
    """``<L>/<N>[.p/<W>]``, N in zero-padded three-digit elements, all but the last with an ``x``."""
    digits = str(index)
    digits = digits.zfill(len(digits) + -len(digits) % 3)
    elements = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join(["x" + e for e in elements[:-1]] + elements[-1:])
    return f"{level}/{name}" + (f".p/{width}" if width < 256 else "")


class TileReader:
    """RFC 9162 subtree hashes for a tree of ``size``, read from tiles: the tile at level ``l`` holds
    the hashes of the subtrees of 256^l leaves, so any perfect subtree is a fold of one tile's run."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        self.fetch, self.size = fetch, size

    async def perfect(self, height: int, index: int) -> bytes:
        level, below = divmod(height, 8)
        first = index << below  # among the hashes of height 8·level
        n, offset = divmod(first, 256)
        hashes_at_level = self.size >> (8 * level)
        width = 256 if (n + 1) * 256 <= hashes_at_level else hashes_at_level % 256
        layer = (await self.fetch(level, n, width))[offset : offset + (1 << below)]
        while len(layer) > 1:
            layer = [h(b"\x01" + layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
        return layer[0]

    async def mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n & (n - 1) == 0:  # a power of two, aligned in the RFC's recursion
            return await self.perfect(n.bit_length() - 1, start // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return h(b"\x01" + await self.mth(start, start + k) + await self.mth(start + k, end))

    async def path(self, m: int, start: int, end: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(m, D[start:end])."""
        n = end - start
        if n == 1:
            return []
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            return [*await self.path(m, start, start + k), await self.mth(start + k, end)]
        return [*await self.path(m - k, start + k, end), await self.mth(start, start + k)]


async def test_tiles_alone_give_the_checkpoints_root_and_inclusion_proofs(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    while int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1]) < 300:
        assert (await platform.deposit(member, "1.00")).status_code == 201
    key = (await platform.get("/api/v1/ledger/key")).text
    _origin, size, root = outsider.open_checkpoint(
        (await platform.get("/api/v1/ledger/checkpoint")).text, key
    )
    fetched: list[str] = []

    async def fetch(level: int, index: int, width: int) -> list[bytes]:
        path = tile_path(level, index, width)
        fetched.append(path)
        got = await platform.get(TILE + path)  # no key
        assert got.status_code == 200, (path, got.text)
        assert got.headers["content-type"] == "application/octet-stream"
        assert "immutable" in got.headers["cache-control"]
        assert len(got.content) == 32 * width
        return [got.content[i : i + 32] for i in range(0, len(got.content), 32)]

    tiles = TileReader(fetch, size)
    assert await tiles.mth(0, size) == root
    assert {"1/000.p/1", "0/001.p/44"} <= set(fetched)  # the first 256 leaves' hash is read at level 1
    for seq in (0, 5, 255, 256, size - 1):
        path = await tiles.path(seq, 0, size)
        leaf = await tiles.perfect(0, seq)
        assert outsider.verify_inclusion(leaf, seq, size, path, root), seq
        served = (await platform.get("/api/v1/ledger/proof/inclusion", seq=seq, size=size)).json()
        assert [bytes.fromhex(p) for p in served["path"]] == path and bytes.fromhex(
            served["leaf_hash"]
        ) == leaf

    lines = (
        await platform.get("/api/v1/ledger/entries", await platform.regulator(), start=0, end=256)
    ).content.split(b"\n")[:-1]
    assert await fetch(0, 0, 256) == [h(b"\x00" + line) for line in lines]  # leaf hashes of the entries
    assert await fetch(0, 0, 7) == (await fetch(0, 0, 256))[:7]  # a partial tile is the full one's start


async def test_a_tile_beyond_the_tree_or_misnamed_is_not_found(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    while int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1]) < 20:
        await platform.deposit(member, "1.00")
    assert (await platform.get(TILE + "0/000.p/20")).status_code == 200
    for path in [
        "0/000.p/21",  # beyond the tree
        "0/000",  # a full tile the tree has not reached
        "0/001.p/1",
        "1/000.p/1",
        "9/000.p/1",
        "0/x000/000",  # not the one encoding of index 0
        "00/000",
        "0/0",
        "0/000.p/256",
        "0/000.p/0",
        "0/000.p/07",
        "64/000",
        "entries/000",  # entry bundles are not served
        "0/000/",
    ]:
        missing = await platform.get(TILE + path)
        assert missing.status_code == 404, (path, missing.text)
        assert "immutable" not in missing.headers.get("cache-control", ""), path
