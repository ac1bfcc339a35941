"""``/pledges``: pledges (质押) from the owner's consent through the bank's registration to release, or
to default, the owner's notice and lawful enforcement (折价 or forced sale)."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from api.access import HOLDERS, ActorDep, party_to, reads, writes
from api.platform import PlatformDep
from api.schemas import (
    AgreedValueIn,
    DefaultIn,
    EnforceIn,
    PathId,
    PledgeIn,
    PledgeStatusQuery,
    RegisterPledgeIn,
)
from api.work import Act, ActDep
from market import listings
from registry import context as c
from registry import enforcement, pledges

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
        "/{pledge_id:str}/default",
        status_code=200,
        summary="Record the loan's default, as the bank: overdue, or declared early as the terms allow",
        description="The entry names the owner and is its notice: the pledge becomes enforceable "
        "(`enforceable_on`) when the notice its terms set (`notice_days`) has run. `overdue` needs the "
        "due date (`loan_term_end`) passed; `declared` needs terms that allow an early default.",
        opt=writes(c.PartyKind.BANK, subject=AS_BANK),
    )
    async def record_default(
        self, pledge_id: PathId, data: JSONBody[DefaultIn], act: ActDep
    ) -> Response[pledges.Pledge]:
        return await act(
            lambda call: enforcement.record_default(call.work, call.actor, pledge_id, data.cause)
        )

    @post(
        "/{pledge_id:str}/agreed-value",
        status_code=200,
        summary="Agree, as the owner and after default, a value the bank may take the units at (协议折价)",
        opt=writes(*HOLDERS, subject=AS_OWNER),
    )
    async def agree_value(
        self, pledge_id: PathId, data: JSONBody[AgreedValueIn], act: ActDep
    ) -> Response[pledges.Pledge]:
        return await act(lambda call: enforcement.agree_value(call.work, call.actor, pledge_id, data.value))

    @post(
        "/{pledge_id:str}/enforce",
        status_code=200,
        summary="Enforce, as the bank, once in default and the owner's notice has run: 折价, or a forced "
        "sale (201)",
        description="`valuation` (折价): the units become the bank's at an appraiser's valuation "
        "(`valuation`) or the value the owner agreed, no older than the asset class allows; the bank "
        "pays the owner the surplus over the loan at once, and a shortfall is recorded as its unsecured "
        "claim. `sale`: the units are listed (the owner as seller) and the proceeds pay the banks, senior "
        "first, up to each loan; the rest is the owner's. Before default, or while the notice runs: 409 "
        "naming the day the pledge becomes enforceable.",
        opt=writes(c.PartyKind.BANK, subject=AS_BANK),
        responses={201: ResponseSpec(listings.Listing, description="The forced sale's listing")},
    )
    async def enforce(
        self, pledge_id: PathId, data: JSONBody[EnforceIn], act: ActDep
    ) -> Response[pledges.Pledge]:
        return await enforce_as_asked(act, pledge_id, data)


async def enforce_as_asked(act: Act, pledge_id: str, asked: EnforceIn) -> Response[Any]:
    """Enforce as ``asked``: 折价 (200, the pledge) or a forced sale (201, its listing). The API's
    route and the console's pledges page both enforce by this."""
    if asked.sale is None:  # the schema gives sale terms exactly for method sale
        valuation = asked.valuation
        return await act(
            lambda call: enforcement.take_at_value(call.work, call.actor, pledge_id, valuation), status=200
        )
    spec = listings.ListingSpec(items=(), **asked.sale.model_dump())
    return await act(
        lambda call: listings.forced_sale(call.work, call.actor, pledge_id, spec, fees_bps=call.fees.bps),
        status=201,
    )
