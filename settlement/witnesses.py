"""The platform's side of witnessing: keep the cosignatures its configured witnesses send, and add
those of the latest checkpoint to the note it serves.

A witness (``api.witness``, on a regulator's own machine) checks each checkpoint it is shown against
the last one it saw and cosigns it (C2SP ``tlog-cosignature``). The platform keeps a cosignature only
from a witness it is configured with, only if it verifies, and only for a checkpoint this ledger
really has (same origin, a size it has reached, that size's root): so a served note never carries a
cosignature of anything but itself. Cosignatures are not ledger entries: an entry would grow the
ledger past the checkpoint it cosigns.
"""

import base64
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import Forbidden, InvalidInput, Malformed, RuleBroken
from settlement.checkpoint import Checkpoint, CheckpointError, parse_body, signature_line, split_note
from settlement.cosignature import Cosigner, open_cosignature
from settlement.ledger import BeyondLedgerSize, Ledger
from settlement.tables import LedgerCosignatureRow


class UnknownWitness(Forbidden):
    title = "Not a witness of this ledger"
    template = "{name} with key id {key_id} is not among this platform's witnesses"


class CosignatureInvalid(InvalidInput):
    title = "Cosignature does not verify"
    template = "{reason}"


class NotThisLedgersCheckpoint(RuleBroken):
    title = "Not this ledger's checkpoint"
    template = "this ledger's tree of size {size} has root {root}, not {claimed}"


class ForeignOrigin(RuleBroken):
    title = "Another log's checkpoint"
    template = "the checkpoint is of {claimed}; this ledger is {origin}"


async def accept(
    session: AsyncSession, ledger: Ledger, witnesses: Sequence[Cosigner], body: str, line: str
) -> tuple[Cosigner, Checkpoint, int]:
    """Check and keep a witness's cosignature ``line`` of the checkpoint ``body``; return the witness,
    the checkpoint and the cosignature's time. The newest cosignature of a size per witness is kept."""
    witness = _witness(witnesses, line)
    try:
        checkpoint = parse_body(body)
    except CheckpointError as exc:
        raise Malformed("checkpoint", reason=str(exc)) from None
    try:
        timestamp = open_cosignature(line, body, witness)
    except CheckpointError as exc:
        raise CosignatureInvalid("cosignature", reason=str(exc)) from None
    await _check_ours(session, ledger, checkpoint)
    kept = await session.get(LedgerCosignatureRow, (witness.vkey, checkpoint.size))
    if kept is None or kept.timestamp < timestamp:
        await session.execute(
            delete(LedgerCosignatureRow).where(
                LedgerCosignatureRow.witness == witness.vkey, LedgerCosignatureRow.size == checkpoint.size
            )
        )
        session.add(
            LedgerCosignatureRow(witness=witness.vkey, size=checkpoint.size, timestamp=timestamp, line=line)
        )
    return witness, checkpoint, timestamp


async def cosigned(session: AsyncSession, note: str, witnesses: Sequence[Cosigner]) -> str:
    """``note`` (the ledger's checkpoint) with its configured witnesses' cosignatures of its size."""
    if not witnesses:
        return note
    size = parse_body(split_note(note)[0]).size
    rows = await session.execute(
        select(LedgerCosignatureRow.line)
        .where(
            LedgerCosignatureRow.size == size,
            LedgerCosignatureRow.witness.in_([w.vkey for w in witnesses]),
        )
        .order_by(LedgerCosignatureRow.witness)
    )
    return note + "".join(line + "\n" for line in rows.scalars())


def _witness(witnesses: Sequence[Cosigner], line: str) -> Cosigner:
    try:
        name, blob = signature_line(line)
    except CheckpointError as exc:
        raise Malformed("cosignature", reason=str(exc)) from None
    for witness in witnesses:
        if witness.name == name and witness.key_id == blob[:4]:
            return witness
    raise UnknownWitness("cosignature", name=name, key_id=blob[:4].hex())


async def _check_ours(session: AsyncSession, ledger: Ledger, checkpoint: Checkpoint) -> None:
    if checkpoint.origin != ledger.origin:
        raise ForeignOrigin("checkpoint", claimed=checkpoint.origin, origin=ledger.origin)
    size = await ledger.size(session)
    if checkpoint.size > size:
        raise BeyondLedgerSize("checkpoint", parameter="checkpoint", size=size)
    root = await ledger.root(session, checkpoint.size)
    if root != checkpoint.root:
        raise NotThisLedgersCheckpoint(
            "checkpoint",
            size=checkpoint.size,
            root=base64.b64encode(root).decode(),
            claimed=base64.b64encode(checkpoint.root).decode(),
        )
