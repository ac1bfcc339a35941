"""The platform's scheduled jobs: expiries and contract payments (hourly), lapses of offers, DAY and
GTD orders and ended listings (every few seconds), market surveillance (hourly, by default), webhook
deliveries (every two seconds, ``api.dispatch``), each also run at every start. Each job's writes
are commands of the sequencer, which the bound on its queue does not refuse: a burst of clients does
not crowd out the platform's own work. A job that fails is logged and
tried again at its next interval; stopping waits for a running job rather than cancelling it
mid-transaction.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from api.dispatch import run_webhooks
from api.platform import Platform
from market import cases, exchange, expiry, listings
from market.exchange import Market
from market.execution import Fees
from market.negotiated import lapse_due
from registry import contracts
from registry.units import expire_due
from settlement.unit_of_work import UnitOfWork

log = logging.getLogger("liangshan")


async def run_expiries(platform: Platform) -> None:
    sequencer = platform.sequencer
    expired = await sequencer.submit(
        None, None, lambda work, _: expire_due(work, work.now.date()), bounded=False
    )
    if expired:
        log.info("expired the units of %d issuances whose term ended", expired)
    settled = await sequencer.submit(
        None, None, lambda work, _: contracts.settle_due(work, work.now.date()), bounded=False
    )
    if settled:
        log.info("paid or ended %d acquisition contracts", settled)


async def run_lapses(platform: Platform) -> None:
    lapsed = await platform.sequencer.submit(None, None, lambda work, _: lapse_due(work), bounded=False)
    if lapsed:
        log.info("%d offers lapsed at their deadline; their units are released", lapsed)
    await run_order_expiries(platform)
    await run_listing_closes(platform)


async def run_listing_closes(platform: Platform) -> None:
    async def close(work: UnitOfWork, _: Market | None) -> int:
        ended = await listings.due(work)
        if ended:  # only then the fee account: a platform not yet set up has none
            fees = await platform.fees()
            for listing in ended:
                await listings.close(work, listing, fees_bps=fees.bps, fee_account=fees.account)
        return len(ended)

    closed = await platform.sequencer.submit(None, None, close, bounded=False)
    if closed:
        log.info("%d listings ended and were closed", closed)


async def run_order_expiries(platform: Platform) -> None:
    """Expire DAY and GTD orders that are due, one instrument at a time, as its book's writer."""
    async with platform.database.reads() as session:
        due = await expiry.instruments_with_due_orders(session, platform.now())
    for instrument in due:
        fees = await platform.fees()

        async def expire(work: UnitOfWork, market: Market | None, fees: Fees = fees) -> int:
            assert market is not None, "queued on the instrument's book"
            return await expiry.expire_due(work, market, fees=fees)

        expired = await platform.sequencer.submit(instrument, None, expire, bounded=False)
        log.info("%d orders on instrument %s expired", expired, instrument)


async def run_surveillance(platform: Platform) -> None:
    """Open a surveillance case for each new alert; running it again opens none twice."""
    async with platform.database.reads() as session:
        found = await cases.survey(session, platform.ledger, platform.surveillance, platform.now())
    opened = await platform.sequencer.submit(
        None, None, lambda work, _: cases.open_cases(work, found), bounded=False
    )
    if opened:
        log.info("surveillance opened %d cases", opened)


async def open_books(platform: Platform) -> None:
    """Build every book that has open orders from the database, and publish its depth, before the
    first request."""
    async with platform.database.reads() as session:
        for instrument in await exchange.instruments_with_open_orders(session):
            await platform.exchange.market(session, instrument)
            platform.exchange.publish(instrument)


@contextlib.asynccontextmanager
async def scheduled(
    platform: Platform,
    *,
    expiry_interval_s: float,
    market_interval_s: float,
    surveillance_interval_s: float,
    webhook_interval_s: float,
) -> AsyncIterator[None]:
    """Run the jobs in the background while the block runs."""
    stop = asyncio.Event()
    jobs = [
        asyncio.create_task(_every(expiry_interval_s, run_expiries, platform, stop)),
        asyncio.create_task(_every(market_interval_s, run_lapses, platform, stop)),
        asyncio.create_task(_every(surveillance_interval_s, run_surveillance, platform, stop)),
        asyncio.create_task(_every(webhook_interval_s, run_webhooks, platform, stop)),
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*jobs)


async def _every(
    interval_s: float, job: Callable[[Platform], Awaitable[None]], platform: Platform, stop: asyncio.Event
) -> None:
    """Run ``job`` now and then every ``interval_s`` until ``stop``; a missed run is caught up by the
    next one. Stopping waits for a running job to finish rather than cancelling it mid-transaction."""
    while not stop.is_set():
        try:
            await job(platform)
        except Exception:
            log.exception("%s failed; retrying at the next interval", job.__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
