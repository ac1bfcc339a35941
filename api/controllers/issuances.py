"""``/issuances``: a confirmed right — its serial range, attributes and term — the provenance of each
of its units, and its valuations."""

from litestar import Controller, get

from api.access import ActorDep, reads
from api.platform import PlatformDep
from api.schemas import IssuancePath, SerialPath
from registry import holdings, rights, valuations


class IssuanceController(Controller):
    path = "/api/v1/issuances/{issuance_id:int}"
    tags = ["rights"]

    @get("", summary="An issuance: its serial range, attributes and term", opt=reads())
    async def issuance(self, issuance_id: IssuancePath, platform: PlatformDep) -> rights.Issuance:
        async with platform.database.reads() as session:
            return await rights.get_issuance(session, issuance_id)

    @get("/serials/{serial:int}", summary="Provenance of one unit: every owner", opt=reads())
    async def provenance(
        self, issuance_id: IssuancePath, serial: SerialPath, platform: PlatformDep
    ) -> holdings.Provenance:
        async with platform.database.reads() as session:
            return await holdings.provenance(session, issuance_id, serial)

    @get("/valuations", summary="A right's valuations, newest first", opt=reads())
    async def valuations(
        self, issuance_id: IssuancePath, platform: PlatformDep, actor: ActorDep
    ) -> list[valuations.Valuation]:
        async with platform.database.reads() as session:
            return await valuations.history(session, actor, issuance_id, platform.now())
