"""Printable documents, each with its ledger entry and a QR code to where anyone verifies it (the
print stylesheet drops the console's chrome):

- the trade confirmation (成交确认书), made from the trade's own ledger entry — the parties, what was
  delivered (the serial ranges) and paid, each side's fee — for the trade's parties, whether it was
  struck on the book, by a negotiated offer or a listing; its QR code
  opens the entry's page in the ledger explorer, where its inclusion proof is checked in the browser;
- the certificate of a confirmed right (确权证明), public as the register is: the right's facts and
  its confirmation's ledger entry; its QR code opens the right's page in the public register;
- the retirement certificate (注销证明), public as ``GET /api/v1/retirements/{certificate}`` is, with
  the entry's inclusion proof against the signed checkpoint; its QR code opens the certificate's own
  page. Units are retired from the holdings page, by the API's use case.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any

import segno
from litestar import get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import HOLDERS, public, reads, writes
from api.console import explorer, figures
from api.console.forms import checked, made_id, runner, whole_number
from api.console.pages import public_right
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.platform import Platform
from api.schemas import CertificatePath, IssuancePath, PathId, RetireIn
from market import data
from market.errors import UnknownTrade
from registry import certificates, units
from registry import events as ev
from registry.divisions import all_divisions
from registry.tables import InstrumentRow, IssuanceRow
from settlement.certificates import with_inclusion
from settlement.merkle import leaf_hash


def verification(view: View, path: str) -> tuple[str, str]:
    """The address on this console where a document is verified, and its QR code (an SVG data URI)."""
    address = f"{str(view.request.base_url).rstrip('/')}{path}"
    return address, segno.make(address, error="m").svg_data_uri(scale=3, border=2)


@dataclass(frozen=True, slots=True)
class Settled:
    """A trade's ledger entry: where it is in the log, and what it says."""

    seq: int
    leaf_hash: str
    at: str  # RFC 3339, as the entry records it
    body: dict[str, Any]


@get("/trade/confirmations/{trade_id:str}", name="console-confirmation", opt=reads(*HOLDERS))
async def confirmation(view: ViewDep, trade_id: PathId) -> Template:
    """A party's confirmation of one of its trades, struck on the book, by a negotiated offer or a
    listing; to anyone else the trade does not exist."""
    actor = view.actor
    async with view.platform.database.reads() as session:
        entry = await settled_entry(session, view.platform, trade_id)
        if actor.party_id not in (entry.body["seller"], entry.body["buyer"]):
            raise UnknownTrade("trade", trade=trade_id)
        names = await figures.party_names(session, {entry.body["seller"], entry.body["buyer"]}, actor)
        classes = await figures.class_names(session)
        issuance = await session.get(IssuanceRow, entry.body["issuance"])
        assert issuance is not None  # the entry delivered it
        instrument = (
            await session.get(InstrumentRow, issuance.instrument_id) if issuance.instrument_id else None
        )
    verify, qr = verification(view, f"/ledger/entry?seq={entry.seq}")
    return view.render(
        "confirmation.html",
        trade=trade_id,
        entry=entry,
        names=names,
        classes=classes,
        symbol=instrument.symbol if instrument else None,
        asset_class=issuance.asset_class,
        verify=verify,
        qr=qr,
    )


async def settled_entry(session: AsyncSession, platform: Platform, trade_id: str) -> Settled:
    """The ``trade.settled`` entry of ``trade_id``, among the entries about the issuance it delivered."""
    issuance = await data.traded_issuance(session, trade_id)
    found = await entry_about(session, platform, issuance, {ev.TradeSettled.kind}, ("trade", trade_id))
    if found is None:
        raise UnknownTrade("trade", trade=trade_id)
    return found


async def entry_about(
    session: AsyncSession, platform: Platform, issuance: int | None, kinds: set[str], naming: tuple[str, str]
) -> Settled | None:
    """The latest entry about ``issuance`` of one of ``kinds`` whose body's field ``naming[0]`` is
    ``naming[1]`` (the trade, the pledge it records)."""
    found = None
    for seq, raw in await platform.ledger.about(session, issuance) if issuance is not None else []:
        entry = json.loads(raw)
        if entry["kind"] in kinds and entry["body"].get(naming[0]) == naming[1]:
            found = Settled(seq, leaf_hash(raw).hex(), entry["at"], entry["body"])
    return found


@dataclass(frozen=True)
class Retiring:
    csrf_token: str
    form_key: str
    issuance: str
    quantity: str
    beneficiary: str
    purpose: str


@post("/holdings/retire", name="console-retire", opt=writes(*HOLDERS))
async def retire(view: ViewDep, data: Annotated[Retiring, FORM]) -> Redirect:
    """Retire units (清缴/核销), as ``POST /api/v1/retirements`` does: final; then its certificate."""
    fields = {
        "issuance": whole_number(data.issuance),
        "quantity": data.quantity,
        "beneficiary": data.beneficiary,
        "purpose": data.purpose,
    }
    asked = checked(RetireIn, fields)
    answer = await runner(view, data.form_key)(
        lambda call: units.retire(
            call.work,
            call.actor,
            issuance_id=asked.issuance,
            quantity=asked.quantity,
            beneficiary=asked.beneficiary,
            purpose=asked.purpose,
        )
    )
    return Redirect(f"/certificates/{made_id(answer, 'certificate')}", status_code=303)


@get("/certificates/{certificate:str}", name="console-certificate", opt=public())
async def certificate_page(view: ViewDep, certificate: CertificatePath) -> Template:
    """A retirement certificate as anyone reads it (a person's name to the person alone), with its
    ledger entry's inclusion proof and a QR code to this page."""
    reader = view.who.actor if view.who else None
    async with view.platform.database.reads() as session:
        found = await certificates.get_retirement(session, certificate, reader)
        proven = await with_inclusion(session, view.platform.ledger, found)
        classes = await figures.class_names(session)
    here, qr = verification(view, f"/certificates/{certificate}")
    return view.render(
        "certificate.html",
        retirement=proven,
        classes=classes,
        verify=here,
        qr=qr,
    )


@get("/register/{issuance_id:int}/certificate", name="console-right-certificate", opt=public())
async def right_certificate(view: ViewDep, issuance_id: IssuancePath) -> Template:
    """A confirmed right's certificate: what the public register shows of it, and the ledger entry
    that confirmed it (``issuance.confirmed``, a public kind)."""
    async with view.platform.database.reads() as session:
        right = await public_right(session, view, issuance_id)
        history = await explorer.history(session, view.platform, issuance_id)
        classes = await figures.class_names(session)
    confirmed = next(entry for entry in history if entry.kind == ev.IssuanceConfirmed.kind)
    here, qr = verification(view, f"/register/{issuance_id}")
    return view.render(
        "right_certificate.html",
        right=right,
        entry=confirmed,
        classes=classes,
        divisions=all_divisions(),
        verify=here,
        qr=qr,
    )
