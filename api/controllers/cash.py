"""``/cash``: banks confirm money received for a party and paid out to it; ``/parties/{id}/settlement-bank``:
a party names the bank that serves its cash account, the only one that may."""

from litestar import Controller, Response, post, put
from litestar.params import JSONBody

from api.access import party_to, writes
from api.schemas import CashIn, PathId, SettlementBankIn
from api.work import ActDep
from registry import cash
from registry import context as c


class CashController(Controller):
    path = "/api/v1/cash"
    tags = ["cash"]

    @post(
        "/deposits",
        summary="Confirm money received for a party (its settlement bank)",
        opt=writes(c.PartyKind.BANK),
    )
    async def deposit(self, data: JSONBody[CashIn], act: ActDep) -> Response[cash.CashAccount]:
        return await act(
            lambda call: cash.deposit(
                call.work, call.actor, party_id=data.party, amount=data.amount, reference=data.reference
            )
        )

    @post(
        "/withdrawals",
        summary="Confirm money paid out to a party (its settlement bank)",
        opt=writes(c.PartyKind.BANK),
    )
    async def withdraw(self, data: JSONBody[CashIn], act: ActDep) -> Response[cash.CashAccount]:
        return await act(
            lambda call: cash.withdraw(
                call.work, call.actor, party_id=data.party, amount=data.amount, reference=data.reference
            )
        )


class SettlementBankController(Controller):
    path = "/api/v1/parties/{party_id:str}/settlement-bank"
    tags = ["cash"]

    @put(
        "",
        status_code=200,
        summary="Name the bank that serves your cash account (存管银行): only it confirms your deposits "
        "and withdrawals",
        opt=writes(subject=party_to("party", "party_id", "self")),
    )
    async def designate(
        self, party_id: PathId, data: JSONBody[SettlementBankIn], act: ActDep
    ) -> Response[cash.CashAccount]:
        return await act(
            lambda call: cash.designate(call.work, call.actor, party_id=party_id, bank=data.bank)
        )
