"""``/divisions``, ``/asset-classes`` and ``/instruments``: the reference data every other call names —
public, but for defining a new kind of right (registrar)."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import public, writes
from api.platform import PlatformDep
from api.schemas import AssetClassIn, AssetClassPath, AssetClassQuery, DivisionQuery
from api.work import ActDep
from registry import assets
from registry import context as c
from registry.divisions import Division, all_divisions


class DivisionController(Controller):
    path = "/api/v1/divisions"
    tags = ["reference"]

    @get("", summary="GB/T 2260 divisions of Jiangxi, with validity dates (public)", opt=public())
    async def divisions(self, parent: DivisionQuery = None) -> list[Division]:
        return [d for d in all_divisions().values() if parent is None or d.parent == parent]


class AssetClassController(Controller):
    path = "/api/v1/asset-classes"
    tags = ["reference"]

    @get("", summary="Kinds of rights: unit, scale, price basis, attribute schema (public)", opt=public())
    async def asset_classes(self, platform: PlatformDep) -> list[assets.AssetClass]:
        async with platform.database.reads() as session:
            return await assets.list_asset_classes(session)

    @get("/{code:str}", summary="One kind of right (public)", opt=public())
    async def asset_class(self, code: AssetClassPath, platform: PlatformDep) -> assets.AssetClass:
        async with platform.database.reads() as session:
            return await assets.get_asset_class(session, code, field="code")

    @post(
        "",
        summary="Define a new kind of right as data plus a JSON Schema (registrar)",
        opt=writes(c.PartyKind.REGISTRAR),
    )
    async def define(self, data: JSONBody[AssetClassIn], act: ActDep) -> Response[assets.AssetClass]:
        return await act(lambda call: assets.define_asset_class(call.work, call.actor, data.model_dump()))


class InstrumentController(Controller):
    path = "/api/v1/instruments"
    tags = ["reference"]

    @get("", summary="Fungible groupings of issuances that trade on an order book (public)", opt=public())
    async def instruments(
        self, platform: PlatformDep, asset_class: AssetClassQuery = None
    ) -> list[assets.Instrument]:
        async with platform.database.reads() as session:
            return await assets.list_instruments(session, asset_class)
