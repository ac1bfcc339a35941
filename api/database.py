"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys and ``BEGIN IMMEDIATE`` for writers, so two writers never both read
the same free units and then race to spend them: the second waits for the first. Readers use a second
engine with plain deferred transactions, so they never wait for writers. The sequencer, the writer of
nearly everything, has a connection of its own whose statements run on the event loop's thread
(``api.sqlite_inline``); on PostgreSQL it shares the writers' pool.

A read that needs many statements at once (a collateral attestation's answer and evidence) runs as
one call, ``Database.read_at_once``: on SQLite on a third, synchronous engine's one connection, on
the event loop's thread as the sequencer's statements are, each statement a plain call into SQLite
rather than several hand-offs to the async driver's thread and back (about four: cursor, execute,
fetch, close). A read in WAL mode waits for no writer, and a whole attestation takes about a
millisecond; in worker threads its Python competed with the event loop for the GIL, which halved the
rate of fresh attestations and tripled their latency tail. On PostgreSQL each statement is a round
trip anyway, so it runs on the async engine.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from api import sqlite_inline

# the repository's ``migrations/``, which setup.py installs as this package: the same lookup serves a
# checkout (an editable install) and an installed wheel
MIGRATIONS = str(resources.files("api.migrations"))
BUSY_TIMEOUT_MS = 30_000
# a read on the event loop's thread (``read_at_once``) never waits long: in WAL mode only a rare
# recovery keeps a reader out, and meanwhile the loop, the sequencer with it, would stand still
READ_BUSY_TIMEOUT_MS = 500
# SQLite connections are kept, never opened per request: each is a thread and a round of PRAGMAs,
# and a burst of overflow connections opened and closed again costs more than waiting for one
POOL = 10
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Database:
    writer: AsyncEngine
    reader: AsyncEngine
    sequencer: AsyncEngine
    writes: async_sessionmaker[AsyncSession]
    reads: async_sessionmaker[AsyncSession]
    sequenced: async_sessionmaker[AsyncSession]  # the sequencer's (market.sequencer)
    # SQLite only: the synchronous reader behind ``read_at_once``, and its one connection once made
    at_once: Engine | None = None
    kept: list[Connection] = field(default_factory=list)

    async def read_at_once(self, read: Callable[[Connection], T]) -> T:
        """Run ``read`` in one read transaction as one call (see the module's docstring). On SQLite it
        runs on the event loop's thread, so it may read and compute but must not wait on anything."""
        if self.at_once is None:
            async with self.reader.connect() as connection:
                return await connection.run_sync(read)
        if not self.kept:
            self.kept.append(self.at_once.connect())
        transaction = self.kept[0].begin()
        try:
            return read(self.kept[0])
        finally:
            transaction.rollback()  # a read commits nothing; this ends its snapshot

    async def dispose(self) -> None:
        for engine in {self.writer, self.reader, self.sequencer}:
            await engine.dispose()
        for connection in self.kept:
            connection.close()
        if self.at_once is not None:
            self.at_once.dispose()


def connect(url: str) -> Database:
    at_once = None
    if url.startswith("sqlite"):
        writer, reader = _sqlite(url, "BEGIN IMMEDIATE"), _sqlite(url, "BEGIN")
        sequencer = _sqlite(url, "BEGIN IMMEDIATE", inline=True)
        at_once = create_engine(
            make_url(url).set(drivername="sqlite"),
            connect_args={"timeout": READ_BUSY_TIMEOUT_MS / 1000},
            pool_size=1,
            max_overflow=0,
        )
        _configure_sqlite(at_once, "BEGIN", busy_ms=READ_BUSY_TIMEOUT_MS)
    else:
        writer = reader = sequencer = create_async_engine(url, pool_size=10, max_overflow=20)
    return Database(
        writer,
        reader,
        sequencer,
        async_sessionmaker(writer, expire_on_commit=False),
        async_sessionmaker(reader, expire_on_commit=False),
        async_sessionmaker(sequencer, expire_on_commit=False),
        at_once,
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
    _configure_sqlite(engine.sync_engine, begin, inline=inline)
    return engine


def _configure_sqlite(
    engine: Engine, begin: str, *, inline: bool = False, busy_ms: int = BUSY_TIMEOUT_MS
) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        if not inline:  # (the inline connection is made so)
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
        cursor = dbapi_connection.cursor()
        pragmas = ["journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"]
        if not inline:  # (the inline connection waits for the lock on the loop, not in SQLite)
            pragmas.append(f"busy_timeout={busy_ms}")
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


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
