"""Listings (挂牌) and auctions (竞价): list, buy at a fixed price, register with a deposit, bid,
cancel; the state and results of every listing are public."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after, check_limit, page
from api.schemas import BidIn, ListingIn
from api.work import perform
from market import listings
from registry.parties import platform_party
from settlement.unit_of_work import UnitOfWork


class ListingController(Controller):
    path = "/api/v1/listings"
    tags = ["market"]

    @post(
        "",
        summary="List one issuance's units, or a package (资产包) of several, at a fixed price or by auction",
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ListingIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        fields = data.model_dump(exclude={"items"})
        items = tuple(listings.Item(item.issuance, item.quantity, item.contract) for item in data.items)
        spec = listings.ListingSpec(items=items, **fields)
        return await perform(request, services, actor, lambda work: listings.create(work, actor, spec))

    @get("", summary="Listings by status (open, sold, failed, cancelled) — public")
    async def list_listings(
        self,
        services: ServicesDep,
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[listings.Listing]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await listings.list_listings(session, status=status, after=after(cursor), limit=limit)
        return page(found, limit, lambda listing: listing.id)

    @get("/{listing_id:str}", summary="A listing's state, and its results once closed — public")
    async def get_listing(self, listing_id: FromPath[str], services: ServicesDep) -> listings.Listing:
        async with services.database.reads() as session:
            return await listings.get_listing(session, listing_id)

    @post("/{listing_id:str}/buy", summary="Buy a fixed-price listing whole; settles delivery versus payment")
    async def buy(
        self,
        request: Request[Any, Any, Any],
        listing_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        async def run(work: UnitOfWork) -> listings.Listing:
            fee_account = await platform_party(work.session)
            return await listings.buy(
                work, actor, listing_id, fees_bps=services.fee_bps, fee_account=fee_account
            )

        return await perform(request, services, actor, run, status=200)

    @post("/{listing_id:str}/register", summary="Register to bid by lodging the deposit (保证金)")
    async def register(
        self,
        request: Request[Any, Any, Any],
        listing_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        return await perform(
            request, services, actor, lambda work: listings.register(work, actor, listing_id), status=200
        )

    @post("/{listing_id:str}/bids", summary="Bid; the bid's value and fee are held from your cash")
    async def bid(
        self,
        request: Request[Any, Any, Any],
        listing_id: FromPath[str],
        data: JSONBody[BidIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        return await perform(
            request,
            services,
            actor,
            lambda work: listings.bid(
                work, actor, listing_id, price=data.price, quantity=data.quantity, fees_bps=services.fee_bps
            ),
        )

    @post(
        "/{listing_id:str}/cancel", summary="Cancel your listing before its first bid; the units are released"
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        listing_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        return await perform(
            request, services, actor, lambda work: listings.cancel(work, actor, listing_id), status=200
        )
