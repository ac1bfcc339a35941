"""The migration that brings in the index of the parties each entry names fills it for the entries
written before it, exactly as the ledger fills it on every append since."""

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from api.config import Settings
from api.database import alembic_config, upgrade
from api.demo import Demo
from api.platform import build_platform
from settlement.tables import LedgerPartyRow

pytestmark = pytest.mark.anyio
REVISION = "0011"  # the migration that creates ledger_parties


async def test_the_migration_indexes_earlier_entries_as_appends_do(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, ledger_key=tmp_path / "ledger.key")
    async with build_platform(settings) as core:
        await Demo(core).seed()
        query = select(LedgerPartyRow.party, LedgerPartyRow.seq).order_by(
            LedgerPartyRow.seq, LedgerPartyRow.party
        )
        async with core.database.reads() as session:
            appended = (await session.execute(query)).all()
        async with core.database.writer.connect() as connection:
            await connection.run_sync(lambda sync: _downgrade_below(alembic_config(sync)))
            await connection.commit()
        await upgrade(core.database)
        async with core.database.reads() as session:
            backfilled = (await session.execute(query)).all()
    assert len(appended) > 300
    assert backfilled == appended


def _downgrade_below(config: object) -> None:
    below = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    command.downgrade(config, str(below))
