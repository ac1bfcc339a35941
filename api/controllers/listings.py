"""``/listings``: listings (挂牌) and auctions (竞价) — list, buy at a fixed price, register with a
deposit, bid, cancel; the state and results of every listing are public."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import HOLDERS, party_to, public, writes
from api.paging import Cursor, Limit, Page, after, page
from api.platform import PlatformDep
from api.schemas import BidIn, ListingIn, ListingStatusQuery, PathId
from api.work import ActDep
from market import listings

AS_SELLER = party_to("listing", "listing_id", "seller")


class ListingController(Controller):
    path = "/api/v1/listings"
    tags = ["market"]

    @post(
        "",
        summary="List one issuance's units, or a package (资产包) of several, at a fixed price or by auction",
        opt=writes(*HOLDERS),
    )
    async def create(self, data: JSONBody[ListingIn], act: ActDep) -> Response[listings.Listing]:
        items = tuple(listings.Item(item.issuance, item.quantity, item.contract) for item in data.items)
        spec = listings.ListingSpec(items=items, **data.model_dump(exclude={"items"}))
        return await act(lambda call: listings.create(call.work, call.actor, spec, fees_bps=call.fees.bps))

    @get("", summary="Listings by status (open, sold, failed, cancelled) — public", opt=public())
    async def list_listings(
        self,
        platform: PlatformDep,
        status: ListingStatusQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[listings.Listing]:
        async with platform.database.reads() as session:
            found = await listings.list_listings(
                session,
                status=status,
                after=after(cursor),
                limit=limit,
                bps=platform.fee_bps,
                now=platform.now(),
            )
        return page(found, limit, lambda listing: listing.id)

    @get("/{listing_id:str}", summary="A listing's state, and its results once closed — public", opt=public())
    async def get_listing(self, listing_id: PathId, platform: PlatformDep) -> listings.Listing:
        async with platform.database.reads() as session:
            return await listings.get_listing(session, listing_id, bps=platform.fee_bps, now=platform.now())

    @post(
        "/{listing_id:str}/buy",
        status_code=200,
        summary="Buy a fixed-price listing whole; settles delivery versus payment",
        opt=writes(*HOLDERS),
    )
    async def buy(self, listing_id: PathId, act: ActDep) -> Response[listings.Listing]:
        return await act(
            lambda call: listings.buy(
                call.work, call.actor, listing_id, fees_bps=call.fees.bps, fee_account=call.fees.account
            )
        )

    @post(
        "/{listing_id:str}/register",
        status_code=200,
        summary="Register to bid by lodging the deposit (保证金)",
        opt=writes(*HOLDERS),
    )
    async def register(self, listing_id: PathId, act: ActDep) -> Response[listings.Listing]:
        return await act(
            lambda call: listings.register(call.work, call.actor, listing_id, fees_bps=call.fees.bps)
        )

    @post(
        "/{listing_id:str}/bids",
        summary="Bid; the bid's value and fee are held from your cash",
        opt=writes(*HOLDERS),
    )
    async def bid(self, listing_id: PathId, data: JSONBody[BidIn], act: ActDep) -> Response[listings.Listing]:
        return await act(
            lambda call: listings.bid(
                call.work,
                call.actor,
                listing_id,
                price=data.price,
                quantity=data.quantity,
                fees_bps=call.fees.bps,
            )
        )

    @post(
        "/{listing_id:str}/cancel",
        status_code=200,
        summary="Cancel your listing before its first bid; the units are released",
        opt=writes(*HOLDERS, subject=AS_SELLER),
    )
    async def cancel(self, listing_id: PathId, act: ActDep) -> Response[listings.Listing]:
        return await act(
            lambda call: listings.cancel(call.work, call.actor, listing_id, fees_bps=call.fees.bps)
        )
