"""Serial blocks and cash accounts against the replayed ledger (DESIGN §4.4): every row's serials,
owner, state and lien, every serial the ledger places, and every balance and reservation."""

from bisect import bisect_right

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry.tables import BlockRow, CashAccountRow
from settlement.audit.finding import Finding, compare
from settlement.replay import LedgerState


def _holder(block: b.Block) -> str:
    lien = f" under {block.ref}" if block.ref else ""
    return f"{block.owner}, {block.state}{lien}"


def _row_findings(block_id: int, issuance: int, row: b.Block, ledger: list[b.Block]) -> list[Finding]:
    """What the ledger says of this row's serials, where it differs from the row."""
    firsts = [x.first for x in ledger]
    found = []
    for x in ledger[max(bisect_right(firsts, row.first) - 1, 0) : bisect_right(firsts, row.last)]:
        if x.last < row.first or x.first > row.last:
            continue
        if (x.owner, x.state, x.ref) != (row.owner, row.state, row.ref):
            first, last = max(x.first, row.first), min(x.last, row.last)
            found.append(
                Finding(
                    "serial_blocks",
                    str(block_id),
                    f"issuance {issuance} serials {first}-{last}: {_holder(row)} in the database, "
                    f"{_holder(x)} in the ledger",
                )
            )
    return found


def _placed(rows: list[tuple[int, b.Block]]) -> list[tuple[int, int]]:
    """The serial ranges the rows cover, merged."""
    spans: list[tuple[int, int]] = []
    for _, row in sorted(rows, key=lambda r: r[1].first):
        if spans and row.first <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], row.last))
        else:
            spans.append((row.first, row.last))
    return spans


async def check_blocks(session: AsyncSession, state: LedgerState) -> list[Finding]:
    database: dict[int, list[tuple[int, b.Block]]] = {}
    query = select(
        BlockRow.id,
        BlockRow.issuance_id,
        BlockRow.first,
        BlockRow.last,
        BlockRow.owner_id,
        BlockRow.state,
        BlockRow.ref,
    )
    for block_id, issuance, first, last, owner, status, ref in (await session.execute(query)).all():
        database.setdefault(issuance, []).append((block_id, b.Block(first, last, owner, status, ref)))
    found = []
    for issuance in sorted(set(database) | set(state.issuances)):
        rows, ledger = database.get(issuance, []), b.normalise(state.issuances.get(issuance, []))
        if b.normalise(row for _, row in rows) == ledger:
            continue
        for block_id, row in rows:
            found += _row_findings(block_id, issuance, row, ledger)
        whole = [(x.first, x.last) for x in b.normalise(b.Block(x.first, x.last, "") for x in ledger)]
        if _placed(rows) != whole or sum(row.quantity for _, row in rows) != sum(x.quantity for x in ledger):
            found.append(
                Finding(
                    "serial_blocks",
                    f"issuance {issuance}",
                    f"the rows cover serials {_placed(rows)} ({sum(r.quantity for _, r in rows)} units); "
                    f"the ledger places {whole}",
                )
            )
    return found


async def check_cash(session: AsyncSession, state: LedgerState) -> list[Finding]:
    query = select(CashAccountRow.party_id, CashAccountRow.balance, CashAccountRow.reserved)
    database = {
        party: {"balance": balance, "reserved": held}
        for party, balance, held in (await session.execute(query)).all()
    }
    ledger = {
        party: {"balance": state.cash.get(party, 0), "reserved": state.reserved.get(party, 0)}
        for party in set(state.cash) | set(state.reserved) | set(database)
    }
    return compare("cash_accounts", database, ledger)
