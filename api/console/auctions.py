"""Listings (挂牌) and auctions (竞价) in the console: a listing's public page, with its results once
it closes; for a signed-in holder, buying it whole at its price, registering to bid (the deposit,
保证金, is held from its cash), bidding, and its own part (registered, its bids) that only it sees;
the seller's cancel; and the holdings page's form that lists a right's units.

Each action is the API's use case (``/api/v1/listings``) through its runner, with the same access
declaration, its form checked by the API's own schema (``ListingIn``, ``BidIn``).
"""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.response import Redirect, Template

from api.access import HOLDERS, public, writes
from api.console import figures
from api.console.forms import Plain, checked, in_cst, made_id, runner, whole_number
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.controllers.listings import AS_SELLER
from api.schemas import BidIn, ListingIn, PathId
from market import listings


@dataclass(frozen=True)
class ListingForm:
    csrf_token: str
    form_key: str
    issuance: str
    quantity: str
    mode: str
    price: str
    ends_at: str
    increment: str = ""
    reserve_price: str = ""
    deposit: str = ""


@dataclass(frozen=True)
class BidForm:
    csrf_token: str
    price: str
    quantity: str = ""


@get("/listings/{listing_id:str}", name="console-listing", opt=public())
async def listing_page(view: ViewDep, listing_id: PathId) -> Template:
    """A listing as ``GET /api/v1/listings/{id}`` serves it, with the signed-in party's own part."""
    platform = view.platform
    async with platform.database.reads() as session:
        found = await listings.get_listing(session, listing_id, bps=platform.fee_bps, now=platform.now())
        reader = view.who.actor if view.who else None
        party = reader.party_id if reader else None
        own = await listings.standing(session, listing_id, party) if party else None
        names = await figures.party_names(
            session, {found.seller, *(award.party for award in found.results)}, reader
        )
    return view.render(
        "listing.html", listing=found, own=own, mine=found.seller == party, names=names, now=platform.now()
    )


@post("/listings", name="console-list", opt=writes(*HOLDERS))
async def create(view: ViewDep, data: Annotated[ListingForm, FORM]) -> Redirect:
    """List units of one right, as ``POST /api/v1/listings`` does; the end time is read in China
    Standard Time, and optional fields left empty are left out."""
    fields: dict[str, Any] = {
        "items": [{"issuance": whole_number(data.issuance), "quantity": data.quantity}],
        "mode": data.mode,
        "price": data.price,
        "ends_at": in_cst(data.ends_at),
    }
    for optional in ("increment", "reserve_price", "deposit"):
        if value := getattr(data, optional):
            fields[optional] = value
    asked = checked(ListingIn, fields)
    spec = listings.ListingSpec(
        items=tuple(listings.Item(i.issuance, i.quantity, i.contract) for i in asked.items),
        **asked.model_dump(exclude={"items"}),
    )
    answer = await runner(view, data.form_key)(
        lambda call: listings.create(call.work, call.actor, spec, fees_bps=call.fees.bps), status=201
    )
    return Redirect(f"/listings/{made_id(answer)}", status_code=303)


@post("/listings/{listing_id:str}/buy", name="console-buy", opt=writes(*HOLDERS))
async def buy(view: ViewDep, listing_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Buy a fixed-price listing whole: it settles delivery versus payment at once."""
    await runner(view)(
        lambda call: listings.buy(
            call.work, call.actor, listing_id, fees_bps=call.fees.bps, fee_account=call.fees.account
        ),
        status=200,
    )
    return Redirect(f"/listings/{listing_id}", status_code=303)


@post("/listings/{listing_id:str}/register", name="console-register-bidder", opt=writes(*HOLDERS))
async def register(view: ViewDep, listing_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(
        lambda call: listings.register(call.work, call.actor, listing_id, fees_bps=call.fees.bps),
        status=200,
    )
    return Redirect(f"/listings/{listing_id}", status_code=303)


@post("/listings/{listing_id:str}/bids", name="console-bid", opt=writes(*HOLDERS))
async def bid(view: ViewDep, listing_id: PathId, data: Annotated[BidForm, FORM]) -> Redirect:
    """Bid; its value and fee are held from the bidder's cash, as ``POST .../bids`` holds them."""
    asked = checked(BidIn, {"price": data.price, **({"quantity": data.quantity} if data.quantity else {})})
    await runner(view)(
        lambda call: listings.bid(
            call.work,
            call.actor,
            listing_id,
            price=asked.price,
            quantity=asked.quantity,
            fees_bps=call.fees.bps,
        ),
        status=201,
    )
    return Redirect(f"/listings/{listing_id}", status_code=303)


@post(
    "/listings/{listing_id:str}/cancel",
    name="console-cancel-listing",
    opt=writes(*HOLDERS, subject=AS_SELLER),
)
async def cancel(view: ViewDep, listing_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(
        lambda call: listings.cancel(call.work, call.actor, listing_id, fees_bps=call.fees.bps), status=200
    )
    return Redirect(f"/listings/{listing_id}", status_code=303)
