"""The Litestar application factory: one process serves the API and runs the registry's scheduler.

Start is crash-only: every start applies migrations, opens the ledger (refusing to run without the
key that signed it) and catches up on expiries, by the same code path as a first start.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide

from api.auth import ServicesDep, current_actor, services_of
from api.config import Settings
from api.controllers.books import BookController, MarketController
from api.controllers.collateral import CollateralController, PledgeController, ValuationController
from api.controllers.decisions import DecisionController
from api.controllers.ledger import LedgerController
from api.controllers.listings import ListingController
from api.controllers.market import OfferController
from api.controllers.operators import ContractController, InventoryController
from api.controllers.orders import FillController, OrderController
from api.controllers.parties import PartyController
from api.controllers.registry import ReferenceController, RightsController
from api.controllers.supervision import SupervisionController
from api.controllers.units import CashController, UnitsController
from api.database import Database, connect, upgrade
from api.docs import openapi_config
from api.errors import HANDLERS
from api.work import Services
from market import listings, orders
from market.negotiated import lapse_due
from registry import contracts
from registry.parties import platform_party
from registry.units import expire_due
from settlement.ledger import Ledger, current_size
from settlement.signing_key import load_or_create
from settlement.unit_of_work import Clock, system_clock

log = logging.getLogger("liangshan")


async def open_ledger(database: Database, settings: Settings) -> Ledger:
    async with database.reads() as session:
        size = await current_size(session)
    return Ledger(settings.ledger_origin, load_or_create(settings.ledger_key, ledger_size=size))


async def run_expiries(services: Services) -> None:
    async with services.unit_of_work() as work:
        expired = await expire_due(work, work.now.date())
        await work.commit()
    if expired:
        log.info("expired the units of %d issuances whose term ended", expired)
    async with services.unit_of_work() as work:
        settled = await contracts.settle_due(work, work.now.date())
        await work.commit()
    if settled:
        log.info("paid or ended %d acquisition contracts", settled)


async def run_lapses(services: Services) -> None:
    async with services.unit_of_work() as work:
        lapsed = await lapse_due(work)
        await work.commit()
    if lapsed:
        log.info("%d offers lapsed at their deadline; their units are released", lapsed)
    await run_order_expiries(services)
    await run_listing_closes(services)


async def run_listing_closes(services: Services) -> None:
    async with services.unit_of_work() as work:
        ended = await listings.due(work)
        for listing in ended:
            fee_account = await platform_party(work.session)
            await listings.close(work, listing, fees_bps=services.fee_bps, fee_account=fee_account)
        await work.commit()
    if ended:
        log.info("%d listings ended and were closed", len(ended))


async def run_order_expiries(services: Services) -> None:
    """Expire DAY and GTD orders that are due, one instrument at a time, as its book's writer."""
    async with services.database.reads() as session:
        due = await orders.instruments_with_due_orders(session, services.now())
    for instrument in due:
        async with (
            services.exchange.writer(services.database.reads, instrument) as market,
            services.unit_of_work() as work,
        ):
            fees = orders.Fees(services.fee_bps, await platform_party(work.session))
            expired = await orders.expire_due(work, market, fees=fees)
            await work.commit()
        log.info("%d orders on instrument %s expired", expired, instrument)


async def open_books(services: Services) -> None:
    """Build every book that has open orders from the database, before the first request."""
    async with services.database.reads() as session:
        instruments = await orders.instruments_with_open_orders(session)
    for instrument in instruments:
        async with services.exchange.writer(services.database.reads, instrument):
            pass


async def _every(
    interval_s: float, job: Callable[[Services], Awaitable[None]], services: Services, stop: asyncio.Event
) -> None:
    """Run ``job`` now and then every ``interval_s`` until ``stop``; a missed run is caught up by the
    next one. Stopping waits for a running job to finish rather than cancelling it mid-transaction."""
    while not stop.is_set():
        try:
            await job(services)
        except Exception:
            log.exception("%s failed; retrying at the next interval", job.__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


@get("/health", tags=["system"], summary="Liveness, database reachability and ledger size")
async def health(services: ServicesDep) -> dict[str, Any]:
    async with services.database.reads() as session:
        size = await current_size(session)
    return {"status": "ok", "ledger_size": size}


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Litestar:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = connect(settings.database_url)
        try:
            await upgrade(database)
            services = Services(
                database,
                await open_ledger(database, settings),
                clock,
                settings.fee_bps,
                ltv_caps=settings.ltv_caps,
                four_eyes_above=settings.four_eyes_above,
            )
            await open_books(services)
            app.state.services = services
            stop = asyncio.Event()
            schedule = [
                asyncio.create_task(_every(settings.expiry_interval_s, run_expiries, services, stop)),
                asyncio.create_task(_every(settings.market_interval_s, run_lapses, services, stop)),
            ]
            try:
                yield
            finally:
                stop.set()
                await asyncio.gather(*schedule)
        finally:
            await database.dispose()

    return Litestar(
        route_handlers=[
            health,
            PartyController,
            ReferenceController,
            RightsController,
            UnitsController,
            CashController,
            OfferController,
            ListingController,
            OrderController,
            FillController,
            MarketController,
            BookController,
            ValuationController,
            CollateralController,
            PledgeController,
            ContractController,
            InventoryController,
            SupervisionController,
            DecisionController,
            LedgerController,
        ],
        lifespan=[lifespan],
        dependencies={
            "services": Provide(services_of, sync_to_thread=False),
            "actor": Provide(current_actor),
        },
        exception_handlers=HANDLERS,
        openapi_config=openapi_config(),
        state=State({}),
    )
