"""``/pledges``: pledges (质押) from the owner's consent through the bank's registration to release or
enforcement."""

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from api.access import HOLDERS, ActorDep, party_to, reads, writes
from api.platform import PlatformDep
from api.schemas import EnforceIn, PathId, PledgeIn, PledgeStatusQuery, RegisterPledgeIn
from api.work import ActDep
from market import listings
from registry import context as c
from registry import pledges

AS_OWNER = party_to("pledge", "pledge_id", "owner")
AS_BANK = party_to("pledge", "pledge_id", "bank")


class PledgeController(Controller):
    path = "/api/v1/pledges"
    tags = ["collateral"]

    @post(
        "", summary="Consent, as the owner, to pledge units to a named bank for a loan", opt=writes(*HOLDERS)
    )
    async def request_pledge(self, data: JSONBody[PledgeIn], act: ActDep) -> Response[pledges.Pledge]:
        consent = pledges.Consent(**data.model_dump())
        return await act(lambda call: pledges.request(call.work, call.actor, consent))

    @get("", summary="Pledges your party gave or holds, by status", opt=reads())
    async def list_pledges(
        self, platform: PlatformDep, actor: ActorDep, status: PledgeStatusQuery = None
    ) -> list[pledges.Pledge]:
        async with platform.database.reads() as session:
            return await pledges.of_party(session, actor, status=status)

    @get(
        "/{pledge_id:str}",
        summary="A pledge (its owner, its bank and regulators may see it)",
        opt=reads(subject=party_to("pledge", "pledge_id", "owner", "bank", supervisors=True)),
    )
    async def get_pledge(self, pledge_id: PathId, platform: PlatformDep, actor: ActorDep) -> pledges.Pledge:
        async with platform.database.reads() as session:
            return await pledges.get(session, actor, pledge_id)

    @post(
        "/{pledge_id:str}/register",
        status_code=200,
        summary="Register as the bank: checks term and loan-to-value; pledges",
        opt=writes(c.PartyKind.BANK, subject=AS_BANK),
    )
    async def register(
        self, pledge_id: PathId, data: JSONBody[RegisterPledgeIn], act: ActDep
    ) -> Response[pledges.Pledge]:
        return await act(
            lambda call: pledges.register(
                call.work,
                call.actor,
                pledge_id,
                ltv_caps=call.platform.ltv_caps,
                allows_junior=data.allow_junior,
            )
        )

    @post(
        "/{pledge_id:str}/withdraw",
        status_code=200,
        summary="Withdraw your request before the bank registers it",
        opt=writes(*HOLDERS, subject=AS_OWNER),
    )
    async def withdraw(self, pledge_id: PathId, act: ActDep) -> Response[pledges.Pledge]:
        return await act(lambda call: pledges.withdraw(call.work, call.actor, pledge_id))

    @post(
        "/{pledge_id:str}/release",
        status_code=200,
        summary="Release on repayment, as the bank",
        opt=writes(c.PartyKind.BANK, subject=AS_BANK),
    )
    async def release(self, pledge_id: PathId, act: ActDep) -> Response[pledges.Pledge]:
        return await act(lambda call: pledges.release(call.work, call.actor, pledge_id))

    @post(
        "/{pledge_id:str}/enforce",
        status_code=200,
        summary="Enforce on default, as the bank: take the units, or sell them in a forced sale (201)",
        description="`transfer`: the pledged units become the bank's. `sale`: they are listed (the owner "
        "as seller) and the proceeds pay the banks, senior first, up to each loan; the rest is the owner's.",
        opt=writes(c.PartyKind.BANK, subject=AS_BANK),
        responses={201: ResponseSpec(listings.Listing, description="The forced sale's listing")},
    )
    async def enforce(
        self, pledge_id: PathId, act: ActDep, data: JSONBody[EnforceIn | None] = None
    ) -> Response[pledges.Pledge]:
        if data is None or data.sale is None:  # the schema gives sale terms exactly for method sale
            return await act(lambda call: pledges.enforce_by_transfer(call.work, call.actor, pledge_id))
        spec = listings.ListingSpec(items=(), **data.sale.model_dump())
        return await act(
            lambda call: listings.forced_sale(call.work, call.actor, pledge_id, spec, fees_bps=call.fees.bps),
            status=201,
        )
