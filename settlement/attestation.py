"""Collateral attestations: what a bank was told, signed, with the ledger evidence behind it.

An attestation is a JSON document::

    {"attestation": {"v": 1, "type": "liangshan.collateral.v1", "log": <origin>, "issued_at": <RFC 3339>,
                     "checkpoint": <the signed checkpoint note>, "answer": {…},
                     "evidence": [{"seq": n, "entry": <the entry's canonical JSON>, "path": [hex, …]}, …]},
     "signature": <base64 Ed25519 signature>, "key": <C2SP verifier key>}

``signature`` signs ``"liangshan collateral attestation v1\\n"`` followed by the RFC 8785 bytes of
``attestation``, with the ledger's key (the prefix keeps it from ever passing for a checkpoint
signature). ``evidence`` holds every ledger entry about the right up to the checkpoint, each with its
RFC 9162 inclusion proof in the checkpoint's tree.

``verify`` needs nothing but the document and the platform's verifier key: it checks the signature,
the checkpoint, each entry's canonical form and inclusion, and replays the entries to recompute the
owner's quantities, the valuation and the liens the answer states. Pure code: no database, no clock.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from registry import events as ev
from registry.events import Event, JSONValue
from registry.quantities import Quantity
from settlement import merkle
from settlement.canonical import canonical_bytes
from settlement.checkpoint import Checkpoint, CheckpointError, open_note, parse_verifier_key
from settlement.entries import Entry, MalformedEntry, decode
from settlement.replay import LedgerState, ReplayError

CONTEXT = b"liangshan collateral attestation v1\n"
TYPE = "liangshan.collateral.v1"


class AttestationError(ValueError):
    """An attestation that does not prove what it says."""


@dataclass(frozen=True, slots=True)
class Evidence:
    seq: int
    entry: bytes
    path: list[bytes]


@dataclass(frozen=True, slots=True)
class Verified:
    log: str
    size: int
    answer: dict[str, Any]
    entries: int


def build(
    *,
    origin: str,
    issued_at: str,
    checkpoint: str,
    answer: dict[str, JSONValue],
    evidence: list[Evidence],
    key: str,
    sign: Callable[[bytes], bytes],  # the ledger's signer
) -> dict[str, JSONValue]:
    attestation: dict[str, JSONValue] = {
        "v": 1,
        "type": TYPE,
        "log": origin,
        "issued_at": issued_at,
        "checkpoint": checkpoint,
        "answer": answer,
        "evidence": [
            {"seq": e.seq, "entry": e.entry.decode(), "path": [node.hex() for node in e.path]}
            for e in evidence
        ],
    }
    signature = sign(CONTEXT + canonical_bytes(attestation))
    return {"attestation": attestation, "signature": base64.b64encode(signature).decode(), "key": key}


def verify(document: Any, trusted_key: str | None = None) -> Verified:
    """Check ``document`` against ``trusted_key`` (the platform's verifier key, obtained on its own
    path); without one, against the key the document carries, which proves only self-consistency."""
    if not isinstance(document, dict) or set(document) != {"attestation", "signature", "key"}:
        raise AttestationError("not an attestation: expected attestation, signature and key")
    try:
        return _verify(document, trusted_key)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, AttestationError):
            raise
        raise AttestationError(f"malformed attestation: {type(exc).__name__} {exc}") from None


def _verify(document: dict[str, Any], trusted_key: str | None) -> Verified:
    attestation, key = document["attestation"], document["key"]
    if trusted_key is not None and key != trusted_key.strip():
        raise AttestationError("signed with another key than the platform's")
    _check_signature(attestation, document["signature"], key)
    if attestation.get("v") != 1 or attestation.get("type") != TYPE:
        raise AttestationError(f"unknown attestation version or type: {attestation.get('type')!r}")
    checkpoint = _open_checkpoint(attestation, key)
    entries = _included(attestation, checkpoint)
    answer = attestation["answer"]
    if not isinstance(answer, dict):
        raise AttestationError("the answer is not an object")
    if answer.get("exists"):
        _check_answer(answer, entries)
    return Verified(checkpoint.origin, checkpoint.size, answer, len(entries))


def _check_signature(attestation: Any, signature: Any, key: Any) -> None:
    try:
        _, _, public = parse_verifier_key(str(key))
        public.verify(base64.b64decode(str(signature), validate=True), CONTEXT + canonical_bytes(attestation))
    except (CheckpointError, InvalidSignature, binascii.Error, ValueError, TypeError) as exc:
        raise AttestationError(f"the signature does not verify: {exc or 'invalid signature'}") from None


def _open_checkpoint(attestation: dict[str, Any], key: str) -> Checkpoint:
    try:
        checkpoint = open_note(str(attestation["checkpoint"]), key)
    except (CheckpointError, KeyError) as exc:
        raise AttestationError(f"the checkpoint does not verify: {exc}") from None
    if checkpoint.origin != attestation.get("log"):
        raise AttestationError("the checkpoint is of another log")
    return checkpoint


def _included(attestation: dict[str, Any], checkpoint: Checkpoint) -> list[Entry]:
    """Each evidence entry, canonical, of this log and in the checkpoint's tree, in ledger order."""
    entries: list[Entry] = []
    for item in attestation.get("evidence", []):
        seq, raw = item["seq"], str(item["entry"]).encode()
        try:
            entry = decode(raw, checkpoint.origin)
            path = [bytes.fromhex(node) for node in item["path"]]
        except (MalformedEntry, ValueError, TypeError) as exc:
            raise AttestationError(f"evidence entry {seq}: {exc}") from None
        if entry.seq != seq or (entries and seq <= entries[-1].seq):
            raise AttestationError(f"evidence entry {seq}: out of order or not the entry it claims")
        if not merkle.verify_inclusion(merkle.leaf_hash(raw), seq, checkpoint.size, path, checkpoint.root):
            raise AttestationError(f"evidence entry {seq} is not in the checkpoint's tree")
        entries.append(entry)
    return entries


def _check_answer(answer: dict[str, Any], entries: list[Entry]) -> None:
    issuance = answer["issuance"]
    events = _events(entries)
    if any(issuance not in event.subjects() for event in events):
        raise AttestationError("evidence includes an entry about another right")
    confirmed = events[0] if events else None
    if not isinstance(confirmed, ev.IssuanceConfirmed):
        raise AttestationError("the evidence does not start with the right's confirmation")
    state = LedgerState(scope=issuance)
    try:
        for event in events:
            state.apply_event(event)
    except ReplayError as exc:
        raise AttestationError(f"the evidence does not replay: {exc}") from None
    if answer.get("owner_holds"):
        _check_quantities(answer, confirmed, state)
        _check_recorded(answer, events)


def _events(entries: list[Entry]) -> list[Event]:
    """Each entry's event, read once; an entry of a kind this verifier does not know is refused."""
    try:
        return [ev.parse(entry.kind, entry.body) for entry in entries]
    except (KeyError, TypeError, ValueError) as exc:
        raise AttestationError(f"evidence entry with a malformed body: {exc}") from None


def _check_quantities(answer: dict[str, Any], confirmed: ev.IssuanceConfirmed, state: LedgerState) -> None:
    scale = Quantity.read(confirmed.quantity).scale
    first, last = (int(x) for x in str(answer["serials"]).rsplit("-", 2)[1:])
    held: dict[str, int] = {}
    for block in state.issuances[answer["issuance"]]:
        if block.owner == answer["owner"] and block.last >= first and block.first <= last:
            held[block.state] = held.get(block.state, 0) + min(block.last, last) - max(block.first, first) + 1
    for name, text in answer["quantities"].items():
        if Quantity.read(str(text)) != Quantity(held.get(name, 0), scale):
            raise AttestationError(f"the answer's {name} quantity {text} is not what the ledger says")


def _check_recorded(answer: dict[str, Any], events: list[Event]) -> None:
    """The valuation and every pledge the answer names are in the evidence."""
    valuation = answer.get("valuation")
    if valuation is not None and not any(
        isinstance(e, ev.ValuationRecorded) and e.valuation == valuation["valuation"]
        and e.value == valuation["value"]
        for e in events
    ):  # fmt: skip
        raise AttestationError("the valuation the answer states is not in the evidence")
    pledged = {e.pledge for e in events if isinstance(e, ev.UnitsPledged | ev.PledgeRegistered)}
    for lien in answer.get("liens", []):
        if lien.get("kind") == "pledge" and lien.get("pledge") not in pledged:
            raise AttestationError(f"pledge {lien.get('pledge')} is not in the evidence")


def load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AttestationError(f"not JSON: {exc}") from None
