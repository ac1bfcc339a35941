"""The live audit: replay the stored ledger and compare every table it determines with the database.

The ledger must explain the database exactly (DESIGN §4.4). ``entries`` reads the stored rows as
they are (a corrupt row is a finding, and the replay goes on); ``holdings``, ``records`` and
``statements`` compare the registry's tables with what the replay (``settlement.replay``, the one
place that derives state from entries) established; the market adds its own tables' checks
(``market.audit``). Every difference is a ``Finding`` naming the table and the row, returned all at
once, never raised: a check that cannot even read its table says so as a finding.
"""

from collections.abc import AsyncIterator, Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from settlement.audit.entries import replayed
from settlement.audit.finding import Check, Finding
from settlement.audit.holdings import check_blocks, check_cash
from settlement.audit.records import (
    check_applications,
    check_claims,
    check_contracts,
    check_freezes,
    check_issuances,
    check_parties,
    check_pledges,
    check_retirements,
    check_valuations,
)
from settlement.audit.statements import check_cash_statements, check_unit_statements
from settlement.ledger import Ledger
from settlement.replay import LedgerState

__all__ = ["CHECKS", "Check", "Finding", "audit", "compare_tables", "stored_entries"]

CHUNK = 5_000
CHECKS: tuple[Check, ...] = (
    check_blocks,
    check_cash,
    check_parties,
    check_applications,
    check_issuances,
    check_valuations,
    check_freezes,
    check_retirements,
    check_pledges,
    check_claims,
    check_contracts,
    check_unit_statements,
    check_cash_statements,
)


async def stored_entries(session: AsyncSession, ledger: Ledger, size: int) -> AsyncIterator[bytes]:
    for start in range(0, size, CHUNK):
        for raw in await ledger.entries(session, start, min(size, start + CHUNK)):
            yield raw


async def audit(session: AsyncSession, ledger: Ledger, checks: Sequence[Check] = ()) -> list[Finding]:
    """Every way in which the database differs from the stored ledger; empty when they agree.
    ``checks`` are the upper layers' own tables' (the market's), run after the registry's."""
    state, findings = await replayed(session, ledger.origin)
    return findings + await compare_tables(session, state, (*CHECKS, *checks))


async def compare_tables(session: AsyncSession, state: LedgerState, checks: Sequence[Check]) -> list[Finding]:
    """Run every check; one that fails on a row it cannot read (a value of the wrong type on SQLite)
    becomes a finding, and the others still run."""
    findings: list[Finding] = []
    for check in checks:
        table = check.__name__.removeprefix("check_")
        try:
            async with session.begin_nested():
                findings += await check(session, state)
        except (SQLAlchemyError, ValueError, TypeError, KeyError, AttributeError) as exc:
            findings.append(Finding(table, "*", f"cannot be compared: {type(exc).__name__}: {exc}"))
    return findings
