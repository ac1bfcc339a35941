"""Reference data, applications for confirmation (确权), issuances and provenance."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after, check_limit, page
from api.schemas import ApplicationIn, AssetClassIn, PathInteger, ReasonIn
from api.work import perform
from registry import assets, decisions, holdings, rights
from registry.divisions import Division, all_divisions


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference"]

    @get("/divisions", summary="GB/T 2260 divisions of Jiangxi, with validity dates")
    async def divisions(self, parent: FromQuery[str | None] = None) -> list[Division]:
        return [d for d in all_divisions().values() if parent is None or d.parent == parent]

    @get("/asset-classes", summary="Kinds of rights: unit, scale, price basis, attribute schema")
    async def asset_classes(self, services: ServicesDep) -> list[assets.AssetClass]:
        async with services.database.reads() as session:
            return await assets.list_asset_classes(session)

    @get("/asset-classes/{code:str}", summary="One kind of right")
    async def asset_class(self, code: FromPath[str], services: ServicesDep) -> assets.AssetClass:
        async with services.database.reads() as session:
            return await assets.get_asset_class(session, code, field="code")

    @post("/asset-classes", summary="Define a new kind of right as data plus a JSON Schema (registrar)")
    async def define(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AssetClassIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[assets.AssetClass]:
        return await perform(
            request, services, actor, lambda work: assets.define_asset_class(work, actor, data.model_dump())
        )

    @get("/instruments", summary="Fungible groupings of issuances that trade on an order book")
    async def instruments(
        self, services: ServicesDep, asset_class: FromQuery[str | None] = None
    ) -> list[assets.Instrument]:
        async with services.database.reads() as session:
            return await assets.list_instruments(session, asset_class)


class RightsController(Controller):
    path = "/api/v1"
    tags = ["rights"]

    @post("/applications", summary="Apply for confirmation of a right (holder, or operator on its behalf)")
    async def file(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ApplicationIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[rights.Application]:
        return await perform(
            request,
            services,
            actor,
            lambda work: rights.file_application(
                work,
                actor,
                holder_id=data.holder or actor.party_id,
                asset_class=data.asset_class,
                division_code=data.division,
                vintage=data.vintage,
                quantity=data.quantity,
                attributes=data.attributes,
            ),
        )

    @get("/applications", summary="Applications you filed or hold; regulators see all")
    async def list_applications(
        self,
        services: ServicesDep,
        actor: ActorDep,
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[rights.Application]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await rights.list_applications(
                session, actor, status=status, after=after(cursor), limit=limit
            )
        return page(found, limit, lambda a: a.id)

    @get("/applications/{application_id:str}", summary="One application")
    async def get_application(
        self, application_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> rights.Application:
        async with services.database.reads() as session:
            return await rights.get_application(session, actor, application_id)

    @post(
        "/applications/{application_id:str}/confirm",
        summary="Confirm and issue the units (regulator); above the class's threshold, 202 and a proposal",
        description="An issuance above `LIANGSHAN_FOUR_EYES_ABOVE` for its class takes two regulators: "
        "this answers 202 with a proposal that another regulator user approves at /proposals/{id}/approve.",
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[Any]:
        async with services.database.reads() as session:
            four_eyes = await decisions.needs_second_pair(session, application_id, services.four_eyes_above)
        if four_eyes:
            return await perform(
                request,
                services,
                actor,
                lambda work: decisions.propose_confirmation(work, actor, application_id),
                status=202,
            )
        return await perform(
            request, services, actor, lambda work: rights.confirm_application(work, actor, application_id)
        )

    @post("/applications/{application_id:str}/reject", summary="Reject with a reason (regulator)")
    async def reject(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[str],
        data: JSONBody[ReasonIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[rights.Application]:
        return await perform(
            request,
            services,
            actor,
            lambda work: rights.reject_application(work, actor, application_id, data.reason),
            status=200,
        )

    @get("/issuances/{issuance_id:int}", summary="An issuance: its serial range, attributes and term")
    async def issuance(
        self, issuance_id: PathInteger, services: ServicesDep, actor: ActorDep
    ) -> rights.Issuance:
        async with services.database.reads() as session:
            return await rights.get_issuance(session, issuance_id)

    @get("/issuances/{issuance_id:int}/serials/{serial:int}", summary="Provenance of one unit: every owner")
    async def provenance(
        self, issuance_id: PathInteger, serial: PathInteger, services: ServicesDep, actor: ActorDep
    ) -> holdings.Provenance:
        async with services.database.reads() as session:
            return await holdings.provenance(session, issuance_id, serial)
