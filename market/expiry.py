"""When orders end by themselves: a DAY order at the end of its trading day (midnight China Standard
Time), a GTD order at its expiry. The scheduler expires what is due, one book at a time, releasing
what the orders held.
"""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market.exchange import Market, micros
from market.execution import Fees, apply
from market.pricing import CHINA_STANDARD_TIME  # a trading day ends at midnight there
from market.tables import OrderRow, OrderStatus
from registry import context as c
from registry import events as ev


def end_of_trading_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(CHINA_STANDARD_TIME)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), CHINA_STANDARD_TIME)
    return midnight.astimezone(dt.UTC)


async def expire_due(work: c.Work, market: Market, *, fees: Fees) -> int:
    """Cancel the book's DAY and GTD orders that are due, releasing what they hold."""
    events = market.book.expire(micros(work.now))
    await apply(work, market, events, fees=fees, actor=ev.SYSTEM)
    return len(events)


async def instruments_with_due_orders(session: AsyncSession, now: dt.datetime) -> list[str]:
    query = (
        select(OrderRow.instrument_id)
        .where(OrderRow.status == OrderStatus.OPEN, OrderRow.expires_at <= now)
        .distinct()
    )
    return list((await session.execute(query)).scalars())
