"""Replay the ledger against the live database and list every difference.

The ledger must explain the database exactly (DESIGN §4.4): the blocks of every issuance, in shape,
owner, state and lien, and every cash balance. Differences are returned as a list, not raised, so an
auditor sees all of them at once.
"""

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry.tables import BlockRow, CashAccountRow
from settlement.entries import decode
from settlement.ledger import Ledger, current_size
from settlement.replay import LedgerState, ReplayError

CHUNK = 5_000


async def stored_entries(session: AsyncSession, ledger: Ledger, size: int) -> AsyncIterator[bytes]:
    for start in range(0, size, CHUNK):
        for raw in await ledger.entries(session, start, min(size, start + CHUNK)):
            yield raw


async def audit(session: AsyncSession, ledger: Ledger) -> list[str]:
    """Every way in which the database differs from the replayed ledger; empty when they agree."""
    state = LedgerState()
    seq = 0
    async for raw in stored_entries(session, ledger, await current_size(session)):
        try:
            state.apply(decode(raw, ledger.origin))
        except (ValueError, ReplayError) as exc:
            return [f"entry {seq} cannot be replayed: {exc}"]
        seq += 1
    return await differences(session, state)


async def differences(session: AsyncSession, state: LedgerState) -> list[str]:
    """Every way the database differs from a replayed ledger ``state``."""
    return await _compare_blocks(session, state) + await _compare_cash(session, state)


async def _compare_blocks(session: AsyncSession, state: LedgerState) -> list[str]:
    database: dict[int, list[b.Block]] = {}
    for row in (await session.execute(select(BlockRow))).scalars():
        database.setdefault(row.issuance_id, []).append(
            b.Block(row.first, row.last, row.owner_id, row.state, row.ref)
        )
    differences = []
    for issuance in sorted(set(database) | set(state.issuances)):
        ours, theirs = b.normalise(database.get(issuance, [])), b.normalise(state.issuances.get(issuance, []))
        if ours != theirs:
            only_db = [x for x in ours if x not in theirs]
            only_ledger = [x for x in theirs if x not in ours]
            differences.append(f"issuance {issuance}: database has {only_db}, ledger has {only_ledger}")
    return differences


async def _compare_cash(session: AsyncSession, state: LedgerState) -> list[str]:
    query = select(CashAccountRow.party_id, CashAccountRow.balance, CashAccountRow.reserved)
    database = {party: (balance, held) for party, balance, held in (await session.execute(query)).all()}
    ledger = {
        party: (state.cash.get(party, 0), state.reserved.get(party, 0))
        for party in set(state.cash) | set(state.reserved)
    }
    return [
        f"cash of party {party} (balance, held) in fen: database {database.get(party, (0, 0))}, "
        f"ledger {ledger.get(party, (0, 0))}"
        for party in sorted(set(database) | set(ledger))
        if database.get(party, (0, 0)) != ledger.get(party, (0, 0))
    ]
