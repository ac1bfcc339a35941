"""Public market data per instrument — rules, depth, the tape, daily bars — and, for the registrar
and regulators, changing the rules and halting or resuming trading."""

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after_int, check_limit, page
from api.schemas import RulesIn
from api.work import Services, perform_on_book
from market import data, rules
from registry.context import Actor


class MarketController(Controller):
    path = "/api/v1/market"
    tags = ["market data"]

    @get("", summary="Instruments with a book: best bid and ask, last price, halted (public)")
    async def markets(
        self, services: ServicesDep, asset_class: FromQuery[str | None] = None
    ) -> list[data.Summary]:
        async with services.database.reads() as session:
            return await data.markets(session, asset_class)


class BookController(Controller):
    path = "/api/v1/market/{instrument:str}"
    tags = ["market data"]

    @get("/rules", summary="Tick, lot, order sizes, price band and whether the instrument is halted (public)")
    async def get_rules(self, instrument: FromPath[str], services: ServicesDep) -> rules.RulesView:
        async with services.database.reads() as session:
            return await rules.rules_of(session, instrument)

    @get("/depth", summary="Aggregated price levels, best first (public)")
    async def depth(
        self,
        instrument: FromPath[str],
        services: ServicesDep,
        levels: Annotated[int, QueryParameter(ge=1, le=100)] = 10,
    ) -> data.Depth:
        async with services.database.reads() as session:
            return await data.depth(session, instrument, levels)

    @get("/trades", summary="The trades tape, oldest first (public; no party is named)")
    async def trades(
        self,
        instrument: FromPath[str],
        services: ServicesDep,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> Page[data.Print]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await data.tape(session, instrument, after=after_int(cursor), limit=limit)
        return page(found, limit, lambda p: p.id)

    @get("/bars", summary="Daily open, high, low, close and volume by trading day in CST (public)")
    async def bars(
        self,
        instrument: FromPath[str],
        services: ServicesDep,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
    ) -> list[data.Bar]:
        async with services.database.reads() as session:
            return await data.daily_bars(session, instrument, since=since, until=until)

    @put("/rules", summary="Change the rules (registrar or regulator); they apply to new orders")
    async def change_rules(
        self,
        request: Request[Any, Any, Any],
        instrument: FromPath[str],
        data: JSONBody[RulesIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[rules.RulesView]:
        change = rules.RulesChange(**data.model_dump())
        answer = await perform_on_book(
            request,
            services,
            actor,
            instrument,
            lambda work, market, _: rules.change_rules(work, market, actor, change),
            status=200,
        )
        services.exchange.forget(instrument)  # rebuilt under the new rules by its next writer
        return answer

    @post("/halt", summary="Halt trading (registrar or regulator); orders rest for the reopening auction")
    async def halt(
        self,
        request: Request[Any, Any, Any],
        instrument: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[rules.RulesView]:
        return await _halting(request, services, actor, instrument, resume=False)

    @post("/resume", summary="Resume trading with a call auction (集合竞价) whose trades settle at once")
    async def resume(
        self,
        request: Request[Any, Any, Any],
        instrument: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[rules.RulesView]:
        return await _halting(request, services, actor, instrument, resume=True)


async def _halting(
    request: Request[Any, Any, Any], services: Services, actor: Actor, instrument: str, *, resume: bool
) -> Response[rules.RulesView]:
    return await perform_on_book(
        request,
        services,
        actor,
        instrument,
        lambda work, market, fees: (
            rules.resume(work, market, actor, fees=fees) if resume else rules.halt(work, market, actor)
        ),
        status=200,
    )
