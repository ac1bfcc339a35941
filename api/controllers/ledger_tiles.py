"""``/ledger/tile``: the Merkle tree as C2SP ``tlog-tiles`` hash tiles, public, so that off-the-shelf
tile clients and witnesses recompute any root and proof without our API's JSON.

A tile never changes once the tree reaches it (a partial tile of width W is always the same W hashes),
so every tile served is cacheable for good; a tile beyond the tree is a 404 until the tree grows.
"""

from pathlib import Path
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import PathParameter

from api.access import public
from api.platform import PlatformDep
from settlement import tiles

OCTETS = "application/octet-stream"
TilePath = Annotated[Path, PathParameter(description="<L>/<N>[.p/<W>], as C2SP tlog-tiles names it")]
IMMUTABLE = "public, max-age=31536000, immutable"


class TileController(Controller):
    path = "/api/v1/ledger/tile"
    tags = ["ledger"]

    @get(
        "/{tile:path}",
        summary="A C2SP tlog-tiles hash tile: <L>/<N>[.p/<W>], N as x001/x234/067 (public)",
        description=(
            "Up to 256 consecutive Merkle tree hashes at height 8·L, 32 bytes each: leaf hashes at "
            "level 0. Only hash tiles are served; the entries themselves are at /ledger/entries."
        ),
        media_type=OCTETS,
        opt=public(),
    )
    async def tile(self, tile: TilePath, platform: PlatformDep) -> Response[bytes]:
        wanted = tiles.parse(str(tile).removeprefix("/"))
        async with platform.database.reads() as session:
            hashes = await platform.ledger.tile(session, wanted)
        return Response(hashes, media_type=OCTETS, headers={"Cache-Control": IMMUTABLE})
