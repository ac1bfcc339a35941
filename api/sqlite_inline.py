"""The sequencer's SQLite connection: statements run on the event loop's own thread, the COMMIT (and
its fsync) in a worker thread.

aiosqlite, which every other SQLite session uses, sends each statement to its connection's thread
and back: two thread switches a statement, which on a loaded machine cost more than the statement.
A batch of orders is dozens of statements run one after another by one writer, so those switches
added up to most of a batch's time. The sequencer's statements are short (its transaction holds
SQLite's write lock from ``BEGIN IMMEDIATE``, so none of them waits on another writer), so they run
inline; only the COMMIT, which waits on the disk, leaves the loop. Taking the write lock must not
block the loop either: ``BEGIN IMMEDIATE`` is tried without a busy timeout and, while another
connection (a CLI command, the last-used stamp of a key) holds the lock, tried again after a pause
that lets the loop run, up to the same timeout as the other connections.

This is the subset of aiosqlite's interface that SQLAlchemy's ``sqlite+aiosqlite`` dialect calls,
handed to it as ``async_creator``.
"""

import asyncio
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any, Self

RETRY_S = 0.001


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor, timeout_s: float) -> None:
        self._cursor = cursor
        self._timeout_s = timeout_s

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Self:
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                self._cursor.execute(sql, parameters)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            else:
                return self
            await asyncio.sleep(RETRY_S)  # another connection writes: let the loop run meanwhile

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Self:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    def __init__(self, path: str, timeout_s: float) -> None:
        # no busy timeout in SQLite itself: a wait for the lock sleeps on the loop (Cursor.execute);
        # the COMMIT runs in a worker thread, so the connection is not bound to the loop's thread
        self._conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        self._timeout_s = timeout_s
        self._connection: sqlite3.Connection | None = self._conn  # the dialect asks it before COMMIT

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor(), self._timeout_s)

    async def commit(self) -> None:
        await asyncio.to_thread(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._conn.close()
        self._connection = None
