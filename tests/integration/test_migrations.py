"""The schema comes only from the migrations, and they build exactly what the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import api.idempotency  # noqa: F401  (registers its table)
import settlement.tables  # noqa: F401  (registers the ledger tables)
from api.database import connect
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
