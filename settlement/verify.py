"""Offline verification of an exported ledger: entries, a signed checkpoint and a pinned verifier key.

Needs no database and none of the server: it re-canonicalises every entry, checks ``seq`` and the
``prev`` chain, recomputes the RFC 9162 root, follows the ledger's key rotations, checks the
checkpoint's signature and replays the entries into holdings and cash. It stops at the first bad entry
and names it: later entries cannot be trusted once the chain is broken.

The checkpoint must be signed by the pinned key, or by a key reached from it through
``ledger.key_rotated`` entries, each signed by the key current before it (``settlement.rotation``):
whoever can rewrite the entries and re-sign with a key of their own cannot pass a pinned verifier.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from registry.events import LedgerKeyRotated
from settlement import merkle, rotation
from settlement.checkpoint import Checkpoint, CheckpointError, open_note, parse_body, split_note
from settlement.entries import GENESIS_PREV, Entry, MalformedEntry, decode
from settlement.replay import LedgerState, ReplayError

_ROTATED = LedgerKeyRotated.kind


class VerificationFailed(Exception):
    """The export does not verify; ``seq`` names the first bad entry when one is to blame."""

    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(f"entry {seq}: {message}" if seq is not None else message)
        self.seq = seq


@dataclass
class Verified:
    checkpoint: Checkpoint
    keys: list[str]  # the signing keys in the order the ledger rotated them; the last signed
    state: LedgerState = field(default_factory=LedgerState)


def verify(
    lines: Iterable[bytes],
    note: str,
    pinned_key: str,
    progress: Callable[[int], None] | None = None,
) -> Verified:
    """Check an export end to end against ``pinned_key``; raise ``VerificationFailed`` naming the first
    bad entry, or the checkpoint when no key reached from the pinned one signed it."""
    try:
        origin = parse_body(split_note(note)[0]).origin  # only to read the entries: signature below
    except CheckpointError as exc:
        raise VerificationFailed(None, f"checkpoint: {exc}") from None
    state = LedgerState()
    keys: list[str] = []
    leaves: list[bytes] = []
    prev_hash = GENESIS_PREV
    seq = -1
    for seq, raw, next_raw in _with_next(lines):
        entry = _decode(raw, seq, origin)
        if entry.prev != prev_hash:
            raise VerificationFailed(*_blame_chain(seq, raw, next_raw, origin))
        if entry.kind == _ROTATED:
            _rotate(keys, entry, Checkpoint(origin, seq, merkle.root_of(leaves)))
        leaf = merkle.leaf_hash(raw)
        leaves.append(leaf)
        prev_hash = leaf.hex()
        try:
            state.apply(entry)
        except ReplayError as exc:
            raise VerificationFailed(seq, f"does not replay: {exc}") from None
        if progress is not None and seq % 10_000 == 0:
            progress(seq)
    checkpoint = _open(note, pinned_key.strip(), keys)
    _check_tree(checkpoint, seq + 1, leaves)
    return Verified(checkpoint, keys or [pinned_key.strip()], state)


def _rotate(keys: list[str], entry: Entry, before: Checkpoint) -> None:
    """Follow a key rotation: it must be signed by the key current before it (the first one's by the
    key it names as outgoing, which the pinned key must then be or reach)."""
    try:
        event = LedgerKeyRotated.from_json(entry.body)
        rotation.check(event, before, keys[-1] if keys else event.previous)
    except (CheckpointError, KeyError, TypeError, ValueError) as exc:
        raise VerificationFailed(entry.seq, f"key rotation: {exc}") from None
    keys += [event.key] if keys else [event.previous, event.key]


def _open(note: str, pinned_key: str, keys: list[str]) -> Checkpoint:
    """The checkpoint, signed by the ledger's current key, which must be the pinned one or be reached
    from it by rotations."""
    current = keys[-1] if keys else pinned_key
    if pinned_key not in (keys or [pinned_key]):
        raise VerificationFailed(
            None,
            f"checkpoint: the pinned key {pinned_key} is none of the keys the ledger was signed with "
            f"({', '.join(keys)})",
        )
    try:
        return open_note(note, current)
    except CheckpointError as exc:
        raise VerificationFailed(None, f"checkpoint: {exc} (the ledger's current key is {current})") from None


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
