"""Both statements, line by line: every unit statement line (``movements``) and cash statement line
(``cash_movements``, with the balance after it) must be one the entries make, and every line the
entries make must be there. A deposit's bank reference is the bank's own and not in the ledger; the
yearly payments of a contract (rent, minimum dividend, end share) are one kind of entry, so those
lines are compared as one kind."""

from collections import Counter
from collections.abc import Hashable, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.tables import CashMovementRow, MovementRow
from settlement.audit.finding import Finding
from settlement.replay import CashLine, LedgerState, UnitLine

_YEARLY = {"end_share": "rent"}  # the kinds a ``contract.paid`` line may have, as one
_BANK_REFERENCE = frozenset({"deposit", "withdrawal"})


def _matched(
    table: str, rows: Iterable[tuple[int, Hashable]], lines: Iterable[Hashable], party: int
) -> list[Finding]:
    """Rows whose line no entry makes (by row id), and lines no row shows (by party)."""
    wanted = Counter(lines)
    found = []
    for row_id, line in rows:
        if wanted[line] > 0:
            wanted[line] -= 1
        else:
            found.append(Finding(table, str(row_id), f"no ledger entry makes this line: {line}"))
    for line, count in wanted.items():
        for _ in range(count):
            owner = line[party] if isinstance(line, tuple) else "?"
            found.append(
                Finding(table, f"party {owner}", f"the ledger makes a line the database lacks: {line}")
            )
    return found


async def check_unit_statements(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    rows = [
        (
            row.id,
            UnitLine(
                row.party_id,
                row.issuance_id,
                row.kind,
                row.quantity,
                row.first,
                row.last,
                row.counterparty_id,
                row.reference,
            ),
        )
        for row in (await session.execute(select(MovementRow).order_by(MovementRow.id))).scalars()
    ]
    return _matched("movements", rows, state.facts.unit_lines, party=0)


async def check_cash_statements(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    rows = [
        (
            row.id,
            CashLine(
                row.party_id,
                _YEARLY.get(row.kind, row.kind),
                row.amount,
                row.balance_after,
                row.bank_id,
                row.counterparty_id,
                None if row.kind in _BANK_REFERENCE else row.reference,
            ),
        )
        for row in (await session.execute(select(CashMovementRow).order_by(CashMovementRow.id))).scalars()
    ]
    return _matched("cash_movements", rows, state.facts.cash_lines, party=0)
