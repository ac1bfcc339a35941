"""A finding: one way in which the database differs from what the ledger says, naming the table and
the row, so that an auditor can go and look. Checks return lists of them, never raise."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from settlement.replay import LedgerState

Key = TypeVar("Key")


@dataclass(frozen=True, slots=True)
class Finding:
    table: str
    row: str  # the row's key, as text
    detail: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}: {self.detail}"


Check = Callable[[AsyncSession, LedgerState], Awaitable[list[Finding]]]


def compare(
    table: str,
    database: Mapping[Key, Mapping[str, object]],
    ledger: Mapping[Key, Mapping[str, object]],
    missing: str = "the ledger records it; the database has no such row",
    extra: str = "no ledger entry records it",
) -> list[Finding]:
    """Row by row and field by field: rows only one side has, and every field that differs."""
    found = []
    for key in sorted(set(database) | set(ledger), key=str):
        ours, theirs = database.get(key), ledger.get(key)
        if ours is None:
            found.append(Finding(table, str(key), missing))
        elif theirs is None:
            found.append(Finding(table, str(key), extra))
        else:
            found += [
                Finding(table, str(key), f"{name} is {ours[name]!r} in the database, {value!r} in the ledger")
                for name, value in theirs.items()
                if ours.get(name) != value
            ]
    return found
