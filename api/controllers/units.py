"""Moving units and money: transfers, retirements, cancellations, freezes, expiry, cash."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from api.auth import ActorDep, ServicesDep
from api.schemas import CashIn, EncumberIn, RetireIn, TransferIn
from api.work import perform
from registry import cash, decisions, units
from registry.context import REGULATOR
from settlement.unit_of_work import UnitOfWork


class UnitsController(Controller):
    path = "/api/v1"
    tags = ["units"]

    @post("/transfers", summary="Transfer units free of payment; the sender keeps the low serials")
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TransferIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[units.Moved]:
        return await perform(
            request,
            services,
            actor,
            lambda work: units.transfer(
                work, actor, issuance_id=data.issuance, to=data.to, quantity=data.quantity
            ),
        )

    @post("/retirements", summary="Retire units (清缴/核销): final, with a certificate number")
    async def retire(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RetireIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[units.Moved]:
        return await perform(
            request,
            services,
            actor,
            lambda work: units.retire(
                work,
                actor,
                issuance_id=data.issuance,
                quantity=data.quantity,
                beneficiary=data.beneficiary,
                purpose=data.purpose,
            ),
        )

    @get("/retirements/{certificate:str}", summary="A retirement certificate (public)")
    async def retirement(self, certificate: FromPath[str], services: ServicesDep) -> units.Retirement:
        async with services.database.reads() as session:
            return await units.get_retirement(session, certificate)

    @post("/cancellations", summary="Cancel units administratively (注销, regulator)")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[EncumberIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[units.Moved]:
        return await perform(
            request,
            services,
            actor,
            lambda work: units.cancel(
                work,
                actor,
                issuance_id=data.issuance,
                owner=data.owner,
                quantity=data.quantity,
                reason=data.reason,
            ),
        )

    @post(
        "/freezes",
        summary="Propose freezing an owner's free units (冻结, regulator): 202 and a proposal",
        description="Four eyes: another regulator user approves at /proposals/{id}/approve, which freezes.",
    )
    async def freeze(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[EncumberIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[decisions.Proposal]:
        return await perform(
            request,
            services,
            actor,
            lambda work: decisions.propose_freeze(
                work,
                actor,
                issuance_id=data.issuance,
                owner=data.owner,
                quantity=data.quantity,
                reason=data.reason,
            ),
            status=202,
        )

    @post("/freezes/{freeze_id:str}/release", summary="Release a freeze (regulator)")
    async def release(
        self,
        request: Request[Any, Any, Any],
        freeze_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[units.Moved]:
        return await perform(
            request,
            services,
            actor,
            lambda work: units.unfreeze(work, actor, freeze_id=freeze_id),
            status=200,
        )

    @post(
        "/expiries",
        summary="Expire units whose term has ended, now (regulator; the server also does it hourly)",
    )
    async def expire(
        self, request: Request[Any, Any, Any], services: ServicesDep, actor: ActorDep
    ) -> Response[dict[str, int]]:
        async def run(work: UnitOfWork) -> dict[str, int]:
            actor.require(REGULATOR)
            return {"issuances_expired": await units.expire_due(work, work.now.date())}

        return await perform(request, services, actor, run, status=200)


class CashController(Controller):
    path = "/api/v1/cash"
    tags = ["cash"]

    @post("/deposits", summary="Confirm money received for a party (bank)")
    async def deposit(
        self, request: Request[Any, Any, Any], data: JSONBody[CashIn], services: ServicesDep, actor: ActorDep
    ) -> Response[cash.CashAccount]:
        return await perform(
            request,
            services,
            actor,
            lambda work: cash.deposit(
                work, actor, party_id=data.party, amount=data.amount, reference=data.reference
            ),
        )

    @post("/withdrawals", summary="Confirm money paid out to a party (bank)")
    async def withdraw(
        self, request: Request[Any, Any, Any], data: JSONBody[CashIn], services: ServicesDep, actor: ActorDep
    ) -> Response[cash.CashAccount]:
        return await perform(
            request,
            services,
            actor,
            lambda work: cash.withdraw(
                work, actor, party_id=data.party, amount=data.amount, reference=data.reference
            ),
        )
