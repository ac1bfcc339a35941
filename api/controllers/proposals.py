"""``/proposals``: four-eyes decisions — another, independent user approves or rejects what one
proposed: regulators decide regulators' proposals; users and roles are decided by a manager of the
user's party or of a supervising party (``registry.decisions``)."""

from litestar import Controller, Response, get, post

from api.access import ActorDep, reads, writes
from api.platform import PlatformDep
from api.schemas import PathId
from api.work import ActDep
from registry import decisions


class ProposalController(Controller):
    path = "/api/v1/proposals"
    tags = ["supervision"]

    @get("", summary="Proposals awaiting a second pair of eyes, of the kinds your party decides", opt=reads())
    async def pending(self, platform: PlatformDep, actor: ActorDep) -> list[decisions.Proposal]:
        async with platform.database.reads() as session:
            return await decisions.pending(session, actor)

    @post(
        "/{proposal_id:str}/approve",
        status_code=200,
        summary="Approve another user's proposal: it is carried out",
        opt=writes(),
    )
    async def approve(self, proposal_id: PathId, act: ActDep) -> Response[decisions.Proposal]:
        return await act(lambda call: decisions.approve(call.work, call.actor, proposal_id))

    @post(
        "/{proposal_id:str}/reject",
        status_code=200,
        summary="Reject another user's proposal",
        opt=writes(),
    )
    async def reject(self, proposal_id: PathId, act: ActDep) -> Response[decisions.Proposal]:
        return await act(lambda call: decisions.reject(call.work, call.actor, proposal_id))
