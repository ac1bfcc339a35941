"""``/orders`` and ``/fills``: enter orders on an instrument's book, cancel and amend them, and read
your party's orders and fills."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import HOLDERS, ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after, after_int, page
from api.platform import PlatformDep
from api.schemas import AmendIn, OrderIn, OrderStatusQuery, PathId
from api.work import ActDep
from market import data, exchange, orders

OWN_ORDER = party_to("order", "order_id", "party")


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["market"]

    @post(
        "",
        summary="Enter an order on an instrument's book (a sell's units and a buy's cash are held)",
        description="Limit (with price) or market (without); GTC, DAY (ends at midnight China Standard "
        "Time), GTD (with expires_at), IOC, FOK. Every fill settles delivery versus payment at once.",
        opt=writes(*HOLDERS),
    )
    async def enter(self, data: JSONBody[OrderIn], act: ActDep) -> Response[orders.Order]:
        entry = orders.Entry(
            side=data.side,
            quantity=data.quantity,
            price=data.price,
            time_in_force=data.time_in_force,
            expires_at=data.expires_at,
            self_trade=data.self_trade,
            issuance=data.issuance,
        )
        return await act.on_book(
            data.instrument,
            lambda call, market: orders.submit(call.work, market, call.actor, entry, fees=call.fees),
        )

    @get(
        "",
        summary="Your party's orders, newest first, by status (open, filled, cancelled, expired)",
        opt=reads(*HOLDERS),
    )
    async def list_orders(
        self,
        platform: PlatformDep,
        actor: ActorDep,
        status: OrderStatusQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[orders.Order]:
        async with platform.database.reads() as session:
            found = await orders.list_orders(
                session,
                actor,
                status=status,
                after=after(cursor),
                limit=limit,
                bps=platform.fee_bps,
                now=platform.now(),
            )
        return page(found, limit, lambda order: order.id)

    @get("/{order_id:str}", summary="One of your party's orders", opt=reads(*HOLDERS, subject=OWN_ORDER))
    async def get_order(self, order_id: PathId, platform: PlatformDep, actor: ActorDep) -> orders.Order:
        async with platform.database.reads() as session:
            row = await orders.owned_order(session, actor, order_id)
            terms = await exchange.terms_of(session, row.instrument_id)
            return orders.view(row, terms, platform.fee_bps, platform.now())

    @post(
        "/{order_id:str}/cancel",
        status_code=200,
        summary="Cancel what is left of your order; what it held is released",
        opt=writes(*HOLDERS, subject=OWN_ORDER),
    )
    async def cancel(self, order_id: PathId, platform: PlatformDep, act: ActDep) -> Response[orders.Order]:
        return await act.on_book(
            await _instrument_of(platform, act.actor, order_id),
            lambda call, market: orders.cancel(call.work, market, call.actor, order_id, fees=call.fees),
        )

    @post(
        "/{order_id:str}/amend",
        status_code=200,
        summary="Change the open quantity or price: less at the same price keeps the order's turn",
        opt=writes(*HOLDERS, subject=OWN_ORDER),
    )
    async def amend(
        self, order_id: PathId, data: JSONBody[AmendIn], platform: PlatformDep, act: ActDep
    ) -> Response[orders.Order]:
        return await act.on_book(
            await _instrument_of(platform, act.actor, order_id),
            lambda call, market: orders.amend(
                call.work,
                market,
                call.actor,
                order_id,
                quantity=data.quantity,
                price=data.price,
                fees=call.fees,
            ),
        )


async def _instrument_of(platform: PlatformDep, actor: ActorDep, order_id: str) -> str:
    """The book an order rests on."""
    async with platform.database.reads() as session:
        return (await orders.owned_order(session, actor, order_id)).instrument_id


class FillController(Controller):
    path = "/api/v1/fills"
    tags = ["market"]

    @get("", summary="Your party's fills on either side, oldest first, with your fee", opt=reads(*HOLDERS))
    async def list_fills(
        self, platform: PlatformDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[data.OwnFill]:
        async with platform.database.reads() as session:
            found = await data.own_fills(session, actor, after=after_int(cursor), limit=limit)
        return page(found, limit, lambda fill: fill.id)
