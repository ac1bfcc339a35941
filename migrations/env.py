"""Alembic environment: runs on a connection handed in by ``api.database`` (tests, the CLI, the
server), or on its own async engine from ``sqlalchemy.url`` when alembic is called directly."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import api.idempotency  # noqa: F401  (registers its table on the shared metadata)
import market.tables  # noqa: F401  (registers the market tables on the shared metadata)
import settlement.tables  # noqa: F401  (registers the ledger tables on the shared metadata)
from registry.tables import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


given = config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_standalone())
