"""Test databases: every test starts on a freshly migrated database, SQLite or PostgreSQL.

``LIANGSHAN_TEST_DATABASE=sqlite`` (default) or ``postgres``. The schema is built once per run (per
pytest-xdist worker) by the Alembic migrations, and every test starts from exactly that state: on
SQLite a copy of the migrated file; on PostgreSQL the worker's database emptied and given back the
rows and sequence values the migrations left (cheaper than a ``CREATE DATABASE … TEMPLATE`` per test).
Without a reachable PostgreSQL the PostgreSQL run is skipped, except under ``CI=true``.
"""

import asyncio
import graphlib
import hashlib
import logging
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from api.database import connect, upgrade
from market import engine
from tests.platform import Platform

# one INFO line per test-client request, written by the app's logging thread after pytest has closed
# the stream it captured: noise, and "--- Logging error ---" tracebacks in the run's output
logging.getLogger("httpx").setLevel(logging.WARNING)

BACKEND = os.environ.get("LIANGSHAN_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "LIANGSHAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ROOT = Path(__file__).resolve().parent.parent
# one pair of databases per checkout and per xdist worker, so that runs from two checkouts on one
# server, and the workers of one run, do not collide
_CHECKOUT = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEMPLATE_DB, TEST_DB = f"liangshan_template_{_CHECKOUT}_{_WORKER}", f"liangshan_test_{_CHECKOUT}_{_WORKER}"


def pytest_configure(config: pytest.Config) -> None:
    _refuse_stale_compiled_modules()
    if BACKEND != "postgres":
        return
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc})"
        if os.environ.get("CI") == "true":
            pytest.exit(f"{message}; CI requires it", returncode=1)
        pytest.exit(f"{message}: skipping the PostgreSQL run (CI=true makes this a failure)", returncode=0)


def pytest_report_header() -> str:
    built = "interpreted" if engine.__file__.endswith(".py") else "compiled by mypyc"
    return f"liangshan test database: {BACKEND}; matching engine: {built}"


def _refuse_stale_compiled_modules() -> None:
    """A compiled module shadows its source: one built before the last edit would test old code."""
    for module in ROOT.glob("*/*.cpython-*.so"):
        source = module.with_name(module.name.split(".")[0] + ".py")
        if source.exists() and source.stat().st_mtime > module.stat().st_mtime:
            pytest.exit(f"{module.name} predates {source.name}: `make test` recompiles it", returncode=1)


async def _postgres(database: str = "postgres") -> asyncpg.Connection:
    url = make_url(POSTGRES_URL)
    return await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=database
    )


async def _admin(*statements: str) -> None:
    connection = await _postgres()
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    database = connect(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@dataclass(frozen=True)
class Migrated:
    """What the migrations leave in a PostgreSQL database: every table (children before the tables
    they refer to), the rows of those they fill, and every sequence's position."""

    tables: list[str]
    rows: dict[str, list[asyncpg.Record]]
    sequences: list[tuple[str, int, bool]]

    @classmethod
    async def read(cls, connection: asyncpg.Connection) -> "Migrated":
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        refers = await connection.fetch(
            "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent "
            "FROM pg_constraint WHERE contype = 'f'"
        )
        parents: dict[str, set[str]] = {t["tablename"]: set() for t in tables}
        for row in refers:
            if row["child"] != row["parent"]:
                parents[row["child"]].add(row["parent"])
        ordered = list(reversed(list(graphlib.TopologicalSorter(parents).static_order())))
        rows = {t: await connection.fetch(f'SELECT * FROM "{t}"') for t in ordered}
        sequences = await connection.fetch(
            "SELECT schemaname || '.' || sequencename AS name, COALESCE(last_value, start_value) AS value, "
            "last_value IS NOT NULL AS called FROM pg_sequences WHERE schemaname = 'public'"
        )
        return cls(
            ordered,
            {t: found for t, found in rows.items() if found},
            [(s["name"], s["value"], s["called"]) for s in sequences],
        )

    async def restore(self, connection: asyncpg.Connection) -> None:
        async with connection.transaction():
            for table in self.tables:
                await connection.execute(f'DELETE FROM "{table}"')
            for table, rows in reversed(self.rows.items()):
                await connection.copy_records_to_table(
                    table, records=[tuple(r) for r in rows], columns=list(rows[0].keys())
                )
            for name, value, called in self.sequences:
                await connection.execute("SELECT setval($1, $2, $3)", name, value, called)


@dataclass(frozen=True)
class Template:
    url: str  # the database every test of this worker uses
    path: Path | None = None  # SQLite: the migrated file copied over it before each test
    migrated: Migrated | None = None  # PostgreSQL: what the database is given back before each test


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The migrated state each test starts from, and the one database the worker's tests use."""
    if BACKEND == "postgres":
        asyncio.run(
            _admin(
                f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)",
                f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
                f"CREATE DATABASE {TEMPLATE_DB}",
            )
        )
        asyncio.run(_migrate(_postgres_url(TEMPLATE_DB)))
        asyncio.run(
            _admin(
                f"CREATE DATABASE {TEST_DB} TEMPLATE {TEMPLATE_DB}",
                # commits need not wait for the disk: the tests kill our server, never PostgreSQL
                f"ALTER DATABASE {TEST_DB} SET synchronous_commit = off",
            )
        )
        return Template(_postgres_url(TEST_DB), migrated=asyncio.run(_read_migrated()))
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    database = tmp_path_factory.mktemp("database") / "liangshan.db"
    return Template(f"sqlite+aiosqlite:///{database}", path=path)


async def _read_migrated() -> Migrated:
    connection = await _postgres(TEST_DB)
    try:
        return await Migrated.read(connection)
    finally:
        await connection.close()


async def _restore(migrated: Migrated) -> None:
    connection = await _postgres(TEST_DB)
    try:
        # a connection left by an earlier test (a killed server's, say) must not hold a lock
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await migrated.restore(connection)
    finally:
        await connection.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database_url(template: Template) -> str:
    """The worker's database, just as the migrations left it."""
    if template.migrated is not None:
        asyncio.run(_restore(template.migrated))
        return template.url
    assert template.path is not None
    database = Path(make_url(template.url).database or "")
    for leftover in database.parent.glob(database.name + "*"):  # the file, its WAL and shared memory
        leftover.unlink()
    shutil.copy(template.path, database)
    return template.url


@pytest.fixture(scope="session")
def ledger_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signing key per worker: each test's ledger starts empty, so any key may sign it."""
    return tmp_path_factory.mktemp("key") / "ledger.key"


@pytest.fixture
async def platform(database_url: str, ledger_key: Path) -> AsyncIterator[Platform]:
    async with Platform.start(database_url, ledger_key) as running:
        yield running
