"""Collateral verification with signed evidence: the registry's answer about a right, taken at one
ledger size, with the checkpoint of that size and every entry about the right, each with its
inclusion proof, signed as an attestation (see ``settlement.attestation``).

A repeat of a question is answered from memory while no entry about its right has landed since:
the signed attestation is still the whole truth about the right (its answer, checkpoint and proofs
all stand), so the bank gets the same document, issued when it was first signed. Questions asked
while the same one is being signed wait for that signature rather than each making their own.

A bank is answered only about a holding its owner let it ask about (``registry.consents``), checked
before anything is read or remembered: the remembered document is the same for every asker, the
permission is not. A permission is kept until the ledger next grows (every grant, revocation and
pledge step is an entry) or the consent it rests on expires.

A fresh question is read as one call (``ReadAtOnce``): the ledger's head, the answer, the entries
about the right and the stored subtrees for all their proofs and the checkpoint, in one transaction,
then signed on the same thread. On SQLite that runs on the event loop's thread, with no hand-off at
all: about a millisecond of plain calls into SQLite and Python.
"""

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol, TypeVar

from sqlalchemy import Connection

from registry import collateral_answer, consents
from registry import context as c
from registry.errors import Conflict
from registry.identifiers import validate_credit_code
from settlement.attestation import Evidence, build
from settlement.canonical import canonical_bytes
from settlement.entries import format_time
from settlement.ledger import Ledger

ATTEMPTS = 5  # a write to the same right between reading the answer and the ledger: read again
REMEMBERED = 4096  # attestations kept, least recently asked for dropped first

Question = tuple[int, str, tuple[int, int] | None, dt.date]  # issuance, owner, serials, day
Signed = tuple[int, bytes]  # the ledger size it was signed at, and the attestation as JSON
Asker = tuple[str, str, int]  # the asking party, the owner's credit code, the issuance
Permission = tuple[int, dt.datetime]  # the ledger's appends when it was read, and when it lapses
T = TypeVar("T")


class ReadAtOnce(Protocol):
    """Runs a synchronous read on one connection in one read transaction, as one call (the
    database's ``read_at_once``)."""

    def __call__(self, read: Callable[[Connection], T], /) -> Awaitable[T]: ...


class RightKeptChanging(Conflict):
    title = "Right kept changing"
    template = "issuance {issuance} kept changing while it was being attested; ask again"


class Attestor:
    """Signs attestations, and keeps the latest ones for the questions asked again."""

    def __init__(self, ledger: Ledger, read_at_once: ReadAtOnce) -> None:
        self.ledger = ledger
        self._read_at_once = read_at_once
        self._signed: OrderedDict[Question, Signed] = OrderedDict()
        self._signing: dict[Question, asyncio.Task[Signed]] = {}
        self._permissions: dict[Asker, Permission] = {}

    async def attest(
        self,
        actor: c.Actor,
        *,
        issuance_id: int,
        owner_credit_code: str,
        serials: tuple[int, int] | None,
        now: dt.datetime,
    ) -> bytes:
        """The signed attestation, as the JSON document a bank keeps (in its canonical form)."""
        actor.require(c.PartyKind.BANK, c.PartyKind.REGULATOR, write=False)
        code = validate_credit_code(owner_credit_code, field="owner_credit_code")
        await self._require_consent(actor, code, issuance_id, now)
        question = (issuance_id, code, serials, now.date())
        remembered = self._signed.get(question)
        if remembered is not None and self.ledger.unchanged_since(issuance_id, remembered[0]):
            self._signed.move_to_end(question)
            return remembered[1]
        signing = self._signing.get(question)
        if signing is None:  # its own task and session: no single asker's disconnect cancels it
            signing = self._signing[question] = asyncio.create_task(self._sign(actor, question, now))
            signing.add_done_callback(lambda _: self._signing.pop(question, None))
        size, signed = await asyncio.shield(signing)
        self._signed[question] = (size, signed)
        if len(self._signed) > REMEMBERED:
            self._signed.popitem(last=False)
        return signed

    async def _require_consent(self, actor: c.Actor, code: str, issuance_id: int, now: dt.datetime) -> None:
        asker = (actor.party_id, code, issuance_id)
        kept = self._permissions.get(asker)
        if kept is not None and kept[0] == self.ledger.appends and now < kept[1]:
            return
        appends = self.ledger.appends  # read first: a revocation landing meanwhile makes this stale
        until = await self._read_at_once(
            partial(
                consents.require_consent, actor=actor, owner_credit_code=code, issuance=issuance_id, now=now
            )
        )
        if len(self._permissions) >= REMEMBERED:
            self._permissions.clear()
        self._permissions[asker] = (appends, until)

    async def _sign(self, actor: c.Actor, question: Question, now: dt.datetime) -> Signed:
        return await self._read_at_once(partial(self._read_and_sign, actor=actor, question=question, now=now))

    def _read_and_sign(
        self, connection: Connection, *, actor: c.Actor, question: Question, now: dt.datetime
    ) -> Signed:
        """The answer and its evidence at one ledger size, signed. On PostgreSQL each statement sees
        the database as it is then: the head is read first and the entries about the right last, so an
        entry beyond the head means the right changed under the answer, which is read again."""
        issuance_id, code, serials, today = question
        ledger = self.ledger
        for _ in range(ATTEMPTS):
            size, current = ledger.head(connection)
            answer = collateral_answer.answer(
                connection,
                actor,
                issuance_id=issuance_id,
                owner_credit_code=code,
                serials=serials,
                today=today,
            )
            about = ledger.about_now(connection, issuance_id)
            if all(seq < size for seq, _ in about):  # nothing about this right landed after the head
                note, paths = ledger.proven_now(connection, [seq for seq, _ in about], size, current)
                evidence = [Evidence(seq, raw, path) for (seq, raw), path in zip(about, paths, strict=True)]
                return size, canonical_bytes(
                    build(
                        origin=ledger.origin,
                        issued_at=format_time(now),
                        checkpoint=note,
                        answer={**answer, "ledger_size": size},
                        evidence=evidence,
                        key=ledger.verifier_key,
                        sign=ledger.sign,
                    )
                )
        raise RightKeptChanging("issuance", issuance=issuance_id)
