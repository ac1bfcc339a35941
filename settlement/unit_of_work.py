"""The unit of work: one database transaction that ends with the ledger entries of what it changed.

Registry services record events on it (it is their ``Work``); ``commit`` appends them to the ledger
in the same transaction and then commits, so the change and its entry land together or not at all.
Leaving the block without ``commit`` rolls everything back. Each entry records, beside its actor
(a party), the user who acted for it: ``acting_user``, set by whoever runs a user's request.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.events import SYSTEM, Event, Recorded
from settlement.ledger import Ledger

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def random_id() -> str:
    return str(uuid.uuid4())


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ledger: Ledger,
        clock: Clock = system_clock,
        ids: Callable[[], str] = random_id,
        acting_user: str | None = None,
    ) -> None:
        self._sessions = sessions
        self.ledger = ledger
        self._ids = ids
        self.now = clock()
        self.events: list[Recorded] = []
        self.acting_user = acting_user

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    def record(self, event: Event, *, actor: str) -> None:
        self.events.append(Recorded(event, actor, None if actor == SYSTEM else self.acting_user))

    def new_id(self) -> str:
        return self._ids()

    async def commit(self) -> None:
        await self.land(await self.append())

    async def append(self) -> int | None:
        """Append the recorded events to the ledger, in this transaction; the ledger's size after
        them (None if there are none). Nothing is durable until ``land``."""
        return await self.ledger.append(self.session, self.events, self.now) if self.events else None

    async def land(self, size: int | None) -> None:
        """COMMIT. If it raises, the transaction may have landed all the same (a connection lost after
        COMMIT was sent): what memory keeps about its events is read again, and the caller finds out."""
        try:
            await self.session.commit()
        except BaseException:
            self.ledger.in_doubt(self.events)
            raise
        if size is not None:
            self.ledger.landed(self.events, size)
        self.events = []
