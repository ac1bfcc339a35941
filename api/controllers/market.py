"""Negotiated transfers (协议转让): offer to a named buyer, accept (settled DvP), decline, withdraw."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after, check_limit, page
from api.schemas import OfferIn
from api.work import perform
from market import negotiated
from registry.parties import platform_party
from settlement.unit_of_work import UnitOfWork


class OfferController(Controller):
    path = "/api/v1/offers"
    tags = ["market"]

    @post("", summary="Offer units to one named buyer at a price until a deadline (units are reserved)")
    async def propose(
        self, request: Request[Any, Any, Any], data: JSONBody[OfferIn], services: ServicesDep, actor: ActorDep
    ) -> Response[negotiated.Offer]:
        return await perform(
            request,
            services,
            actor,
            lambda work: negotiated.propose(
                work,
                actor,
                buyer=data.buyer,
                issuance_id=data.issuance,
                quantity=data.quantity,
                price=data.price,
                deadline=data.deadline,
            ),
        )

    @get("", summary="Offers you made or received, by status (open, accepted, declined, withdrawn, lapsed)")
    async def list_offers(
        self,
        services: ServicesDep,
        actor: ActorDep,
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[negotiated.Offer]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await negotiated.list_offers(
                session, actor, status=status, after=after(cursor), limit=limit
            )
        return page(found, limit, lambda offer: offer.id)

    @get("/{offer_id:str}", summary="An offer (its seller, its buyer and regulators may see it)")
    async def get_offer(
        self, offer_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> negotiated.Offer:
        async with services.database.reads() as session:
            return await negotiated.get_offer(session, actor, offer_id)

    @post("/{offer_id:str}/accept", summary="Accept as the named buyer: settles delivery versus payment")
    async def accept(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> Response[negotiated.Offer]:
        async def run(work: UnitOfWork) -> negotiated.Offer:
            fee_account = await platform_party(work.session)
            return await negotiated.accept(
                work, actor, offer_id, fee_bps=services.fee_bps, fee_account=fee_account
            )

        return await perform(request, services, actor, run, status=200)

    @post("/{offer_id:str}/decline", summary="Decline as the named buyer; the units are released")
    async def decline(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> Response[negotiated.Offer]:
        return await perform(
            request,
            services,
            actor,
            lambda work: negotiated.close(work, actor, offer_id, status=negotiated.DECLINED),
            status=200,
        )

    @post("/{offer_id:str}/withdraw", summary="Withdraw as the seller; the units are released")
    async def withdraw(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> Response[negotiated.Offer]:
        return await perform(
            request,
            services,
            actor,
            lambda work: negotiated.close(work, actor, offer_id, status=negotiated.WITHDRAWN),
            status=200,
        )
