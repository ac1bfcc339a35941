"""``/issuances``: the register of confirmed rights — searched by anyone, each right's serial range,
attributes and term, the provenance of each of its units, and its valuations."""

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from api.access import ActorDep, ReaderDep, public, reads
from api.paging import Cursor, Limit, Page, after_int, page
from api.platform import PlatformDep
from api.schemas import AssetClassQuery, IssuancePath, QueryId, SerialPath
from registry import holdings, register, rights, valuations

DivisionWithin = Annotated[
    str | None,
    QueryParameter(
        pattern=r"^[0-9]{6}$",
        description="a GB/T 2260 code: a county, a city (with its counties) or the province (everything)",
    ),
]
VintageQuery = Annotated[int | None, QueryParameter(ge=1900, le=2200, description="only this vintage")]
Identifying = Annotated[
    str | None, QueryParameter(min_length=1, max_length=40, description="an identifying attribute, exactly")
]
RightStatusQuery = FromQuery[register.RightStatus | None]


class IssuanceController(Controller):
    path = "/api/v1/issuances"
    tags = ["rights"]

    @get(
        "",
        summary="The register of confirmed rights: search by class, place, holder, status, vintage, identity",
        description="Public (the register, 登记簿): without a key, or with any key but a regulator's or the "
        "registrar's, each right shows its public fields — `holder` and `holder_name` only where the "
        "holder's record is public to the caller (an organisation's; a person's or a village "
        "collective's to itself and the operator holding its contract), `owners` null. Regulators "
        "and the registrar see every holder and `owners`: who holds the units now, in which state. "
        "`status` is `live` while the right's term runs and some units are not retired, cancelled or "
        "expired, `ended` after. `holder` matches rights confirmed to the party (for the party itself "
        "and regulators, also those it holds units of now); it answers only about a party whose record "
        "the caller may read. `division` takes "
        "a county, a city (its counties too) or the province.",
        opt=public(identifies=True),
    )
    async def search(
        self,
        platform: PlatformDep,
        reader: ReaderDep,
        asset_class: AssetClassQuery = None,
        division: DivisionWithin = None,
        holder: QueryId = None,
        status: RightStatusQuery = None,
        vintage: VintageQuery = None,
        permit_no: Identifying = None,
        unit_no: Identifying = None,
        project_id: Identifying = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[register.RegisteredRight]:
        named = {"permit_no": permit_no, "unit_no": unit_no, "project_id": project_id}
        wanted = register.Search(
            asset_class, division, holder, status, vintage, tuple((k, v) for k, v in named.items() if v)
        )
        async with platform.database.reads() as session:
            found = await register.search(
                session, reader, wanted, today=platform.now().date(), after=after_int(cursor), limit=limit
            )
        return page(found, limit, lambda right: right.id)

    @get(
        "/{issuance_id:int}",
        summary="An issuance: its serial range, attributes and term",
        description="`holder` is null where the holder's record is not the caller's to read (a person's "
        "or a village collective's), as in the register.",
        opt=reads(),
    )
    async def issuance(
        self, issuance_id: IssuancePath, platform: PlatformDep, actor: ActorDep
    ) -> rights.Issuance:
        async with platform.database.reads() as session:
            return await register.as_seen(session, actor, await rights.get_issuance(session, issuance_id))

    @get(
        "/{issuance_id:int}/serials/{serial:int}",
        summary="Provenance of one unit: every owner (its owner, regulators; unknown to anyone else)",
        opt=reads(),
    )
    async def provenance(
        self, issuance_id: IssuancePath, serial: SerialPath, platform: PlatformDep, actor: ActorDep
    ) -> holdings.Provenance:
        async with platform.database.reads() as session:
            return await holdings.provenance(session, actor, issuance_id, serial)

    @get("/{issuance_id:int}/valuations", summary="A right's valuations, newest first", opt=reads())
    async def valuations(
        self, issuance_id: IssuancePath, platform: PlatformDep, actor: ActorDep
    ) -> list[valuations.Valuation]:
        async with platform.database.reads() as session:
            return await valuations.history(session, actor, issuance_id, platform.now())
