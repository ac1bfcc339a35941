"""C2SP ``tlog-tiles`` hash tiles: the Merkle tree as static, cacheable resources.

The tile at level ``L``, index ``N`` holds up to 256 consecutive hashes of the tree's nodes at height
``8·L``: hash ``i`` is ``MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])``. A full tile is 256
hashes (8,192 bytes); the rightmost tiles of a tree are *partial*, ``W`` < 256 hashes wide, named
``<N>.p/<W>``. Every one of those hashes is a perfect subtree the ledger stores when it completes, so a
tile is one lookup. Only hash tiles are served, not entry bundles (``tile/entries/…``): the entries'
contents are not all public (``settlement.visibility``).
"""

import re
from dataclasses import dataclass

from registry.errors import NotFound

WIDTH = 256  # hashes in a full tile
HEIGHT = 8  # tree levels a tile spans: 256 = 2^8
MAX_LEVEL = 63
_PATH = re.compile(r"([0-9]{1,2})/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([0-9]{1,3}))?")


class UnknownTile(NotFound):
    title = "No such tile"
    template = "no tile {tile}: not a C2SP tlog-tiles hash tile path, or beyond the tree"


@dataclass(frozen=True, slots=True)
class Tile:
    level: int
    index: int
    width: int  # WIDTH for a full tile

    def end(self) -> int:
        """The tree size from which the tile exists: its last hash's subtree is complete."""
        return (self.index * WIDTH + self.width) << (HEIGHT * self.level)

    def nodes(self) -> list[tuple[int, int]]:
        """The stored subtrees ``(height, index)`` the tile is made of, left to right."""
        first = self.index * WIDTH
        return [(HEIGHT * self.level, first + i) for i in range(self.width)]


def parse(path: str) -> Tile:
    """Read ``<L>/<N>[.p/<W>]`` exactly as the spec writes it (``L`` 0…63 and ``W`` 1…255 with no
    leading zeros, ``N`` in zero-padded three-digit elements, all but the last prefixed with ``x``):
    one tile, one path, so a cache never holds two copies of a tile."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise UnknownTile("tile", tile=path)
    level, elements, width = match.groups()
    tile = Tile(int(level), int(elements.replace("x", "").replace("/", "")), int(width or WIDTH))
    if tile.level > MAX_LEVEL or not 1 <= tile.width <= WIDTH or path_of(tile) != path:
        raise UnknownTile("tile", tile=path)
    return tile


def path_of(tile: Tile) -> str:
    """The tile's path, as ``parse`` reads it."""
    digits = str(tile.index)
    digits = "0" * (-len(digits) % 3) + digits
    elements = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*(f"x{e}" for e in elements[:-1]), elements[-1]])
    suffix = f".p/{tile.width}" if tile.width < WIDTH else ""
    return f"{tile.level}/{name}{suffix}"
