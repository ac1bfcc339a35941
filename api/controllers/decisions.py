"""Four-eyes decisions (regulators): pending proposals, their approval or rejection by another
regulator user, and freezing a party (proposed) or unfreezing it."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from api.auth import ActorDep, ServicesDep
from api.schemas import ReasonIn
from api.work import perform
from registry import decisions, parties


class DecisionController(Controller):
    path = "/api/v1"
    tags = ["supervision"]

    @get("/proposals", summary="Proposals awaiting a second regulator")
    async def pending(self, services: ServicesDep, actor: ActorDep) -> list[decisions.Proposal]:
        async with services.database.reads() as session:
            return await decisions.pending(session, actor)

    @post(
        "/proposals/{proposal_id:str}/approve",
        summary="Approve another regulator user's proposal: it is carried out",
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        proposal_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[decisions.Proposal]:
        return await perform(
            request, services, actor, lambda work: decisions.approve(work, actor, proposal_id), status=200
        )

    @post("/proposals/{proposal_id:str}/reject", summary="Reject another regulator user's proposal")
    async def reject(
        self,
        request: Request[Any, Any, Any],
        proposal_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[decisions.Proposal]:
        return await perform(
            request, services, actor, lambda work: decisions.reject(work, actor, proposal_id), status=200
        )

    @post("/parties/{party_id:str}/freeze", summary="Propose freezing a party (冻结): 202 and a proposal")
    async def freeze_party(
        self,
        request: Request[Any, Any, Any],
        party_id: FromPath[str],
        data: JSONBody[ReasonIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[decisions.Proposal]:
        return await perform(
            request,
            services,
            actor,
            lambda work: decisions.propose_party_freeze(work, actor, party_id=party_id, reason=data.reason),
            status=202,
        )

    @post("/parties/{party_id:str}/unfreeze", summary="Unfreeze a party (regulator)")
    async def unfreeze_party(
        self,
        request: Request[Any, Any, Any],
        party_id: FromPath[str],
        data: JSONBody[ReasonIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[parties.Party]:
        return await perform(
            request,
            services,
            actor,
            lambda work: parties.unfreeze_party(work, actor, party_id=party_id, reason=data.reason),
            status=200,
        )
