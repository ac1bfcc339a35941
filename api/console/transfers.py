"""Negotiated transfers (协议转让) in the console: the offers a party made and those it received, with
the names of the other side; the named buyer accepts (it settles delivery versus payment at once) or
declines, the seller withdraws; and the form that offers a right's units to one named buyer.

Each action is the API's use case (``/api/v1/offers``) through its runner, with the same access
declaration, the offer form checked by the API's own schema (``OfferIn``).
"""

from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.response import Redirect, Template

from api.access import HOLDERS, reads, writes
from api.console import figures
from api.console.forms import (
    Done,
    Plain,
    StatusChoice,
    checked,
    in_cst,
    made_id,
    runner,
    status_of,
    whole_number,
)
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.controllers.offers import AS_BUYER, AS_SELLER
from api.paging import Cursor, after, page
from api.schemas import OfferIn, PathId
from market import negotiated
from registry import context as c
from registry import holdings

OFFERS_PAGE = 50
BUYERS = (c.PartyKind.ENTERPRISE, c.PartyKind.OPERATOR)  # organisations, suggested by name


@dataclass(frozen=True)
class OfferForm:
    csrf_token: str
    form_key: str
    buyer: str
    issuance: str
    quantity: str
    price: str
    deadline: str


@get("/offers", name="console-offers", opt=reads())
async def offer_list(
    view: ViewDep, cursor: Cursor = None, status: StatusChoice = None, done: Done = None
) -> Template:
    """The offers the party made or received (a regulator: all), as ``GET /api/v1/offers`` lists them."""
    actor, platform = view.actor, view.platform
    async with platform.database.reads() as session:
        found = await negotiated.list_offers(
            session,
            actor,
            status=status_of(negotiated.OfferStatus, status),
            after=after(cursor),
            limit=OFFERS_PAGE,
            bps=platform.fee_bps,
            now=platform.now(),
        )
        names = await figures.party_names(session, {p for x in found for p in (x.seller, x.buyer)}, actor)
        proposes = view.may("console-propose")
        held = await holdings.holdings(session, actor, actor.party_id) if proposes else []
        buyers = await figures.organisations(session, *BUYERS) if proposes else []
    listed = page(found, OFFERS_PAGE, lambda offer: offer.id)
    free = [x for x in held if x.state == "active"]
    return view.render(
        "offers.html",
        offers=listed.items,
        following=listed.next_cursor,
        names=names,
        free=free,
        buyers=[(party, name) for party, name in buyers if party != actor.party_id],
        chosen=status or "",
        done=done,
    )


@post("/offers", name="console-propose", opt=writes(*HOLDERS))
async def propose(view: ViewDep, data: Annotated[OfferForm, FORM]) -> Redirect:
    """Offer units to one named buyer, as ``POST /api/v1/offers`` does; the deadline is read in China
    Standard Time."""
    asked = checked(
        OfferIn,
        {
            "buyer": data.buyer,
            "issuance": whole_number(data.issuance),
            "quantity": data.quantity,
            "price": data.price,
            "deadline": in_cst(data.deadline),
        },
    )
    answer = await runner(view, data.form_key)(
        lambda call: negotiated.propose(
            call.work,
            call.actor,
            buyer=asked.buyer,
            issuance_id=asked.issuance,
            quantity=asked.quantity,
            price=asked.price,
            deadline=asked.deadline,
            fee_bps=call.fees.bps,
        ),
        status=201,
    )
    return Redirect(f"/offers?done={made_id(answer)}", status_code=303)


@post("/offers/{offer_id:str}/accept", name="console-accept-offer", opt=writes(*HOLDERS, subject=AS_BUYER))
async def accept(view: ViewDep, offer_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(
        lambda call: negotiated.accept(
            call.work, call.actor, offer_id, fee_bps=call.fees.bps, fee_account=call.fees.account
        ),
        status=200,
    )
    return Redirect(f"/offers?done={offer_id}", status_code=303)


@post("/offers/{offer_id:str}/decline", name="console-decline-offer", opt=writes(*HOLDERS, subject=AS_BUYER))
async def decline(view: ViewDep, offer_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await _close(view, offer_id, negotiated.OfferStatus.DECLINED)
    return Redirect(f"/offers?done={offer_id}", status_code=303)


@post(
    "/offers/{offer_id:str}/withdraw", name="console-withdraw-offer", opt=writes(*HOLDERS, subject=AS_SELLER)
)
async def withdraw(view: ViewDep, offer_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await _close(view, offer_id, negotiated.OfferStatus.WITHDRAWN)
    return Redirect(f"/offers?done={offer_id}", status_code=303)


async def _close(view: View, offer_id: str, status: negotiated.OfferStatus) -> None:
    await runner(view)(
        lambda call: negotiated.close(call.work, call.actor, offer_id, status=status, fee_bps=call.fees.bps),
        status=200,
    )
