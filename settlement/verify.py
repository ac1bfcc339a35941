"""Offline verification of an exported ledger: entries, a signed checkpoint and a verifier key.

Needs no database and none of the server: it re-canonicalises every entry, checks ``seq`` and the
``prev`` chain, recomputes the RFC 9162 root, checks the checkpoint's signature and replays the entries
into holdings and cash. It stops at the first bad entry and names it: later entries cannot be trusted
once the chain is broken.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from settlement import merkle
from settlement.checkpoint import Checkpoint, CheckpointError, open_note
from settlement.entries import GENESIS_PREV, Entry, MalformedEntry, decode
from settlement.replay import LedgerState, ReplayError


class VerificationFailed(Exception):
    """The export does not verify; ``seq`` names the first bad entry when one is to blame."""

    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(f"entry {seq}: {message}" if seq is not None else message)
        self.seq = seq


@dataclass
class Verified:
    checkpoint: Checkpoint
    state: LedgerState = field(default_factory=LedgerState)


def verify(
    lines: Iterable[bytes],
    note: str,
    verifier_key: str,
    progress: Callable[[int], None] | None = None,
) -> Verified:
    """Check an export end to end; raise ``VerificationFailed`` naming the first bad entry."""
    try:
        checkpoint = open_note(note, verifier_key)
    except CheckpointError as exc:
        raise VerificationFailed(None, f"checkpoint: {exc}") from None
    result = Verified(checkpoint)
    leaves: list[bytes] = []
    prev_hash = GENESIS_PREV
    seq = -1
    for seq, raw, next_raw in _with_next(lines):
        entry = _decode(raw, seq, checkpoint.origin)
        if entry.prev != prev_hash:
            raise VerificationFailed(*_blame_chain(seq, raw, next_raw, checkpoint.origin))
        leaf = merkle.leaf_hash(raw)
        leaves.append(leaf)
        prev_hash = leaf.hex()
        try:
            result.state.apply(entry)
        except ReplayError as exc:
            raise VerificationFailed(seq, f"does not replay: {exc}") from None
        if progress is not None and seq % 10_000 == 0:
            progress(seq)
    _check_tree(checkpoint, seq + 1, leaves)
    return result


def _decode(raw: bytes, seq: int, origin: str) -> Entry:
    try:
        entry = decode(raw, origin)
    except MalformedEntry as exc:
        raise VerificationFailed(seq, str(exc)) from None
    if entry.seq != seq:
        raise VerificationFailed(seq, f"records seq {entry.seq}: an entry is missing, extra or moved")
    return entry


def _blame_chain(seq: int, raw: bytes, next_raw: bytes | None, origin: str) -> tuple[int, str]:
    """Tell an altered entry from an altered ``prev``: if the next entry still chains to this one,
    this one is intact and the entry before it was changed."""
    if next_raw is not None:
        try:
            chains = decode(next_raw, origin).prev == merkle.leaf_hash(raw).hex()
        except MalformedEntry:
            chains = False
        if chains:
            return seq - 1, f"was altered: its leaf hash is not the prev that entry {seq} records"
    return seq, "prev does not match the leaf hash of the entry before it"


def _check_tree(checkpoint: Checkpoint, size: int, leaves: list[bytes]) -> None:
    if size != checkpoint.size:
        raise VerificationFailed(
            min(size, checkpoint.size), f"export holds {size} entries, the checkpoint signs {checkpoint.size}"
        )
    computed = merkle.root_of(leaves)
    if computed != checkpoint.root:
        raise VerificationFailed(
            size - 1 if size else None,
            f"root {computed.hex()} differs from the signed root {checkpoint.root.hex()}",
        )


def _with_next(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes, bytes | None]]:
    iterator = iter(lines)
    current = next(iterator, None)
    seq = 0
    while current is not None:
        following = next(iterator, None)
        yield seq, current, following
        current, seq = following, seq + 1
