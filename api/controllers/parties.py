"""Parties, users and keys (the registrar onboards), and what a party holds and owes."""

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after, after_int, check_limit, page
from api.schemas import MAX_INTEGER, PartyIn, UserIn
from api.work import perform
from registry import cash, holdings, parties


class PartyController(Controller):
    path = "/api/v1"
    tags = ["parties"]

    @post("/parties", summary="Onboard a party (registrar)")
    async def onboard(
        self, request: Request[Any, Any, Any], data: JSONBody[PartyIn], services: ServicesDep, actor: ActorDep
    ) -> Response[parties.Party]:
        return await perform(
            request,
            services,
            actor,
            lambda work: parties.onboard_party(
                work,
                actor,
                kind=data.kind,
                name=data.name,
                division_code=data.division,
                credit_code=data.credit_code,
                resident_id=data.resident_id,
            ),
        )

    @get("/parties", summary="List parties (registrar, regulator)")
    async def list_parties(
        self,
        services: ServicesDep,
        actor: ActorDep,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[parties.Party]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await parties.list_parties(session, actor, after=after(cursor), limit=limit)
        return page(found, limit, lambda p: p.id)

    @get("/parties/{party_id:str}", summary="A party's public record")
    async def get_party(
        self, party_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> parties.Party:
        async with services.database.reads() as session:
            return await parties.get_party(session, actor, party_id)

    @get("/me", summary="Who this API key acts for")
    async def me(self, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
        async with services.database.reads() as session:
            party = await parties.get_party(session, actor, actor.party_id)
        return {"user": actor.user_id, "role": actor.role, "party": party}

    @post("/parties/{party_id:str}/users", summary="Add a user with one role; its API key is shown once")
    async def add_user(
        self,
        request: Request[Any, Any, Any],
        party_id: FromPath[str],
        data: JSONBody[UserIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[parties.IssuedKey]:
        return await perform(
            request,
            services,
            actor,
            lambda work: parties.add_user(
                work,
                actor,
                party_id=party_id,
                name=data.name,
                role=data.role,
            ),
        )

    @post("/users/{user_id:str}/keys", summary="Issue another API key to a user (rotation)")
    async def issue_key(
        self, request: Request[Any, Any, Any], user_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> Response[parties.IssuedKey]:
        return await perform(
            request, services, actor, lambda work: parties.issue_key(work, actor, user_id=user_id)
        )

    @get("/parties/{party_id:str}/holdings", summary="Units held, by issuance and state, with their serials")
    async def party_holdings(
        self, party_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> list[holdings.Holding]:
        async with services.database.reads() as session:
            return await holdings.holdings(session, actor, party_id)

    @get("/parties/{party_id:str}/statement", summary="Every unit movement with its running balance")
    async def statement(
        self,
        party_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
        issuance: Annotated[int | None, QueryParameter(ge=1, le=MAX_INTEGER)] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[holdings.StatementLine]:
        check_limit(limit)
        async with services.database.reads() as session:
            lines = await holdings.statement(
                session, actor, party_id, issuance_id=issuance, after=after_int(cursor), limit=limit
            )
        return page(lines, limit, lambda line: line.id)

    @get("/parties/{party_id:str}/cash", summary="Cash balance, reserved and available (CNY)")
    async def cash_account(
        self, party_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> cash.CashAccount:
        async with services.database.reads() as session:
            return await cash.account(session, actor, party_id)

    @get("/parties/{party_id:str}/cash/statement", summary="Every cash movement with the balance after it")
    async def cash_statement(
        self,
        party_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[cash.CashLine]:
        check_limit(limit)
        async with services.database.reads() as session:
            lines = await cash.cash_statement(session, actor, party_id, after=after_int(cursor), limit=limit)
        return page(lines, limit, lambda line: line.id)
