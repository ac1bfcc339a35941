"""``/offers``: negotiated transfers (协议转让) — offer to a named buyer, accept (settled delivery versus
payment), decline, withdraw."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import HOLDERS, ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after, page
from api.platform import PlatformDep
from api.schemas import OfferIn, OfferStatusQuery, PathId
from api.work import ActDep
from market import negotiated

AS_BUYER = party_to("offer", "offer_id", "buyer")
AS_SELLER = party_to("offer", "offer_id", "seller")


class OfferController(Controller):
    path = "/api/v1/offers"
    tags = ["market"]

    @post(
        "",
        summary="Offer units to one named buyer at a price until a deadline (units are reserved)",
        opt=writes(*HOLDERS),
    )
    async def propose(self, data: JSONBody[OfferIn], act: ActDep) -> Response[negotiated.Offer]:
        return await act(
            lambda call: negotiated.propose(
                call.work,
                call.actor,
                buyer=data.buyer,
                issuance_id=data.issuance,
                quantity=data.quantity,
                price=data.price,
                deadline=data.deadline,
                fee_bps=call.fees.bps,
            )
        )

    @get(
        "",
        summary="Offers you made or received, by status (open, accepted, declined, withdrawn, lapsed)",
        opt=reads(),
    )
    async def list_offers(
        self,
        platform: PlatformDep,
        actor: ActorDep,
        status: OfferStatusQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[negotiated.Offer]:
        async with platform.database.reads() as session:
            found = await negotiated.list_offers(
                session,
                actor,
                status=status,
                after=after(cursor),
                limit=limit,
                bps=platform.fee_bps,
                now=platform.now(),
            )
        return page(found, limit, lambda offer: offer.id)

    @get(
        "/{offer_id:str}",
        summary="An offer (its seller, its buyer and regulators may see it)",
        opt=reads(subject=party_to("offer", "offer_id", "seller", "buyer", supervisors=True)),
    )
    async def get_offer(self, offer_id: PathId, platform: PlatformDep, actor: ActorDep) -> negotiated.Offer:
        async with platform.database.reads() as session:
            return await negotiated.get_offer(
                session, actor, offer_id, bps=platform.fee_bps, now=platform.now()
            )

    @post(
        "/{offer_id:str}/accept",
        status_code=200,
        summary="Accept as the named buyer: settles delivery versus payment",
        opt=writes(*HOLDERS, subject=AS_BUYER),
    )
    async def accept(self, offer_id: PathId, act: ActDep) -> Response[negotiated.Offer]:
        return await act(
            lambda call: negotiated.accept(
                call.work, call.actor, offer_id, fee_bps=call.fees.bps, fee_account=call.fees.account
            )
        )

    @post(
        "/{offer_id:str}/decline",
        status_code=200,
        summary="Decline as the named buyer; the units are released",
        opt=writes(*HOLDERS, subject=AS_BUYER),
    )
    async def decline(self, offer_id: PathId, act: ActDep) -> Response[negotiated.Offer]:
        return await act(
            lambda call: negotiated.close(
                call.work, call.actor, offer_id, status=negotiated.OfferStatus.DECLINED, fee_bps=call.fees.bps
            )
        )

    @post(
        "/{offer_id:str}/withdraw",
        status_code=200,
        summary="Withdraw as the seller; the units are released",
        opt=writes(*HOLDERS, subject=AS_SELLER),
    )
    async def withdraw(self, offer_id: PathId, act: ActDep) -> Response[negotiated.Offer]:
        return await act(
            lambda call: negotiated.close(
                call.work,
                call.actor,
                offer_id,
                status=negotiated.OfferStatus.WITHDRAWN,
                fee_bps=call.fees.bps,
            )
        )
