"""Printable documents: the trade confirmation (成交确认书), made from the trade's own ledger entry —
the parties, what was delivered (the serial ranges) and paid, each side's fee — with the entry's
sequence number and leaf hash, and a QR code that opens the entry's page in the ledger explorer, where
its inclusion proof is checked in the browser. The print stylesheet drops the console's chrome."""

import json
from dataclasses import dataclass
from typing import Any

import segno
from litestar import get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import HOLDERS, reads
from api.console import figures
from api.console.view import ViewDep
from api.platform import Platform
from api.schemas import PathId
from market import data
from market.errors import UnknownTrade
from market.tables import FillRow, OrderRow
from registry import events as ev
from registry.tables import InstrumentRow
from settlement.merkle import leaf_hash


@dataclass(frozen=True, slots=True)
class Settled:
    """A trade's ledger entry: where it is in the log, and what it says."""

    seq: int
    leaf_hash: str
    body: dict[str, Any]


@get("/trade/confirmations/{trade_id:str}", name="console-confirmation", opt=reads(*HOLDERS))
async def confirmation(view: ViewDep, trade_id: PathId) -> Template:
    """A party's confirmation of one of its trades; to anyone else the trade does not exist."""
    actor = view.actor
    async with view.platform.database.reads() as session:
        fill = await data.own_fill(session, actor, trade_id)
        entry = await settled_entry(session, view.platform, trade_id)
        names = await figures.party_names(session, {entry.body["seller"], entry.body["buyer"]}, actor)
        classes = await figures.class_names(session)
        instrument = await session.get(InstrumentRow, fill.instrument)
        traded = (instrument.symbol, instrument.asset_class) if instrument else (fill.instrument, "")
    verify = f"{str(view.request.base_url).rstrip('/')}/ledger/entry?seq={entry.seq}"
    return view.render(
        "confirmation.html",
        fill=fill,
        entry=entry,
        names=names,
        classes=classes,
        symbol=traded[0],
        asset_class=traded[1],
        verify=verify,
        qr=segno.make(verify, error="m").svg_data_uri(scale=3, border=2),
    )


async def settled_entry(session: AsyncSession, platform: Platform, trade_id: str) -> Settled:
    """The ``trade.settled`` entry of ``trade_id``, among the entries about the issuance it delivered."""
    delivered = (
        select(OrderRow.issuance_id)
        .join(FillRow, FillRow.sell_order_id == OrderRow.id)
        .where(FillRow.trade_id == trade_id)
    )
    issuance = (await session.execute(delivered)).scalar()
    for seq, raw in await platform.ledger.about(session, issuance) if issuance is not None else []:
        entry = json.loads(raw)
        if entry["kind"] == ev.TradeSettled.kind and entry["body"]["trade"] == trade_id:
            return Settled(seq, leaf_hash(raw).hex(), entry["body"])
    raise UnknownTrade("trade", trade=trade_id)
