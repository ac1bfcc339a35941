"""``/cash``: banks confirm money received for a party and paid out to it."""

from litestar import Controller, Response, post
from litestar.params import JSONBody

from api.access import writes
from api.schemas import CashIn
from api.work import ActDep
from registry import cash
from registry import context as c


class CashController(Controller):
    path = "/api/v1/cash"
    tags = ["cash"]

    @post("/deposits", summary="Confirm money received for a party (bank)", opt=writes(c.PartyKind.BANK))
    async def deposit(self, data: JSONBody[CashIn], act: ActDep) -> Response[cash.CashAccount]:
        return await act(
            lambda call: cash.deposit(
                call.work, call.actor, party_id=data.party, amount=data.amount, reference=data.reference
            )
        )

    @post("/withdrawals", summary="Confirm money paid out to a party (bank)", opt=writes(c.PartyKind.BANK))
    async def withdraw(self, data: JSONBody[CashIn], act: ActDep) -> Response[cash.CashAccount]:
        return await act(
            lambda call: cash.withdraw(
                call.work, call.actor, party_id=data.party, amount=data.amount, reference=data.reference
            )
        )
