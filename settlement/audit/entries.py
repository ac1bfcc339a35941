"""Read every stored ledger row as it is, not as it should be, and replay it.

A row may have been changed under the database's nose: its ``seq`` or bytes of the wrong type, bytes
that are not a canonical entry, a ``kind`` column that says something its bytes do not, a row
missing, bytes that no longer chain or are not the leaf the Merkle tree was built from. Each is a
finding, and the replay goes on with the next row, so the auditor sees everything at once.
"""

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry import events as ev
from settlement import merkle
from settlement.audit.finding import Finding
from settlement.entries import GENESIS_PREV, MalformedEntry, decode
from settlement.ledger import HEAD_ID
from settlement.replay import Facts, LedgerState, ReplayError, derived
from settlement.tables import NODE_INDEX_BITS

CHUNK = 5_000
TABLE = "ledger_entries"
# Raw rows, without the column types' conversions: a value of the wrong type is a finding, not a crash.
_ROWS = text("SELECT seq, kind, canonical FROM ledger_entries WHERE seq > :after ORDER BY seq LIMIT :n")
_LEAVES = text("SELECT key, hash FROM ledger_nodes WHERE key >= :low AND key <= :high")
_HEAD = text("SELECT size, last_leaf FROM ledger_head WHERE id = :id")


class _Reader:
    """The replay over rows in order, with what the previous row left: its leaf hash."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.state = LedgerState(facts=Facts())
        self.findings: list[Finding] = []
        self.expected = 0  # the seq the next row should have
        self.prev: str | None = GENESIS_PREV  # the leaf hash the next entry must chain to, if known
        self.known = ev.kinds()

    def flag(self, seq: object, detail: str) -> None:
        self.findings.append(Finding(TABLE, str(seq), detail))

    def row(self, seq: object, kind: object, raw: object, stored_leaf: bytes | None) -> None:
        if type(seq) is not int:
            self.flag(seq, f"seq is {type(seq).__name__} {seq!r}, not an integer")
            self.prev = None
            return
        if seq != self.expected:
            self.flag(self.expected, f"missing: the rows go on at seq {seq}")
            self.prev = None  # what the missing rows chained to is not known
        self.expected = seq + 1
        raw = bytes(raw) if isinstance(raw, memoryview) else raw
        if not isinstance(raw, bytes):
            self.flag(seq, f"its canonical bytes are a {type(raw).__name__}, not bytes")
            self.prev = None
            return
        leaf = merkle.leaf_hash(raw)
        if stored_leaf is not None and leaf != stored_leaf:
            self.flag(seq, "its bytes are not the entry the Merkle tree holds (the leaf hash differs)")
        self._entry(seq, kind, raw)
        self.prev = leaf.hex()

    def _entry(self, seq: int, kind: object, raw: bytes) -> None:
        try:
            entry = decode(raw, self.origin)
        except MalformedEntry as exc:
            self.flag(seq, f"its bytes are not a canonical entry of this ledger: {exc}")
            return
        if entry.seq != seq:
            self.flag(seq, f"its bytes say seq {entry.seq}")
        if kind != entry.kind:
            self.flag(seq, f"kind is {kind!r} in the row, {entry.kind!r} in the entry's bytes")
        if self.prev is not None and entry.prev != self.prev:
            self.flag(seq, "prev is not the leaf hash of the entry before it: one of the two was altered")
        if entry.kind not in self.known and not derived(entry.kind):
            self.flag(seq, f"kind {entry.kind!r} is no kind of entry this platform writes")
            return
        try:
            self.state.apply(entry)
        except ReplayError as exc:
            self.flag(seq, f"does not replay: {exc}")

    async def end(self, session: AsyncSession) -> None:
        """The head row: its size and last leaf must be those of the rows."""
        head = (await session.execute(_HEAD, {"id": HEAD_ID})).first()
        if head is None:
            self.findings.append(Finding("ledger_head", str(HEAD_ID), "missing"))
            return
        size, last_leaf = head
        if size != self.expected:
            self.findings.append(
                Finding("ledger_head", str(HEAD_ID), f"size {size!r}; the rows end at {self.expected}")
            )
        last = bytes(last_leaf) if isinstance(last_leaf, memoryview | bytes) else None
        if self.prev is not None and (last is None or last.hex() != self.prev):
            self.findings.append(
                Finding("ledger_head", str(HEAD_ID), "last_leaf is not the last row's leaf hash")
            )


async def _stored_leaves(session: AsyncSession, seqs: Sequence[object]) -> dict[int, bytes]:
    """The Merkle tree's leaves (level-0 nodes, keyed by seq) for a chunk of rows."""
    numbers = [seq for seq in seqs if type(seq) is int and 0 <= seq < 1 << NODE_INDEX_BITS]
    if not numbers:
        return {}
    rows = await session.execute(_LEAVES, {"low": min(numbers), "high": max(numbers)})
    return {key: bytes(digest) for key, digest in rows.all() if isinstance(digest, bytes | memoryview)}


async def replayed(session: AsyncSession, origin: str) -> tuple[LedgerState, list[Finding]]:
    """The state every stored row replays to, and every row found wanting."""
    reader = _Reader(origin)
    after: object = -1
    while True:  # pages by seq: a row whose seq is not an integer sorts last on SQLite, and ends the walk
        rows = (await session.execute(_ROWS, {"after": after, "n": CHUNK})).all()
        leaves = await _stored_leaves(session, [seq for seq, _, _ in rows])
        for seq, kind, raw in rows:
            reader.row(seq, kind, raw, leaves.get(seq) if type(seq) is int else None)
        if len(rows) < CHUNK or type(rows[-1][0]) is not int:
            break
        after = rows[-1][0]
    await reader.end(session)
    return reader.state, reader.findings
