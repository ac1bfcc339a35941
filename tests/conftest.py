"""Test databases: every test gets a freshly migrated database, SQLite or PostgreSQL.

``LIANGSHAN_TEST_DATABASE=sqlite`` (default) or ``postgres``. The schema is built once per run by the
Alembic migrations into a template (a file, or a PostgreSQL template database) and copied per test.
Without a reachable PostgreSQL the PostgreSQL run is skipped, except under ``CI=true``.
"""

import asyncio
import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from api.database import connect, upgrade
from market import engine
from tests.platform import Platform

BACKEND = os.environ.get("LIANGSHAN_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "LIANGSHAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ROOT = Path(__file__).resolve().parent.parent
# one pair of databases per checkout, so that runs from two checkouts on one server do not collide
_CHECKOUT = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
TEMPLATE_DB, TEST_DB = f"liangshan_template_{_CHECKOUT}", f"liangshan_test_{_CHECKOUT}"


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


async def _admin(*statements: str) -> None:
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
    )
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


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database that each test copies: a SQLite file, or a PostgreSQL template database."""
    if BACKEND == "postgres":
        asyncio.run(
            _admin(
                f"DROP DATABASE IF EXISTS {TEST_DB}",
                f"DROP DATABASE IF EXISTS {TEMPLATE_DB}",
                f"CREATE DATABASE {TEMPLATE_DB}",
            )
        )
        asyncio.run(_migrate(_postgres_url(TEMPLATE_DB)))
        return TEMPLATE_DB
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return str(path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database_url(template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if BACKEND == "postgres":
        asyncio.run(
            _admin(
                f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)",
                f"CREATE DATABASE {TEST_DB} TEMPLATE {template}",
            )
        )
        yield _postgres_url(TEST_DB)
        return
    path = tmp_path / "liangshan.db"
    shutil.copy(template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def platform(database_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    async with Platform.start(database_url, tmp_path / "ledger.key") as running:
        yield running
