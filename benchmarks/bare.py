"""The bare endpoint: what every HTTP figure is measured against, in the same run.

A minimal Litestar app — a pydantic body shaped like an order, one SQLAlchemy INSERT and its commit
per request — on the platform's own engines (``api.database.connect``: on SQLite WAL,
``synchronous=FULL`` and ``BEGIN IMMEDIATE``; on PostgreSQL the same URL and pool), served by uvicorn
in a child process with the settings ``liangshan serve`` uses. What it costs is the framework's, the
driver's and the disk's, which no write path can avoid; what an order costs beyond it is the
platform's own. A rate quoted as a ratio to it holds on a machine shared with other work, where a
rate alone does not.

Its table is made by the app itself on start: it is no part of the platform's schema or migrations.
``python -m benchmarks.bare --port N`` serves it on ``LIANGSHAN_DATABASE_URL``."""

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Literal

import uvicorn
from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.plugins.pydantic import PydanticPlugin
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from api.database import Database, connect
from benchmarks.live import Server

TABLE = Table(
    "bench_bare_requests",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("instrument", String(36), nullable=False),
    Column("side", String(4), nullable=False),
    Column("quantity", String(24), nullable=False),
    Column("price", String(24)),
)
ROOT = Path(__file__).resolve().parent.parent
DECIMAL = r"^[0-9]{1,15}(\.[0-9]{1,3})?$"


class Body(BaseModel):
    """An order's fields, checked as strictly as the platform checks its own (no extra fields)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    instrument: Annotated[str, Field(min_length=1, max_length=36)]
    side: Literal["buy", "sell"]
    quantity: Annotated[str, Field(pattern=DECIMAL)]
    price: Annotated[str | None, Field(pattern=DECIMAL)] = None


@post("/bare", status_code=201)
async def bare(data: Body, state: State) -> dict[str, int | str | None]:
    database: Database = state.database
    async with database.writes() as session, session.begin():
        inserted = await session.execute(insert(TABLE).values(**data.model_dump()).returning(TABLE.c.id))
        number: int = inserted.scalar_one()
    return {"id": number, **data.model_dump()}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(database_url: str | None = None) -> Litestar:
    """The bare app on ``database_url`` (``LIANGSHAN_DATABASE_URL`` when none is given, as uvicorn's
    factory call gives none)."""
    url = database_url or os.environ["LIANGSHAN_DATABASE_URL"]

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = connect(url)
        try:
            async with database.writer.begin() as connection:
                await connection.run_sync(TABLE.metadata.create_all)
            app.state.database = database
            yield
        finally:
            await database.dispose()

    # started as ``liangshan serve`` starts the platform (``api.cli.served_app``): what the start made is
    # kept out of the cyclic collector's sight, so neither side's tail is the other's collector
    return Litestar(
        [bare, health],
        lifespan=[lifespan],
        on_startup=[gc.freeze],
        plugins=[PydanticPlugin(validate_strict=True)],
    )


class BareServer(Server):
    """The bare app in a child process, started, waited for and stopped as the platform's server is."""

    def command(self) -> list[str]:
        # the child runs in the server's work folder, where this checkout is not on the path
        serve = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.bare import main; "
        serve += "main(sys.argv[1:])"
        return [sys.executable, "-c", serve, "--port", str(self.port)]


def main(argv: list[str]) -> None:
    """Serve the bare app with ``liangshan serve``'s uvicorn settings (``api.cli.serve``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        "benchmarks.bare:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        proxy_headers="FORWARDED_ALLOW_IPS" in os.environ,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
