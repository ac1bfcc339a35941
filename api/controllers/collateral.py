"""Banks and collateral: valuations, verification with a signed attestation, and pledges (质押) from
the owner's consent through registration to release or enforcement."""

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.schemas import (
    AttestationOut,
    EnforceIn,
    PathInteger,
    PledgeIn,
    RegisterPledgeIn,
    ValuationIn,
    VerifyIn,
)
from api.work import perform
from market import listings
from registry import pledges, valuations
from registry.errors import InvalidInput


class ValuationController(Controller):
    path = "/api/v1"
    tags = ["collateral"]

    @post("/valuations", summary="Record an appraisal of a right (bank, operator, regulator or registrar)")
    async def record(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ValuationIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[valuations.Valuation]:
        appraisal = valuations.Appraisal(**data.model_dump())
        return await perform(request, services, actor, lambda work: valuations.record(work, actor, appraisal))

    @get("/issuances/{issuance:int}/valuations", summary="A right's valuations, newest first")
    async def history(
        self, issuance: PathInteger, services: ServicesDep, actor: ActorDep
    ) -> list[valuations.Valuation]:
        async with services.database.reads() as session:
            return await valuations.history(session, actor, issuance)


class CollateralController(Controller):
    path = "/api/v1/collateral"
    tags = ["collateral"]

    @post(
        "/verify",
        status_code=200,
        summary="Verify collateral: the answer, signed, with the ledger entries and proofs behind it",
        description="Check the attestation offline with `liangshan attestation verify FILE --key KEY`.",
        responses={200: ResponseSpec(AttestationOut, description="The attestation, in its canonical form")},
    )
    async def verify(
        self, data: JSONBody[VerifyIn], services: ServicesDep, actor: ActorDep
    ) -> Response[bytes]:
        serials = None if data.serials is None else (data.serials.first, data.serials.last)
        document = await services.attestor.attest(
            actor,
            issuance_id=data.issuance,
            owner_credit_code=data.owner_credit_code,
            serials=serials,
            now=services.now(),
        )
        return Response(document, media_type=MediaType.JSON)


class PledgeController(Controller):
    path = "/api/v1/pledges"
    tags = ["collateral"]

    @post("", summary="Consent, as the owner, to pledge units to a named bank for a loan")
    async def request_pledge(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PledgeIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[pledges.Pledge]:
        consent = pledges.Consent(**data.model_dump())
        return await perform(request, services, actor, lambda work: pledges.request(work, actor, consent))

    @get("", summary="Pledges your party gave or holds, by status")
    async def list_pledges(
        self, services: ServicesDep, actor: ActorDep, status: FromQuery[str | None] = None
    ) -> list[pledges.Pledge]:
        async with services.database.reads() as session:
            return await pledges.of_party(session, actor, status=status)

    @get("/{pledge_id:str}", summary="A pledge (its owner, its bank and regulators may see it)")
    async def get_pledge(
        self, pledge_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> pledges.Pledge:
        async with services.database.reads() as session:
            return await pledges.get(session, actor, pledge_id)

    @post("/{pledge_id:str}/register", summary="Register as the bank: checks term and loan-to-value; pledges")
    async def register(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        data: JSONBody[RegisterPledgeIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[pledges.Pledge]:
        return await perform(
            request,
            services,
            actor,
            lambda work: pledges.register(
                work, actor, pledge_id, ltv_caps=services.ltv_caps, allows_junior=data.allow_junior
            ),
            status=200,
        )

    @post("/{pledge_id:str}/withdraw", summary="Withdraw your request before the bank registers it")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[pledges.Pledge]:
        return await perform(
            request, services, actor, lambda work: pledges.withdraw(work, actor, pledge_id), status=200
        )

    @post("/{pledge_id:str}/release", summary="Release on repayment, as the bank")
    async def release(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[pledges.Pledge]:
        return await perform(
            request, services, actor, lambda work: pledges.release(work, actor, pledge_id), status=200
        )

    @post(
        "/{pledge_id:str}/enforce",
        summary="Enforce on default, as the bank: take the units, or sell them in a forced sale",
        description="`transfer`: the pledged units become the bank's. `sale`: they are listed (the owner "
        "as seller) and the proceeds pay the banks, senior first, up to each loan; the rest is the owner's.",
    )
    async def enforce(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
        data: JSONBody[EnforceIn | None] = None,
    ) -> Response[Any]:
        if data is None or data.method == "transfer":
            return await perform(
                request,
                services,
                actor,
                lambda work: pledges.enforce_by_transfer(work, actor, pledge_id),
                status=200,
            )
        if data.sale is None:
            raise InvalidInput("sale", "a forced sale needs its terms")
        spec = listings.ListingSpec(items=(), **data.sale.model_dump())
        return await perform(
            request, services, actor, lambda work: listings.forced_sale(work, actor, pledge_id, spec)
        )
