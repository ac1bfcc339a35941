"""``/contracts``: acquisition contracts (收储) between operators (两山银行) and depositors, and sales
under mandate."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import ActorDep, party_to, reads, writes
from api.platform import PlatformDep
from api.schemas import ContractIn, ContractStatusQuery, PathId, SaleIn
from api.work import Act, ActDep
from market import listings
from registry import context as c
from registry import contracts

AS_DEPOSITOR = party_to("contract", "contract_id", "depositor")
AS_OPERATOR = party_to("contract", "contract_id", "operator")
DEPOSITORS = (c.PartyKind.PERSON, c.PartyKind.COLLECTIVE, c.PartyKind.ENTERPRISE)


class ContractController(Controller):
    path = "/api/v1/contracts"
    tags = ["operators"]

    @post(
        "",
        summary="Offer a depositor an acquisition contract: buy-out, lease, custody or co-operation",
        opt=writes(c.PartyKind.OPERATOR),
    )
    async def offer(self, data: JSONBody[ContractIn], act: ActDep) -> Response[contracts.Contract]:
        terms = contracts.Terms(**data.model_dump())
        return await act(lambda call: contracts.offer(call.work, call.actor, terms))

    @get("", summary="Contracts your party offered or signed (regulators: all), by status", opt=reads())
    async def list_contracts(
        self, platform: PlatformDep, actor: ActorDep, status: ContractStatusQuery = None
    ) -> list[contracts.Contract]:
        async with platform.database.reads() as session:
            return await contracts.of_party(session, actor, status=status)

    @post(
        "/{contract_id:str}/sign",
        status_code=200,
        summary="Sign as the depositor: a buy-out settles delivery versus payment, a mandate begins",
        opt=writes(*DEPOSITORS, subject=AS_DEPOSITOR),
    )
    async def sign(self, contract_id: PathId, act: ActDep) -> Response[contracts.Contract]:
        return await act(lambda call: contracts.sign(call.work, call.actor, contract_id))

    @post(
        "/{contract_id:str}/decline",
        status_code=200,
        summary="Decline as the depositor",
        opt=writes(*DEPOSITORS, subject=AS_DEPOSITOR),
    )
    async def decline(self, contract_id: PathId, act: ActDep) -> Response[contracts.Contract]:
        return await act(lambda call: contracts.decline(call.work, call.actor, contract_id))

    @post(
        "/{contract_id:str}/sell",
        summary="List the units under your mandate for the depositor (operator)",
        opt=writes(c.PartyKind.OPERATOR, subject=AS_OPERATOR),
    )
    async def sell(
        self, contract_id: PathId, data: JSONBody[SaleIn], act: ActDep
    ) -> Response[listings.Listing]:
        return await sell_as_asked(act, contract_id, data)


async def sell_as_asked(act: Act, contract_id: str, asked: SaleIn) -> Response[Any]:
    """List the units under a mandate on the terms ``asked`` (201): the API's route and the console's
    contracts page both sell by this."""
    spec = listings.ListingSpec(items=(), **asked.model_dump())
    return await act(
        lambda call: listings.sale_under_mandate(
            call.work, call.actor, contract_id, spec, fees_bps=call.fees.bps
        ),
        status=201,
    )
