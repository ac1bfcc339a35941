"""Rows a transaction holds locked for update, read from the database once; and other answers a
transaction may keep while it runs (a holding's blocks, a party checked not frozen).

A row locked ``FOR UPDATE`` stays locked until its transaction ends and changes only through the
session that locked it, so reading it again — as every order of a batch does with the same few cash
accounts, each order several times (hold, release, pay) — needs no statement: this module keeps the
row (the session's identity map would hold it only weakly). A savepoint rolled back releases the
locks taken inside it (and the session expires the rows changed there), so then every lock is taken
again; so it is once the transaction ends.
"""

from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

R = TypeVar("R")
_HELD = "locked"  # the session's ``info`` key: what it keeps, its locked rows by type and key


async def locked(session: AsyncSession, row_type: type[R], key: Any) -> R | None:
    """The row of ``row_type`` with primary key ``key``, locked for update; None if there is none."""
    row: R | None = known(session, (row_type, key))
    if row is None:
        row = await session.get(row_type, key, with_for_update=True)
        if row is not None:
            inserted(session, row_type, key, row)  # kept: the identity map holds unchanged rows weakly
    return row


def inserted(session: AsyncSession, row_type: type[R], key: Any, row: R) -> None:
    """Keep a row this transaction locked, or inserted (no other transaction can see it yet)."""
    keep(session, (row_type, key), row)


def keep(session: AsyncSession, key: tuple[Any, ...], value: Any) -> None:
    """Keep ``value`` (an answer the caller read in this transaction, which only it changes) under
    ``key`` (a name of the caller's) until the transaction ends or a savepoint rolls back."""
    _held(session)[key] = value


def known(session: AsyncSession | Session, key: tuple[Any, ...]) -> Any:
    """What was kept under ``key`` in this transaction, or None."""
    return _held(session).get(key)


def forget(session: AsyncSession | Session, key: tuple[Any, ...]) -> None:
    """Drop what was kept under ``key``: the caller changed what it stood for."""
    _held(session).pop(key, None)


def _held(session: AsyncSession | Session) -> dict[tuple[Any, ...], Any]:
    held: dict[tuple[Any, ...], Any] = session.info.setdefault(_HELD, {})
    return held


@event.listens_for(Session, "after_soft_rollback")
def _released_by_rollback(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_HELD, None)


@event.listens_for(Session, "after_transaction_end")
def _released_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a savepoint within it
        session.info.pop(_HELD, None)
