"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys and ``BEGIN IMMEDIATE`` for writers, so two writers never both read
the same free units and then race to spend them: the second waits for the first. Readers use a second
engine with plain deferred transactions, so they never wait for writers. The sequencer, the writer of
nearly everything, has a connection of its own whose statements run on the event loop's thread
(``api.sqlite_inline``); on PostgreSQL it shares the writers' pool.
"""

import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from api import sqlite_inline

# the repository's ``migrations/``, which setup.py installs as this package: the same lookup serves a
# checkout (an editable install) and an installed wheel
MIGRATIONS = str(resources.files("api.migrations"))
BUSY_TIMEOUT_MS = 30_000
# SQLite connections are kept, never opened per request: each is a thread and a round of PRAGMAs,
# and a burst of overflow connections opened and closed again costs more than waiting for one
POOL = 10


@dataclass(frozen=True, slots=True)
class Database:
    writer: AsyncEngine
    reader: AsyncEngine
    sequencer: AsyncEngine
    writes: async_sessionmaker[AsyncSession]
    reads: async_sessionmaker[AsyncSession]
    sequenced: async_sessionmaker[AsyncSession]  # the sequencer's (market.sequencer)

    async def dispose(self) -> None:
        for engine in {self.writer, self.reader, self.sequencer}:
            await engine.dispose()


def connect(url: str) -> Database:
    if url.startswith("sqlite"):
        writer, reader = _sqlite(url, "BEGIN IMMEDIATE"), _sqlite(url, "BEGIN")
        sequencer = _sqlite(url, "BEGIN IMMEDIATE", inline=True)
    else:
        writer = reader = sequencer = create_async_engine(url, pool_size=10, max_overflow=20)
    return Database(
        writer,
        reader,
        sequencer,
        async_sessionmaker(writer, expire_on_commit=False),
        async_sessionmaker(reader, expire_on_commit=False),
        async_sessionmaker(sequencer, expire_on_commit=False),
    )


def _sqlite(url: str, begin: str, *, inline: bool = False) -> AsyncEngine:
    if inline:  # one connection: there is one sequencer
        path, timeout_s = make_url(url).database or "", BUSY_TIMEOUT_MS / 1000

        async def inline_connection() -> sqlite_inline.Connection:
            return sqlite_inline.Connection(path, timeout_s)

        engine = create_async_engine(url, async_creator=inline_connection, pool_size=1, max_overflow=0)
    else:
        engine = create_async_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, pool_size=POOL, max_overflow=0
        )

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        if not inline:  # (the inline connection is made so)
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
        cursor = dbapi_connection.cursor()
        pragmas = ["journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"]
        if not inline:  # (the inline connection waits for the lock on the loop, not in SQLite)
            pragmas.append(f"busy_timeout={BUSY_TIMEOUT_MS}")
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest migration; the only way tables are ever created."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration on every start is noise
    async with database.writer.connect() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        await connection.commit()
