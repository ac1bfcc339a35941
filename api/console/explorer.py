"""The ledger explorer's reading of what the ledger serves: the latest checkpoint with its signature
and cosignatures, and public entries with names beside their ids. The bytes, proofs and keys it
shows are those of the API's ledger routes (``api.controllers.ledger``), read by the same calls, so
the browser can check them against the API itself (``static/verify.js``)."""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.console import figures
from api.console.locale import N_
from api.platform import Platform
from registry import events as ev
from registry.divisions import all_divisions
from registry.errors import NotFound
from settlement import witnesses
from settlement.checkpoint import parse_body, split_note
from settlement.merkle import leaf_hash
from settlement.visibility import ANONYMOUS, PUBLIC_KINDS, Sight

RECENT_WINDOW = 500  # the latest entries searched for public ones to list
RECENT_SHOWN = 20
COSIGNATURE_LENGTH = 4 + 8 + 64  # key id, timestamp, Ed25519 signature (C2SP tlog-cosignature)


# the public kinds in words (settlement.visibility.PUBLIC_KINDS), and those a party is notified of
# most (api.console.notices); another kind shows as its name
KIND_WORDS = {
    ev.TradeSettled.kind: N_("Trade settled (成交交割)"),
    ev.IssuanceConfirmed.kind: N_("Right confirmed (确权)"),
    ev.UnitsRetired.kind: N_("Retirement (注销)"),
    ev.UnitsExpired.kind: N_("Expiry"),
    ev.LedgerKeyRotated.kind: N_("Signing key handed over"),
    ev.PackageSettled.kind: N_("Package sold and settled"),
    ev.UnitsTransferred.kind: N_("Units transferred"),
    ev.UnitsReleased.kind: N_("Units released (offer declined, lapsed or listing ended)"),
    ev.UnitsFrozen.kind: N_("Units frozen"),
    ev.UnitsUnfrozen.kind: N_("Units unfrozen"),
    ev.CashDeposited.kind: N_("Deposit"),
    ev.CashWithdrawn.kind: N_("Withdrawal"),
    ev.CashReleased.kind: N_("Cash released (outbid, auction ended or order closed)"),
    ev.SettlementBankDesignated.kind: N_("Settlement bank named"),
    ev.PledgeRequested.kind: N_("Pledge requested"),
    ev.UnitsPledged.kind: N_("Pledge registered"),
    ev.PledgeRegistered.kind: N_("Second lien registered"),
    ev.PledgeReleased.kind: N_("Pledge released"),
    ev.UnitsUnpledged.kind: N_("Units released from pledge"),
    ev.PledgeDefaulted.kind: N_("Loan in default"),
    ev.PledgeTakenAtValue.kind: N_("Pledge enforced at value"),
    ev.PledgeProceeds.kind: N_("Pledge sale proceeds paid"),
    ev.ContractSigned.kind: N_("Contract signed"),
    ev.ContractPaid.kind: N_("Contract payment made"),
    ev.ConsentGranted.kind: N_("Consent granted"),
    ev.ConsentRevoked.kind: N_("Consent revoked"),
    ev.PartyFrozen.kind: N_("Party frozen"),
    ev.PartyUnfrozen.kind: N_("Party unfrozen"),
}


class EntryNotPublic(NotFound):
    title = "No entry you may read"
    template = (
        "entry {seq} is neither of a kind the public reads nor one naming your party; its leaf hash is "
        "in the tiles"
    )


@dataclass(frozen=True, slots=True)
class Signature:
    signer: str
    key_id: str
    witness: bool
    at: dt.datetime | None  # a cosignature's time


@dataclass(frozen=True, slots=True)
class CheckpointView:
    note: str
    origin: str
    size: int
    root: str  # hex
    signatures: list[Signature]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    label: str | None  # the name beside an id


@dataclass(frozen=True, slots=True)
class EntryView:
    seq: int
    kind: str
    at: str
    actor: str
    actor_name: str | None
    leaf_hash: str
    canonical: str
    fields: list[Field]


async def checkpoint(session: AsyncSession, platform: Platform) -> CheckpointView:
    """The latest signed checkpoint, as ``GET /api/v1/ledger/checkpoint`` serves it."""
    note = await witnesses.cosigned(session, await platform.ledger.checkpoint(session), platform.witnesses)
    body, lines = split_note(note)
    point = parse_body(body)
    signatures = []
    for signer, blob in lines:
        cosigned = signer != point.origin and len(blob) == COSIGNATURE_LENGTH
        at = dt.datetime.fromtimestamp(int.from_bytes(blob[4:12]), dt.UTC) if cosigned else None
        signatures.append(Signature(signer, blob[:4].hex(), cosigned, at))
    return CheckpointView(note, point.origin, point.size, point.root.hex(), signatures)


def _entry(raw: bytes) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(raw)
    return found


async def recent(session: AsyncSession, platform: Platform, size: int) -> list[EntryView]:
    """The latest public entries, newest first."""
    raw = await platform.ledger.entries(session, max(0, size - RECENT_WINDOW), size, ANONYMOUS)
    return await _views(session, list(reversed(raw[-RECENT_SHOWN:])))


async def entry(session: AsyncSession, platform: Platform, seq: int, sight: Sight = ANONYMOUS) -> EntryView:
    """Entry ``seq``, as ``GET /api/v1/ledger/entries`` serves it to a reader of ``sight``: anyone
    reads the public kinds; a party's users, besides, the entries naming it (its trades)."""
    await platform.ledger.check_entries_range(session, seq, seq + 1)
    raw = await platform.ledger.entries(session, seq, seq + 1, sight)
    if not raw:
        raise EntryNotPublic("seq", seq=seq)
    return (await _views(session, raw))[0]


async def history(session: AsyncSession, platform: Platform, issuance: int) -> list[EntryView]:
    """The entries about ``issuance`` that anyone may read (``settlement.visibility``), in order: its
    confirmation, retirements and expiries."""
    about = await platform.ledger.about(session, issuance)
    return await _views(session, [raw for _, raw in about if _entry(raw)["kind"] in PUBLIC_KINDS])


def _party_fields(entry: dict[str, Any]) -> set[str]:
    event = ev.kinds().get(entry["kind"])
    return set(event.party_fields) if event else set()


async def _views(session: AsyncSession, raws: list[bytes]) -> list[EntryView]:
    """Entries as the explorer shows them, names beside ids: the names of all of them read at once."""
    entries = [_entry(raw) for raw in raws]
    named = {
        str(value)
        for entry in entries
        for value in (entry["actor"], *(entry["body"].get(f) for f in _party_fields(entry)))
        if value
    }
    names = await figures.party_names(session, named)
    classes = await figures.class_names(session)
    return [_view(entry, raw, names, classes) for entry, raw in zip(entries, raws, strict=True)]


def _view(
    entry: dict[str, Any], raw: bytes, names: dict[str, str], classes: dict[str, tuple[str, str]]
) -> EntryView:
    body: dict[str, Any] = entry["body"]
    party_fields = _party_fields(entry)
    divisions = all_divisions()
    fields = []
    for name, value in body.items():
        label = None
        if name in party_fields:
            label = names.get(str(value))
        elif name == "division" and value in divisions:
            label = divisions[value].name
        elif name == "asset_class" and value in classes:
            label = classes[value][1]
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        fields.append(Field(name, shown, label))
    return EntryView(
        entry["seq"],
        entry["kind"],
        entry["at"],
        entry["actor"],
        names.get(entry["actor"]),
        leaf_hash(raw).hex(),
        raw.decode(),
        fields,
    )
