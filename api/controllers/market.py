"""``/market``: public market data per instrument — rules, depth, the tape, daily bars — and, for the
registrar and regulators, changing the rules and halting or resuming trading."""

import datetime as dt
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import FromQuery, JSONBody, QueryParameter

from api.access import SUPERVISORS, public, writes
from api.paging import Cursor, Limit, Page, after_int, page
from api.platform import PlatformDep
from api.schemas import AssetClassQuery, PathId, RulesIn
from api.work import ActDep
from market import data, quotes, rules
from market.tables import Side

DecimalQuery = Annotated[
    str,
    QueryParameter(pattern=r"^[0-9]{1,16}(\.[0-9]{1,6})?$", max_length=32, description="a decimal string"),
]


class MarketController(Controller):
    path = "/api/v1/market"
    tags = ["market data"]

    @get("", summary="Instruments with a book: best bid and ask, last price, halted (public)", opt=public())
    async def markets(self, platform: PlatformDep, asset_class: AssetClassQuery = None) -> list[data.Summary]:
        async with platform.database.reads() as session:
            return await data.markets(session, platform.exchange, asset_class)


class BookController(Controller):
    path = "/api/v1/market/{instrument:str}"
    tags = ["market data"]

    @get(
        "/rules",
        summary="Tick, lot, order sizes, price band and whether the instrument is halted (public)",
        opt=public(),
    )
    async def get_rules(self, instrument: PathId, platform: PlatformDep) -> rules.RulesView:
        async with platform.database.reads() as session:
            return await rules.rules_of(session, instrument, platform.now())

    @get(
        "/quote",
        summary="What an order would come to before you enter it: years, value, each side's fee (public)",
        description="For an emission permit (元/吨·年) the years are those left on its term today, a "
        "started year counting whole; a buy order holds `held` of your cash when entered.",
        opt=public(),
    )
    async def quote(
        self,
        instrument: PathId,
        platform: PlatformDep,
        side: FromQuery[Side],
        price: DecimalQuery,
        quantity: DecimalQuery,
    ) -> quotes.Quote:
        async with platform.database.reads() as session:
            return await quotes.quote(
                session,
                instrument,
                side=side,
                price=price,
                quantity=quantity,
                bps=platform.fee_bps,
                now=platform.now(),
            )

    @get("/depth", summary="Aggregated price levels, best first (public)", opt=public())
    async def depth(
        self,
        instrument: PathId,
        platform: PlatformDep,
        levels: Annotated[int, QueryParameter(ge=1, le=100)] = 10,
    ) -> data.Depth:
        found = data.published_depth(platform.exchange, instrument, levels)
        if found is not None:
            return found
        async with platform.database.reads() as session:
            return await data.depth(session, instrument, levels)

    @get("/trades", summary="The trades tape, oldest first (public; no party is named)", opt=public())
    async def trades(
        self, instrument: PathId, platform: PlatformDep, cursor: Cursor = None, limit: Limit = 100
    ) -> Page[data.Print]:
        async with platform.database.reads() as session:
            found = await data.tape(session, instrument, after=after_int(cursor), limit=limit)
        return page(found, limit, lambda p: p.id)

    @get(
        "/bars",
        summary="Daily open, high, low, close and volume by trading day in CST (public)",
        opt=public(),
    )
    async def bars(
        self,
        instrument: PathId,
        platform: PlatformDep,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
    ) -> list[data.Bar]:
        async with platform.database.reads() as session:
            return await data.daily_bars(session, instrument, since=since, until=until)

    @put(
        "/rules",
        status_code=200,
        summary="Change the rules (registrar or regulator); they apply to new orders",
        opt=writes(*SUPERVISORS),
    )
    async def change_rules(
        self, instrument: PathId, data: JSONBody[RulesIn], act: ActDep
    ) -> Response[rules.RulesView]:
        change = rules.RulesChange(**data.model_dump())
        return await act.on_book(
            instrument, lambda call, market: rules.change_rules(call.work, market, call.actor, change)
        )

    @post(
        "/halt",
        status_code=200,
        summary="Halt trading (registrar or regulator); orders rest for the reopening auction",
        opt=writes(*SUPERVISORS),
    )
    async def halt(self, instrument: PathId, act: ActDep) -> Response[rules.RulesView]:
        return await act.on_book(instrument, lambda call, market: rules.halt(call.work, market, call.actor))

    @post(
        "/resume",
        status_code=200,
        summary="Resume trading with a call auction (集合竞价) whose trades settle at once",
        opt=writes(*SUPERVISORS),
    )
    async def resume(self, instrument: PathId, act: ActDep) -> Response[rules.RulesView]:
        return await act.on_book(
            instrument, lambda call, market: rules.resume(call.work, market, call.actor, fees=call.fees)
        )
