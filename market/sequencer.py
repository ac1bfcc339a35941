"""The sequencer: this process's one writer of ownership and cash, committing in batches.

Every command that changes units, cash or a book is queued here (per instrument for the books, and
one queue for the rest) and run by one task. It takes whatever is queued — up to ``batch`` commands,
round robin between the queues so that no instrument starves the others, and with no timer: a lone
command goes at once — runs them one after another in **one** transaction, appends the batch's ledger
entries once (the ledger head locked once), commits, and only then answers each command's caller.
The commit decides every answer: nothing is acknowledged before its batch is durable. This is group
commit as LMAX, exchange-core, Trillian and Tessera do it: the commit's cost is shared by the batch,
and a bigger batch under load means a lower cost per command, so the rate rises with the load.

The commands do not flush: what they change waits in the session until the batch's end (or a read
that needs it), so a cash account paid by twenty orders is one UPDATE, the orders one INSERT, and a
block cut by one order and cut again by the next never reaches the database.

Commands in a batch stay independent:

- a command refused (a ``RegistryError``) before it wrote anything, as most refusals are, is simply
  answered with its refusal: nothing to undo;
- a command refused after writing — a statement sent, or a row added, deleted or changed in the
  session (``_Writes``) — or one the database refuses, has the batch rolled back, its
  books rebuilt from the database, and the batch run again with each command in its own SAVEPOINT
  (two round trips a command that the first run saves): the command's error, met again, rolls back
  only its savepoint and is its answer, given against the state that commits;
- a failure of the batch as a whole (the database unreachable, its lock not to be had) is every
  command's answer, once: nothing of a batch that did not commit is applied;
- a COMMIT that fails may have landed (a connection lost after it was sent): the ledger's head, read
  anew, tells which, and the callers are answered accordingly — never run again;
- a caller that goes away (a client that disconnects) does not take its command with it: the
  command is already sequenced and runs, and its answer is dropped;
- a full queue refuses at once (``Overloaded``: 503 with ``Retry-After``), never an unbounded wait.

After each commit the books the batch touched publish their depth, so market data is read from
memory and shows only what is durable.
"""

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstanceState, Mapper, Session

from market.errors import Overloaded
from market.exchange import Exchange, Market
from market.execution import lock_front
from registry.assets import forget_asset_classes
from registry.errors import RegistryError
from registry.tables import Base
from settlement.ledger import Ledger, current_size
from settlement.unit_of_work import Clock, UnitOfWork

T = TypeVar("T")
Command = Callable[[UnitOfWork, Market | None], Awaitable[T]]

BATCH = 256  # commands per transaction at most, as Tessera's sequencer
QUEUED = 4096  # commands waiting at most; beyond, callers are told to come back

log = logging.getLogger("liangshan")


@dataclass(slots=True)
class _Queued:
    instrument: str | None
    acting_user: str | None
    run: Command[Any]
    answer: asyncio.Future[Any]


class Sequencer:
    """Queues commands, runs them in batches, answers after each batch's commit."""

    def __init__(
        self,
        exchange: Exchange,
        writes: async_sessionmaker[AsyncSession],
        ledger: Ledger,
        clock: Clock,
        ids: Callable[[], str],
        *,
        batch: int = BATCH,
        queued: int = QUEUED,
    ) -> None:
        self.exchange = exchange
        self._writes, self._ledger, self._clock, self._ids = writes, ledger, clock, ids
        self._batch, self.limit = batch, queued  # limit: the queue's bound
        self._queues: dict[str | None, deque[_Queued]] = {}
        self._waiting = 0
        self._wake = asyncio.Event()
        self.in_flight = 0  # commands taken into the batch being run
        self.submitted = 0  # commands ever queued, for the tests that race requests
        self.batches = 0  # batches committed, for the benchmarks' and tests' curiosity
        self._closed = False

    @property
    def pending(self) -> int:
        """Commands queued or in the batch being run."""
        return self._waiting + self.in_flight

    async def submit(
        self, instrument: str | None, acting_user: str | None, run: Command[T], *, bounded: bool = True
    ) -> T:
        """Run ``run`` in the next batch (as the one writer of ``instrument``'s book, handed to it,
        if one is named) and return its result once the batch has committed; raise its refusal.
        The platform's own jobs are not ``bounded``: a burst of clients must not crowd them out."""
        if (bounded and self._waiting >= self.limit) or self._closed:
            raise Overloaded(None, queued=self._waiting, retry_after=1)
        answer: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(instrument, deque()).append(_Queued(instrument, acting_user, run, answer))
        self._waiting += 1
        self.submitted += 1
        self._wake.set()
        return await asyncio.shield(answer)  # a cancelled caller leaves its command to run

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["Sequencer"]:
        """Run batches while the block runs; on the way out, finish what is queued."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._loop(stop))
        try:
            yield self
        finally:
            stop.set()
            self._wake.set()
            await task

    async def _loop(self, stop: asyncio.Event) -> None:
        """Run batches until stopped; whatever stops it answers every command still waiting, so no
        caller waits for ever, and refuses new ones."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._waiting:
                    batch = self._take()
                    self.in_flight = len(batch)
                    await self._settle(batch)
                    self.in_flight = 0
                if stop.is_set():
                    return
        finally:
            self._closed = True
            stopped = Overloaded(None, queued=self._waiting, retry_after=1)
            for queue in self._queues.values():
                for queued in queue:
                    _answer(queued.answer, stopped, failed=True)
            self._queues.clear()
            self._waiting = 0

    def _take(self) -> list[_Queued]:
        """Up to ``batch`` commands, one from each queue in turn."""
        batch: list[_Queued] = []
        while self._queues and len(batch) < self._batch:
            for instrument in list(self._queues)[: self._batch - len(batch)]:
                queue = self._queues[instrument]
                batch.append(queue.popleft())
                if not queue:
                    del self._queues[instrument]
        self._waiting -= len(batch)
        return batch

    async def _settle(self, batch: list[_Queued]) -> None:
        """Commit ``batch`` and answer its callers."""
        try:
            outcomes = await self._commit(batch)
        except Exception as failure:  # the batch as a whole: nothing of it landed
            log.warning("a batch of %d failed: %s", len(batch), failure)
            self._forget(batch)
            outcomes = [(failure, True)] * len(batch)
        else:
            self.batches += 1
        for queued, (result, failed) in zip(batch, outcomes, strict=True):
            _answer(queued.answer, result, failed=failed)

    async def _commit(self, batch: list[_Queued]) -> list[tuple[Any, bool]]:
        """Run ``batch`` in one transaction and commit it: the outcome of each command (see above)."""
        try:
            return await self._attempt(batch, guarded=False)
        except _CommandFailed:
            self._forget(batch)
            return await self._attempt(batch, guarded=True)

    async def _attempt(self, batch: list[_Queued], *, guarded: bool) -> list[tuple[Any, bool]]:
        """Run ``batch`` and commit; then the books it used (rebuilt if a refused command had one
        dropped) publish what they hold."""
        work = UnitOfWork(self._writes, self._ledger, self._clock, self._ids)
        books: set[str] = set()
        ahead = Counter(q.instrument for q in batch if q.instrument is not None)
        async with work, _Writes.on(work.session) as writes:
            outcomes = [
                await self._step(work, queued, writes, books, ahead, guarded=guarded) for queued in batch
            ]
            await _flushed(work.session)
            for instrument in books:
                await self.exchange.market(work.session, instrument)
            size = await work.append()
            try:
                await work.land(size)
            except Exception:
                if size is None or not await self._landed(size):
                    raise
                self._ledger.landed(work.events, size)
        for instrument in books:
            self.exchange.publish(instrument)
        return outcomes

    async def _step(
        self,
        work: UnitOfWork,
        queued: _Queued,
        writes: "_Writes",
        books: set[str],
        ahead: Counter[str],
        *,
        guarded: bool,
    ) -> tuple[Any, bool]:
        """Run one command; its refusal is its answer, and undoes only it (see the module's notes).
        The first command on a book reads, for all the batch has on it (``ahead``), the resting
        orders they may fill."""
        market, changes = None, None
        recorded, written = len(work.events), writes.seen()
        work.acting_user = queued.acting_user
        try:
            if queued.instrument is not None:
                market = await self.exchange.market(work.session, queued.instrument)
                if queued.instrument not in books:
                    await lock_front(work, market, ahead[queued.instrument])
                books.add(queued.instrument)
                changes = market.book.changes
            if guarded:
                async with work.session.begin_nested():
                    result = await queued.run(work, market)
            else:  # written with the rest of the batch, at its end or at a read that needs it
                result = await queued.run(work, market)
        except Exception as error:
            if _lost(error):
                raise  # the connection, not the command: the batch fails as a whole
            wrote = (
                writes.seen() != written
                or len(work.events) != recorded
                or (market is not None and market.book.changes != changes)
            )
            if not guarded and (wrote or not isinstance(error, RegistryError)):
                raise _CommandFailed from error
            del work.events[recorded:]
            if market is not None and market.book.changes != changes:  # restored as the transaction has it
                self.exchange.drop(market.terms.instrument)
                await self.exchange.market(work.session, market.terms.instrument)
            return error, True
        return result, False

    async def _landed(self, size: int) -> bool:
        """Whether a batch whose COMMIT raised landed all the same: the ledger's head, read anew, is
        as the batch left it."""
        async with self._writes() as session:
            return await current_size(session) == size

    def _forget(self, batch: list[_Queued]) -> None:
        """After a batch rolled back: forget the books it touched and what the registry kept from its
        transaction; both may hold what the database does not."""
        for instrument in {queued.instrument for queued in batch}:
            if instrument is not None:
                self.exchange.drop(instrument)
        forget_asset_classes()


def _lost(error: Exception) -> bool:
    """Whether ``error`` is the database connection's, not the command's."""
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError)
    )


class _CommandFailed(Exception):
    """A command refused once it had written, or refused by the database: the batch is run again,
    each command in its own savepoint."""


async def _flushed(session: AsyncSession) -> None:
    """Write what the batch's commands left in the session; a refusal of it (the database's, or the
    session's own) is one of theirs, to be found by running the batch again."""
    try:
        await session.flush()
    except Exception as error:
        if _lost(error):
            raise
        raise _CommandFailed from error


class _Writes:
    """What a batch's session has changed so far, to tell whether a refused command wrote: the rows
    added to it, taken from it, marked deleted in it or changed in it, counted when the command does
    so, and the statements other than reads that it sent itself. What a flush sends is left out: it
    writes changes counted when they were made, by this command or one before it, and a command that
    only read (a read flushes what is pending) did not write."""

    _watching: ClassVar[dict[int, "_Writes"]] = {}  # by the session's hash key

    def __init__(self, session: Session) -> None:
        self._session = session
        self._statements = self._changes = self._deleted_before = 0
        self._flushing = False

    def seen(self) -> tuple[int, int, int]:
        """Counters that only grow; a command changed something if they moved while it ran."""
        return self._statements, self._changes, self._deleted_before + len(self._session.deleted)

    @classmethod
    @contextlib.asynccontextmanager
    async def on(cls, session: AsyncSession) -> AsyncIterator["_Writes"]:
        _prepare_mappers()
        sync = session.sync_session
        writes = cls(sync)
        listeners: list[tuple[Session, str, Callable[..., None]]] = [
            (sync, "transient_to_pending", writes._changed),
            (sync, "pending_to_transient", writes._changed),
            (sync, "before_flush", writes._flush_begins),
            (sync, "after_flush_postexec", writes._flush_ends),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        event.listen((await session.connection()).sync_connection, "before_cursor_execute", writes._sent)
        cls._watching[sync.hash_key] = writes
        try:
            yield writes
        finally:
            del cls._watching[sync.hash_key]
            for target, name, listener in listeners:
                event.remove(target, name, listener)

    def _sent(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not self._flushing and not statement.startswith("SELECT"):
            self._statements += 1

    def _changed(self, *_: object) -> None:
        self._changes += 1

    def _flush_begins(self, session: Session, *_: object) -> None:
        self._flushing = True
        self._deleted_before += len(session.deleted)  # marked before, and gone from the set after

    def _flush_ends(self, *_: object) -> None:
        self._flushing = False

    @classmethod
    def attribute_set(cls, state: InstanceState[Any], *_: object) -> None:
        writes = cls._watching.get(state.session_id) if state.session_id is not None else None
        if writes is not None:
            writes._changes += 1


_prepared: set[Mapper[Any]] = set()


@event.listens_for(Mapper, "after_configured")
def _prepare_mappers() -> None:
    """Ready every mapped row, once mapped, for batches whose flush comes at their end, not after
    each command (also called by the first batch, for rows configured before this module was loaded).

    Its columns tell the batch watching its session that they were set (``_Writes``). And the rows
    of a flush are written parents first, as the tables' foreign keys order them: SQLAlchemy orders
    the rows of mappers that no ``relationship`` links by ``Mapper._sort_key``, their class names,
    which wrote a buy's fill before the sell order it names when both were new in one batch. (Rows
    deleted are ordered so too, parents first; only serial blocks, which no row names, are.)"""
    position: dict[object, int] = {table: i for i, table in enumerate(Base.metadata.sorted_tables)}
    for mapper in set(Base.registry.mappers) - _prepared:
        mapper._sort_key = f"{position[mapper.local_table]:04d} {mapper._sort_key}"
        for column in mapper.column_attrs:
            event.listen(getattr(mapper.class_, column.key), "set", _Writes.attribute_set, raw=True)
        _prepared.add(mapper)


def _answer(answer: asyncio.Future[Any], outcome: Any, *, failed: bool) -> None:
    if answer.done():  # its caller's loop went away
        return
    if failed:
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)
