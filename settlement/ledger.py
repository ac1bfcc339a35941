"""The ledger in the database: append entries with their Merkle nodes, serve entries, roots and proofs.

Appends run inside the caller's transaction, so a change and its entry commit together or not at all.
Proofs read only the O(log n) stored perfect subtrees they need (one query), never the whole tree.

A few reads also come in a synchronous form on a ``Connection`` (``head``, ``about_now``,
``proven_now``), for reads made as one call with other statements (a collateral attestation's
evidence, ``api.database.read_at_once``).
"""

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, Connection, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from registry.epochs import CREDENTIAL_KINDS, Epoch
from registry.errors import InvalidInput
from registry.events import LedgerKeyRotated, Recorded
from settlement import merkle, rotation
from settlement.checkpoint import Checkpoint, sign, verifier_key
from settlement.entries import Entry, encode, format_time
from settlement.sealing import Sealer
from settlement.signing_key import SigningKeyError
from settlement.tables import (
    NODE_INDEX_BITS,
    LedgerEntryRow,
    LedgerHeadRow,
    LedgerNodeRow,
    LedgerPartyRow,
    LedgerSubjectRow,
    node_key,
)
from settlement.tiles import Tile, UnknownTile, path_of
from settlement.visibility import EVERYTHING, PUBLIC_KINDS, Sight, named

HEAD_ID = 1
_NODES_BY_KEY = select(LedgerNodeRow.key, LedgerNodeRow.hash).where(
    LedgerNodeRow.key.in_(bindparam("keys", expanding=True))
)
_HEAD = select(LedgerHeadRow.size, LedgerHeadRow.verifier_key).where(LedgerHeadRow.id == HEAD_ID)
_ABOUT = (
    select(LedgerEntryRow.seq, LedgerEntryRow.canonical)
    .join(LedgerSubjectRow, LedgerSubjectRow.seq == LedgerEntryRow.seq)
    .where(LedgerSubjectRow.issuance == bindparam("issuance"))
    .order_by(LedgerEntryRow.seq)
)


class LedgerRangeError(InvalidInput):
    """Asked for entries or proofs beyond what the ledger holds; ``field`` names the parameter."""

    title = "Outside the ledger"


class StartAfterEnd(LedgerRangeError):
    title = "Start after end"
    template = "start {start} is after end {end}"


class SeqOutsideTree(LedgerRangeError):
    title = "Entry outside the tree"
    template = "entry {seq} is not in a tree of size {size}"


class FirstAfterSecond(LedgerRangeError):
    title = "First size after second"
    template = "the first size is 1 to the second ({second}); {first} is not"


class BeyondLedgerSize(LedgerRangeError):
    title = "Beyond the ledger's size"
    template = "{parameter} is beyond the ledger, whose size is {size}"


class BeyondAnyLedger(LedgerRangeError):
    title = "Beyond any ledger"
    template = "{parameter} is beyond any ledger this store can hold"


@dataclass(frozen=True, slots=True)
class InclusionProof:
    seq: int
    size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    first: int
    second: int
    path: list[bytes]
    first_root: bytes
    second_root: bytes


async def _insert_many(
    connection: AsyncConnection, table: str, columns: tuple[str, ...], rows: Sequence[tuple[object, ...]]
) -> None:
    """Bulk insert plain tuples at driver level: the append's hot path, where SQLAlchemy's per-row
    parameter processing cost more than the database's own work. PostgreSQL takes them by COPY
    (inside the same transaction), SQLite by one executemany. Table and columns are fixed names."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None, "an open transaction has a driver connection"
        await driver.copy_records_to_table(table, records=rows, columns=columns)
        return
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    await connection.exec_driver_sql(sql, list(rows))


async def current_size(session: AsyncSession) -> int:
    query = select(LedgerHeadRow.size).where(LedgerHeadRow.id == HEAD_ID)
    return (await session.execute(query)).scalar_one()


async def current_key(session: AsyncSession) -> str | None:
    """The verifier key the latest rotation handed over to; None before any rotation."""
    query = select(LedgerHeadRow.verifier_key).where(LedgerHeadRow.id == HEAD_ID)
    return (await session.execute(query)).scalar_one()


def _pack(frontier: Sequence[tuple[int, bytes]]) -> bytes:
    return b"".join(bytes([level]) + digest for level, digest in frontier)


def _unpack(blob: bytes) -> list[tuple[int, bytes]]:
    return [(blob[i], blob[i + 1 : i + 33]) for i in range(0, len(blob), 33)]


class Ledger:
    """One append-only log with its origin and signing key."""

    def __init__(self, origin: str, key: Ed25519PrivateKey) -> None:
        self.origin = origin
        self._key = key
        self.verifier_key = verifier_key(origin, key.public_key())
        self.sealer = Sealer(key)  # seals the secrets the platform keeps (``settlement.sealing``)
        self._notes: dict[int, str] = {}
        # What this process has committed, for answers served from memory (one serving process per
        # database, as the in-memory order books already need): per issuance the ledger size after
        # its latest entry, and a count of committed appends.
        self._landed: dict[int, int] = {}
        self.appends = 0
        # moves when a batch that can change who an API key is gets appended, and again when it
        # lands or fails: what ``api.access`` keeps of a key is good while it stands still
        self.credentials = Epoch(CREDENTIAL_KINDS)

    def landed(self, events: Sequence[Recorded], size: int) -> None:
        """Called once the transaction holding ``events`` (the ledger now ``size`` long) committed."""
        for recorded in events:
            for issuance in recorded.event.subjects():
                self._landed[issuance] = size
        self.appends += 1
        self.credentials.move_for(events)

    def in_doubt(self, events: Sequence[Recorded]) -> None:
        """Called when the commit of the transaction holding ``events`` raised: it may have landed all
        the same (a connection lost after COMMIT was sent), so what memory keeps of them is read again:
        every answer about their issuances, the kept permissions and the kept credentials."""
        for recorded in events:
            for issuance in recorded.event.subjects():
                self._landed[issuance] = sys.maxsize
        self.appends += 1
        self.credentials.move_for(events)

    def unchanged_since(self, issuance: int, size: int) -> bool:
        """Whether no entry about ``issuance`` has landed at or beyond ``size``."""
        return self._landed.get(issuance, 0) <= size

    async def append(self, session: AsyncSession, events: Sequence[Recorded], at: dt.datetime) -> int:
        """Append ``events`` in order inside the session's transaction; return the new size."""
        head = (
            await session.execute(select(LedgerHeadRow).where(LedgerHeadRow.id == HEAD_ID).with_for_update())
        ).scalar_one()
        size, prev, stamp = head.size, head.last_leaf, format_time(at)
        rows, leaves, about, naming = [], [], [], []
        for offset, recorded in enumerate(events):
            event = recorded.event
            entry = Entry(size + offset, prev.hex(), event.kind, stamp, recorded.actor, recorded.body())
            raw = encode(self.origin, entry)
            prev = merkle.leaf_hash(raw)
            rows.append((entry.seq, entry.kind, raw))
            leaves.append(prev)
            about += [(issuance, entry.seq) for issuance in event.subjects()]
            naming += [(party, entry.seq) for party in named(event, recorded.actor)]
        frontier, nodes = merkle.append(_unpack(head.frontier), size, leaves)
        connection = await session.connection()
        await _insert_many(connection, "ledger_entries", ("seq", "kind", "canonical"), rows)
        await _insert_many(
            connection, "ledger_nodes", ("key", "hash"), [(node_key(lv, i), h) for lv, i, h in nodes]
        )
        await _insert_many(connection, "ledger_subjects", ("issuance", "seq"), about)
        await _insert_many(connection, "ledger_parties", ("party", "seq"), naming)
        new_size = size + len(rows)
        await session.execute(
            update(LedgerHeadRow)
            .where(LedgerHeadRow.id == HEAD_ID, LedgerHeadRow.size == size)
            .values(size=new_size, last_leaf=prev, frontier=_pack(frontier))
        )
        self.credentials.move_for(events)  # before the commit: see ``registry.epochs``
        return new_size

    async def hand_over(self, session: AsyncSession, incoming: Ed25519PrivateKey) -> LedgerKeyRotated:
        """The rotation to ``incoming``, signed by this ledger's key over the tree as it stands, with
        the head locked so that the entry lands exactly there: record it on the same transaction. Once
        that commits, this key signs nothing more (``checkpoint``)."""
        head = select(LedgerHeadRow.size).where(LedgerHeadRow.id == HEAD_ID).with_for_update()
        size = (await session.execute(head)).scalar_one()
        before = Checkpoint(self.origin, size, await self.root(session, size))
        new_key = verifier_key(self.origin, incoming.public_key())
        await session.execute(
            update(LedgerHeadRow).where(LedgerHeadRow.id == HEAD_ID).values(verifier_key=new_key)
        )
        return rotation.hand_over(self._key, self.verifier_key, new_key, before)

    def sign(self, message: bytes) -> bytes:
        """Sign with the ledger's key; callers prefix a context string, so no signature made here can
        pass for a checkpoint note's or another kind of document's."""
        return self._key.sign(message)

    async def about(self, session: AsyncSession, issuance: int) -> list[tuple[int, bytes]]:
        """The entries that concern ``issuance``, in order, with their stored bytes."""
        return [(seq, raw) for seq, raw in (await session.execute(_ABOUT, {"issuance": issuance})).all()]

    def about_now(self, connection: Connection, issuance: int) -> list[tuple[int, bytes]]:
        """``about``, on a connection."""
        return [(seq, raw) for seq, raw in connection.execute(_ABOUT, {"issuance": issuance})]

    @staticmethod
    def head(connection: Connection) -> tuple[int, str | None]:
        """The ledger's size and the verifier key the latest rotation handed over to (None before any)."""
        size, current = connection.execute(_HEAD).one()
        return size, current

    async def size(self, session: AsyncSession) -> int:
        return (
            await session.execute(select(LedgerHeadRow.size).where(LedgerHeadRow.id == HEAD_ID))
        ).scalar_one()

    async def check_entries_range(self, session: AsyncSession, start: int, end: int) -> None:
        await self._check_range(session, "end", end)
        if not 0 <= start <= end:
            raise StartAfterEnd("start", start=start, end=end)

    async def entries(
        self, session: AsyncSession, start: int, end: int, sight: Sight = EVERYTHING
    ) -> list[bytes]:
        """Stored canonical bytes of those entries ``start`` … ``end - 1`` that ``sight`` reads (all
        of them for the platform's own tools); check the range first."""
        query = (
            select(LedgerEntryRow.canonical)
            .where(LedgerEntryRow.seq >= start, LedgerEntryRow.seq < end)
            .order_by(LedgerEntryRow.seq)
        )
        if not sight.everything:
            readable: ColumnElement[bool] = LedgerEntryRow.kind.in_(PUBLIC_KINDS)
            if sight.party is not None:
                naming = select(LedgerPartyRow.seq).where(
                    LedgerPartyRow.party == sight.party, LedgerPartyRow.seq >= start, LedgerPartyRow.seq < end
                )
                readable = or_(readable, LedgerEntryRow.seq.in_(naming))
            query = query.where(readable)
        return list((await session.execute(query)).scalars())

    async def checkpoint(self, session: AsyncSession) -> str:
        """The signed note for the current size; signed on first read of each size (Ed25519 is
        deterministic, so every reader of a size sees the same bytes), and only while this process's
        key is still the ledger's (a rotation made elsewhere retires it)."""
        size, current = (await session.execute(_HEAD)).one()
        note = self._signed_note(size, current)
        if note is None:
            note = self._sign_note(size, await self.root(session, size))
        return note

    def proven_now(
        self, connection: Connection, seqs: Sequence[int], size: int, current: str | None
    ) -> tuple[str, list[list[bytes]]]:
        """The signed note of ``size`` (read with ``current``, the head's verifier key) and the
        inclusion paths of ``seqs`` in its tree, from one fetch of stored subtrees: the paths' and,
        when this size's note is not signed yet, the root's."""
        for seq in seqs:
            if not 0 <= seq < size:
                raise SeqOutsideTree("seq", seq=seq, size=size)
        note = self._signed_note(size, current)
        ranges = [merkle.inclusion_ranges(seq, size) for seq in seqs]
        wanted = [r for path in ranges for r in path] + ([(0, size)] if note is None else [])
        coordinates = merkle.tiles_needed(wanted)
        if any(index >> NODE_INDEX_BITS for _, index in coordinates):
            raise BeyondAnyLedger("size", parameter="size")
        keys = {node_key(level, index): (level, index) for level, index in coordinates}
        found = connection.execute(_NODES_BY_KEY, {"keys": list(keys)}) if keys else ()
        nodes = {keys[key]: digest for key, digest in found}
        if len(nodes) < len(coordinates):
            raise BeyondLedgerSize("size", parameter="size", size=self.head(connection)[0])
        if note is None:
            note = self._sign_note(size, merkle.root(nodes, size))
        return note, [[merkle.subtree_hash(nodes, a, b) for a, b in path] for path in ranges]

    def _signed_note(self, size: int, current: str | None) -> str | None:
        """The note of ``size`` if signed already; None if it is still to sign, which this process
        may do only while its key is the ledger's."""
        note = self._notes.get(size)
        if note is None and current is not None and current != self.verifier_key:
            raise SigningKeyError(
                f"the ledger's signing key was rotated to {current}; this process holds the retired "
                f"{self.verifier_key} and signs nothing more: restart it with the new key"
            )
        return note

    def _sign_note(self, size: int, root: bytes) -> str:
        note = sign(Checkpoint(self.origin, size, root), self.origin, self._key)
        self._notes = {size: note}
        return note

    async def root(self, session: AsyncSession, size: int) -> bytes:
        """The RFC 9162 root of the first ``size`` entries (at most the ledger's size)."""
        nodes = await self._nodes(session, merkle.tiles_needed([(0, size)]), "size")
        return merkle.root(nodes, size)

    async def tile(self, session: AsyncSession, tile: Tile) -> bytes:
        """A C2SP hash tile's bytes; ``UnknownTile`` if the tree does not reach its last hash yet."""
        if tile.end() > await self.size(session):
            raise UnknownTile("tile", tile=path_of(tile))
        nodes = await self._nodes(session, set(tile.nodes()), "tile")
        return b"".join(nodes[node] for node in tile.nodes())

    async def inclusion(self, session: AsyncSession, seq: int, size: int) -> InclusionProof:
        if not 0 <= seq < size:
            raise SeqOutsideTree("seq", seq=seq, size=size)
        ranges = merkle.inclusion_ranges(seq, size)
        nodes = await self._nodes(session, merkle.tiles_needed([*ranges, (0, size), (seq, seq + 1)]), "size")
        path = [merkle.subtree_hash(nodes, a, b) for a, b in ranges]
        return InclusionProof(seq, size, nodes[(0, seq)], path, merkle.root(nodes, size))

    async def consistency(self, session: AsyncSession, first: int, second: int) -> ConsistencyProof:
        if not 0 < first <= second:
            raise FirstAfterSecond("first", first=first, second=second)
        ranges = merkle.consistency_ranges(first, second)
        nodes = await self._nodes(session, merkle.tiles_needed([*ranges, (0, first), (0, second)]), "second")
        path = [merkle.subtree_hash(nodes, a, b) for a, b in ranges]
        return ConsistencyProof(first, second, path, merkle.root(nodes, first), merkle.root(nodes, second))

    async def _check_range(self, session: AsyncSession, field: str, value: int) -> None:
        size = await self.size(session)
        if not 0 <= value <= size:
            raise BeyondLedgerSize(field, parameter=field, size=size)

    async def _nodes(
        self, session: AsyncSession, wanted: set[merkle.Coordinate], field: str
    ) -> dict[merkle.Coordinate, bytes]:
        """Fetch stored subtrees in one query. All of them exist exactly when the tree size asked for
        is at most the ledger's: the rightmost tile needs the last leaf. So this checks ``field``."""
        if not wanted:
            return {}
        if any(index >> NODE_INDEX_BITS for _, index in wanted):
            raise BeyondAnyLedger(field, parameter=field)
        keys = {node_key(level, index): (level, index) for level, index in wanted}
        rows = await session.execute(_NODES_BY_KEY, {"keys": list(keys)})
        found = {keys[key]: digest for key, digest in rows}
        if len(found) < len(wanted):
            size = await current_size(session)
            raise BeyondLedgerSize(field, parameter=field, size=size)
        return found
