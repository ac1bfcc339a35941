"""The schema comes only from the migrations, and they build exactly what the models describe."""

import datetime as dt
import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import api.idempotency  # noqa: F401  (registers its table)
import settlement.tables  # noqa: F401  (registers the ledger tables)
from api.database import alembic_config, connect
from registry.tables import Base

pytestmark = pytest.mark.anyio


async def test_upgrade_head_gives_the_models_schema_without_drift(database_url: str) -> None:
    database = connect(database_url)
    try:
        async with database.writer.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await database.dispose()
    assert differences == []


async def test_the_credentials_migration_forgets_keys_stored_in_clear(database_url: str) -> None:
    """Answers to user and key creation were kept for Idempotency-Key replays with the key in clear;
    migrating keeps the answer and drops the key."""
    stored = {"user_id": "u", "party_id": "p", "role": "manager", "key": "ls_" + "x" * 43}
    database = connect(database_url)
    try:
        async with database.writer.connect() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0008"))
            await connection.execute(
                text(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) "
                    "VALUES ('u', 'k', :hash, 201, :body, :at)"
                ),
                {"hash": "0" * 64, "body": json.dumps(stored).encode(), "at": dt.datetime.now(dt.UTC)},
            )
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
            await connection.commit()
            body = (await connection.execute(text("SELECT body FROM idempotency_keys"))).scalar_one()
    finally:
        await database.dispose()
    assert json.loads(body) == {**stored, "key": None}
