"""Collateral verification with signed evidence: the registry's answer about a right, taken at one
ledger size, with the checkpoint of that size and every entry about the right, each with its
inclusion proof, signed as an attestation (see ``settlement.attestation``)."""

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from registry import collateral
from registry import context as c
from registry.errors import Conflict
from registry.events import JSONValue
from settlement.attestation import Evidence, build
from settlement.entries import format_time
from settlement.ledger import Ledger

ATTEMPTS = 5  # a write to the same right between reading the answer and the ledger: read again


async def attest(
    session: AsyncSession,
    ledger: Ledger,
    actor: c.Actor,
    *,
    issuance_id: int,
    owner_credit_code: str,
    serials: tuple[int, int] | None,
    now: dt.datetime,
) -> dict[str, JSONValue]:
    for _ in range(ATTEMPTS):
        note = await ledger.checkpoint(session)
        size = int(note.split("\n")[1])
        answer = await collateral.answer(
            session,
            actor,
            issuance_id=issuance_id,
            owner_credit_code=owner_credit_code,
            serials=serials,
            today=now.date(),
        )
        about = await ledger.about(session, issuance_id)
        if all(seq < size for seq, _ in about):  # nothing about this right landed after the checkpoint
            evidence = [
                Evidence(seq, raw, (await ledger.inclusion(session, seq, size)).path) for seq, raw in about
            ]
            return build(
                origin=ledger.origin,
                issued_at=format_time(now),
                checkpoint=note,
                answer={**answer, "ledger_size": size},
                evidence=evidence,
                key=ledger.verifier_key,
                sign=ledger.sign,
            )
    raise Conflict("issuance", "the right kept changing while it was being attested; ask again")
