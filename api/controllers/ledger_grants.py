"""``/ledger/grants``: regulators let an auditor read every ledger entry until a day they choose, and
revoke that at any time; each grant and revocation is a ledger entry."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import ActorDep, reads, writes
from api.platform import PlatformDep
from api.schemas import GrantIn, PathId
from api.work import ActDep
from registry import context as c
from settlement import grants


class GrantController(Controller):
    path = "/api/v1/ledger/grants"
    tags = ["ledger"]

    @post(
        "",
        summary="Let a party read every ledger entry until expires_at (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def grant(self, data: JSONBody[GrantIn], act: ActDep) -> Response[grants.Grant]:
        return await act(
            lambda call: grants.grant(call.work, call.actor, auditor=data.auditor, expires_at=data.expires_at)
        )

    @get(
        "",
        summary="Read-all grants: every one for regulators, those to its own party for anyone else",
        opt=reads(),
    )
    async def list_grants(self, platform: PlatformDep, actor: ActorDep) -> list[grants.Grant]:
        async with platform.database.reads() as session:
            return await grants.grants(session, actor)

    @post(
        "/{grant_id:str}/revoke",
        status_code=200,
        summary="Revoke a read-all grant, effective at once (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def revoke(self, grant_id: PathId, act: ActDep) -> Response[grants.Grant]:
        return await act(lambda call: grants.revoke(call.work, call.actor, grant_id=grant_id))
