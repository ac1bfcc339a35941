"""A retirement certificate with its evidence: the ``units.retired`` entry that recorded it, the entry's
leaf hash and its RFC 9162 inclusion proof in the tree of the current signed checkpoint. With the
platform's verifier key a reader checks the checkpoint's signature, then the proof against its root,
then that the entry (public, at ``/ledger/entries``) says what the certificate says."""

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from registry import events as ev
from registry.certificates import Inclusion, Retirement, UnknownCertificate
from settlement.checkpoint import open_note
from settlement.entries import Entry, decode
from settlement.ledger import Ledger


async def with_inclusion(session: AsyncSession, ledger: Ledger, retirement: Retirement) -> Retirement:
    """``retirement`` with its ledger entry and inclusion proof against the current checkpoint."""
    entries = await ledger.about(session, retirement.right.issuance)
    seq = next((seq for seq, raw in entries if _records(decode(raw, ledger.origin), retirement)), None)
    if seq is None:  # a retirement row without its entry: the audit reports it; here it is no certificate
        raise UnknownCertificate("certificate", certificate=retirement.certificate)
    note = await ledger.checkpoint(session)
    size = open_note(note, ledger.verifier_key).size
    proof = await ledger.inclusion(session, seq, size)
    inclusion = Inclusion(
        seq=seq,
        leaf_hash=proof.leaf_hash.hex(),
        size=size,
        path=[node.hex() for node in proof.path],
        root=proof.root.hex(),
        checkpoint=note,
    )
    return dataclasses.replace(retirement, ledger=inclusion)


def _records(entry: Entry, retirement: Retirement) -> bool:
    return entry.kind == ev.UnitsRetired.kind and entry.body.get("certificate") == retirement.certificate
