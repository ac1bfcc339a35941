"""Orders on the books: enter (with Idempotency-Key), cancel, amend, your orders and your fills."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.paging import Page, after, after_int, check_limit, page
from api.schemas import AmendIn, OrderIn
from api.work import perform_on_book
from market import data, orders


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["market"]

    @post(
        "",
        summary="Enter an order on an instrument's book (a sell's units and a buy's cash are held)",
        description="Limit (with price) or market (without); GTC, DAY (ends at midnight China Standard "
        "Time), GTD (with expires_at), IOC, FOK. Every fill settles delivery versus payment at once.",
    )
    async def enter(
        self, request: Request[Any, Any, Any], data: JSONBody[OrderIn], services: ServicesDep, actor: ActorDep
    ) -> Response[orders.Order]:
        entry = orders.Entry(
            side=data.side,
            quantity=data.quantity,
            price=data.price,
            time_in_force=data.time_in_force,
            expires_at=data.expires_at,
            self_trade=data.self_trade,
            issuance=data.issuance,
        )
        return await perform_on_book(
            request,
            services,
            actor,
            data.instrument,
            lambda work, market, fees: orders.submit(work, market, actor, entry, fees=fees),
        )

    @get("", summary="Your party's orders, newest first, by status (open, filled, cancelled, expired)")
    async def list_orders(
        self,
        services: ServicesDep,
        actor: ActorDep,
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[orders.Order]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await orders.list_orders(session, actor, status=status, after=after(cursor), limit=limit)
        return page(found, limit, lambda order: order.id)

    @get("/{order_id:str}", summary="One of your party's orders")
    async def get_order(
        self, order_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> orders.Order:
        async with services.database.reads() as session:
            row = await orders.owned_order(session, actor, order_id)
            return orders.view(row, (await orders.terms_of(session, row.instrument_id)).scale)

    @post("/{order_id:str}/cancel", summary="Cancel what is left of your order; what it held is released")
    async def cancel(
        self, request: Request[Any, Any, Any], order_id: FromPath[str], services: ServicesDep, actor: ActorDep
    ) -> Response[orders.Order]:
        instrument = await self._instrument_of(services, actor, order_id)
        return await perform_on_book(
            request,
            services,
            actor,
            instrument,
            lambda work, market, fees: orders.cancel(work, market, actor, order_id, fees=fees),
            status=200,
        )

    @post(
        "/{order_id:str}/amend",
        summary="Change the open quantity or price: less at the same price keeps the order's turn",
    )
    async def amend(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[str],
        data: JSONBody[AmendIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[orders.Order]:
        instrument = await self._instrument_of(services, actor, order_id)
        return await perform_on_book(
            request,
            services,
            actor,
            instrument,
            lambda work, market, fees: orders.amend(
                work, market, actor, order_id, quantity=data.quantity, price=data.price, fees=fees
            ),
            status=200,
        )

    @staticmethod
    async def _instrument_of(services: ServicesDep, actor: ActorDep, order_id: str) -> str:
        async with services.database.reads() as session:
            return (await orders.owned_order(session, actor, order_id)).instrument_id


class FillController(Controller):
    path = "/api/v1/fills"
    tags = ["market"]

    @get("", summary="Your party's fills on either side, oldest first, with your fee")
    async def list_fills(
        self,
        services: ServicesDep,
        actor: ActorDep,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[data.OwnFill]:
        check_limit(limit)
        async with services.database.reads() as session:
            found = await data.own_fills(session, actor, after=after_int(cursor), limit=limit)
        return page(found, limit, lambda fill: fill.id)
