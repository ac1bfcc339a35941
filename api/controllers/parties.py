"""``/parties``: onboarding (registrar), a party's public record, what it holds and owes, its users,
and freezing a whole party (regulators, four eyes)."""

from dataclasses import dataclass

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import EVERYONE, ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after, after_int, page
from api.platform import PlatformDep
from api.schemas import IssuanceQuery, PartyIn, PathId, ReasonIn, UserIn
from api.work import ActDep
from registry import cash, decisions, holdings, parties, party_sight
from registry import context as c


@dataclass(frozen=True, slots=True)
class Me:
    user: str
    role: str
    party: parties.Party


OWN_OR_SUPERVISED = party_to("party", "party_id", "self", supervisors=True)


class PartyController(Controller):
    path = "/api/v1/parties"
    tags = ["parties"]

    @post("", summary="Onboard a party (registrar)", opt=writes(c.PartyKind.REGISTRAR))
    async def onboard(self, data: JSONBody[PartyIn], act: ActDep) -> Response[parties.Party]:
        return await act(
            lambda call: parties.onboard_party(
                call.work,
                call.actor,
                kind=data.kind,
                name=data.name,
                division_code=data.division,
                credit_code=data.credit_code,
                resident_id=data.resident_id,
            )
        )

    @get(
        "",
        summary="List parties (registrar, regulator)",
        opt=reads(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR),
    )
    async def list_parties(
        self, platform: PlatformDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[parties.Party]:
        async with platform.database.reads() as session:
            found = await parties.list_parties(session, actor, after=after(cursor), limit=limit)
        return page(found, limit, lambda p: p.id)

    @get(
        "/{party_id:str}",
        summary=(
            "A party's record: an organisation's to any key; a person's or a village collective's only "
            "to itself, its operator under a signed contract, regulators and the registrar"
        ),
        opt=reads(*EVERYONE),
    )
    async def get_party(self, party_id: PathId, platform: PlatformDep, actor: ActorDep) -> parties.Party:
        async with platform.database.reads() as session:
            return await party_sight.read_party(session, actor, party_id)

    @post(
        "/{party_id:str}/users",
        summary="Add a user with one role; its API key is shown once (registrar)",
        opt=writes(c.PartyKind.REGISTRAR),
    )
    async def add_user(
        self, party_id: PathId, data: JSONBody[UserIn], act: ActDep
    ) -> Response[parties.IssuedKey]:
        return await act(
            lambda call: parties.add_user(
                call.work, call.actor, party_id=party_id, name=data.name, role=data.role
            )
        )

    @get(
        "/{party_id:str}/holdings",
        summary="Units held, by issuance and state, with their serials (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def party_holdings(
        self, party_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> list[holdings.Holding]:
        async with platform.database.reads() as session:
            return await holdings.holdings(session, actor, party_id)

    @get(
        "/{party_id:str}/statement",
        summary="Every unit movement with its running balance (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def statement(
        self,
        party_id: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        issuance: IssuanceQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[holdings.StatementLine]:
        async with platform.database.reads() as session:
            lines = await holdings.statement(
                session, actor, party_id, issuance_id=issuance, after=after_int(cursor), limit=limit
            )
        return page(lines, limit, lambda line: line.id)

    @get(
        "/{party_id:str}/cash",
        summary="Cash balance, reserved and available, CNY (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def cash_account(
        self, party_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> cash.CashAccount:
        async with platform.database.reads() as session:
            return await cash.account(session, actor, party_id)

    @get(
        "/{party_id:str}/cash/statement",
        summary="Every cash movement with the balance after it (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def cash_statement(
        self,
        party_id: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[cash.CashLine]:
        async with platform.database.reads() as session:
            lines = await cash.cash_statement(session, actor, party_id, after=after_int(cursor), limit=limit)
        return page(lines, limit, lambda line: line.id)

    @post(
        "/{party_id:str}/freeze",
        status_code=202,
        summary="Propose freezing a party (冻结, regulator): 202 and a proposal another regulator approves",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def freeze(
        self, party_id: PathId, data: JSONBody[ReasonIn], act: ActDep
    ) -> Response[decisions.Proposal]:
        return await act(
            lambda call: decisions.propose_party_freeze(
                call.work, call.actor, party_id=party_id, reason=data.reason
            )
        )

    @post(
        "/{party_id:str}/unfreeze",
        status_code=200,
        summary="Unfreeze a party (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def unfreeze(
        self, party_id: PathId, data: JSONBody[ReasonIn], act: ActDep
    ) -> Response[parties.Party]:
        return await act(
            lambda call: parties.unfreeze_party(call.work, call.actor, party_id=party_id, reason=data.reason)
        )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["parties"]

    @get("", summary="Who this API key acts for", opt=reads())
    async def me(self, platform: PlatformDep, actor: ActorDep) -> Me:
        async with platform.database.reads() as session:
            party = await parties.get_party(session, actor, actor.party_id)
        return Me(user=actor.user_id, role=actor.role, party=party)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["parties"]

    @post(
        "/{user_id:str}/keys",
        summary="Issue another API key to a user (registrar)",
        opt=writes(c.PartyKind.REGISTRAR),
    )
    async def issue_key(self, user_id: PathId, act: ActDep) -> Response[parties.IssuedKey]:
        return await act(lambda call: parties.issue_key(call.work, call.actor, user_id=user_id))
