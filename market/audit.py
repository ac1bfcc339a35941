"""The market's tables against the ledger: orders, fills and the cash held for bidders.

An order is in the ledger only through what it set aside (a sell's units, a buy's cash, under the
order's id) and the trades that settled against it, so the audit derives from those: a sell's
remaining quantity is the units still reserved under it; a buy's is checked through the cash still
held for it (remaining ÷ lot × cash per lot, the one figure the ledger has); filled is what its trades
delivered; the status follows from what is still set aside and the last thing that happened to it
(filled, released by its party — cancelled — or by the platform — expired). The quantity as first
entered, the price, time in force and priority are not in the ledger. A fill is its trade's entry:
the sell order (the trade's reference), the buy order (whose cash the system released just before),
price, quantity, value and fees. Whatever the ledger set aside under a reference must belong to an
order, a listing or an offer. A negotiated offer is its reservation and, once accepted, its trade:
seller, issuance, status (open while its units are reserved; accepted by its trade; withdrawn by the
seller, declined by the buyer or lapsed by the platform when released) and the trade's buyer,
quantity, price and value. A listing is sold if a trade settled under it, open while units are
reserved under it, and otherwise failed or cancelled (the platform releases its units either way, so
the entries do not tell which); a mandate's or a pledge's listing goes back under its contract or
pledge, so for those only open and sold are told apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market import engine as e
from market.tables import BidderRow, FillRow, ListingRow, MarketRulesRow, OfferRow, OrderRow, OrderStatus
from registry import blocks as b
from registry import events as ev
from settlement import audit as settlement_audit
from settlement.audit import Check, Finding, stored_entries
from settlement.audit.finding import compare
from settlement.ledger import Ledger
from settlement.replay import EXPIRED, FILLED, RELEASED, UNITS, LedgerState, RefFacts, fen
from settlement.verify import VerificationFailed, verify

Fields = dict[str, object]
_CLOSED = {
    FILLED: OrderStatus.FILLED.value,
    EXPIRED: OrderStatus.EXPIRED.value,
    RELEASED: OrderStatus.CANCELLED.value,
}


def _reserved_units(state: LedgerState) -> dict[str, int]:
    """Units reserved under each reference, as the replayed blocks have them."""
    found: dict[str, int] = {}
    for blocks in state.issuances.values():
        for block in blocks:
            if block.state == b.RESERVED and block.ref is not None:
                found[block.ref] = found.get(block.ref, 0) + block.quantity
    return found


async def check_orders(session: AsyncSession, state: LedgerState) -> list[Finding]:
    facts = state.facts
    assert facts is not None
    lots = {
        rules.instrument_id: rules.lot for rules in (await session.execute(select(MarketRulesRow))).scalars()
    }
    reserved = _reserved_units(state)
    database: dict[str, Fields] = {}
    ledger: dict[str, Fields] = {}
    for row in (await session.execute(select(OrderRow))).scalars():
        ref = facts.refs.get(row.id)
        if ref is None:
            continue  # reported below: nothing in the ledger set anything aside for it
        sell = ref.side == UNITS
        held = reserved.get(row.id, 0) if sell else facts.held.get((ref.party, row.id), 0)
        database[row.id] = {
            "party_id": row.party_id,
            "side": row.side,
            "issuance_id": row.issuance_id,
            "filled": row.filled,
            "status": row.status,
            "remaining" if sell else "remaining × cash per lot held (fen)": (
                row.remaining if sell else row.remaining // lots.get(row.instrument_id, 1) * row.cash_per_lot
            ),
        }
        ledger[row.id] = {
            "party_id": ref.party,
            "side": e.SELL if sell else e.BUY,
            "issuance_id": ref.issuance,
            "filled": ref.filled,
            "status": OrderStatus.OPEN.value if held > 0 else _CLOSED.get(ref.last, OrderStatus.OPEN.value),
            "remaining" if sell else "remaining × cash per lot held (fen)": held,
        }
    orders = await _ids(session, OrderRow.id)
    missing = [
        Finding("orders", row_id, "the ledger sets nothing aside for this order")
        for row_id in sorted(orders - set(facts.refs))
    ]
    return missing + compare("orders", database, ledger)


async def _ids(session: AsyncSession, column: object) -> set[str]:
    return set((await session.execute(select(column))).scalars())  # type: ignore[call-overload]


async def check_references(session: AsyncSession, state: LedgerState) -> list[Finding]:
    """Everything set aside in the ledger is set aside for an order, a listing or an offer."""
    assert state.facts is not None
    known = (
        await _ids(session, OrderRow.id)
        | await _ids(session, ListingRow.id)
        | await _ids(session, OfferRow.id)
    )
    return [
        Finding(
            "orders",
            ref,
            f"the ledger sets {'units' if r.side == UNITS else 'cash'} of party {r.party} aside under "
            "this id; no order, listing or offer has it",
        )
        for ref, r in sorted(state.facts.refs.items())
        if ref not in known
    ]


async def check_fills(session: AsyncSession, state: LedgerState) -> list[Finding]:
    facts = state.facts
    assert facts is not None
    database: dict[str, Fields] = {}
    for row in (await session.execute(select(FillRow))).scalars():
        database[row.trade_id] = {
            "instrument_id": row.instrument_id,
            "sell_order_id": row.sell_order_id,
            "buy_order_id": row.buy_order_id,
            "price": row.price,
            "quantity": row.quantity,
            "value": row.value,
            "buyer_fee": row.buyer_fee,
            "seller_fee": row.seller_fee,
        }
    orders = await _ids(session, OrderRow.id)
    ledger: dict[str, Fields] = {}
    for trade, t in facts.trades.items():
        settled = t.event
        if not isinstance(settled, ev.TradeSettled) or (settled.ref not in orders and trade not in database):
            continue  # a listing's or an offer's trade
        issued = facts.issuances.get(settled.issuance)
        ledger[trade] = {
            "instrument_id": None if issued is None else issued.instrument,
            "sell_order_id": settled.ref,
            "price": fen(settled.price),
            "quantity": sum(last - first + 1 for first, last in settled.ranges),
            "value": fen(settled.value),
            "buyer_fee": fen(settled.buyer_fee),
            "seller_fee": fen(settled.seller_fee),
        }
        if t.buy_ref is not None:
            ledger[trade]["buy_order_id"] = t.buy_ref
    return compare(
        "fills", database, ledger, missing="the ledger settles this trade on the book; no fill shows it"
    )


async def check_bidders(session: AsyncSession, state: LedgerState) -> list[Finding]:
    """The cash each registered bidder has held for a listing."""
    facts = state.facts
    assert facts is not None
    listings = await _ids(session, ListingRow.id)
    database: dict[tuple[str, str], Fields] = {
        (row.listing_id, row.party_id): {"held": row.held}
        for row in (await session.execute(select(BidderRow))).scalars()
    }
    ledger: dict[tuple[str, str], Fields] = {
        (ref, party): {"held": fen_held}
        for (party, ref), fen_held in facts.held.items()
        if ref in listings and (fen_held or (ref, party) in database)
    }
    return compare("listing_bidders", database, ledger)


async def check_offers(session: AsyncSession, state: LedgerState) -> list[Finding]:
    facts = state.facts
    assert facts is not None
    reserved = _reserved_units(state)
    trades = {t.event.ref: (trade, t.event) for trade, t in facts.trades.items()}
    database: dict[str, Fields] = {}
    ledger: dict[str, Fields] = {}
    for row in (await session.execute(select(OfferRow))).scalars():
        database[row.id] = {
            "seller_id": row.seller_id,
            "issuance_id": row.issuance_id,
            "status": row.status,
            "trade_id": row.trade_id,
        }
        ref = facts.refs.get(row.id)
        if ref is None:
            continue  # compare reports it: no ledger entry records it
        trade = trades.get(row.id)
        ledger[row.id] = {
            "seller_id": ref.party,
            "issuance_id": ref.issuance,
            "status": _offer_status(ref, reserved.get(row.id, 0)),
            "trade_id": None if trade is None else trade[0],
        }
        if trade is not None and isinstance(trade[1], ev.TradeSettled):
            settled = trade[1]
            database[row.id].update(
                buyer_id=row.buyer_id, quantity=row.quantity, price=row.price, value=row.value
            )
            ledger[row.id].update(
                buyer_id=settled.buyer,
                quantity=sum(last - first + 1 for first, last in settled.ranges),
                price=fen(settled.price),
                value=fen(settled.value),
            )
    return compare("offers", database, ledger)


def _offer_status(ref: RefFacts, reserved: int) -> str:
    if reserved > 0:
        return "open"
    if ref.last == FILLED:
        return "accepted"
    if ref.last == EXPIRED:
        return "lapsed"
    return "withdrawn" if ref.by == ref.party else "declined"


async def check_listings(session: AsyncSession, state: LedgerState) -> list[Finding]:
    facts = state.facts
    assert facts is not None
    reserved = _reserved_units(state)
    sold = {t.event.ref for t in facts.trades.values()}
    database: dict[str, Fields] = {}
    ledger: dict[str, Fields] = {}
    for row in (await session.execute(select(ListingRow))).scalars():
        ref = facts.refs.get(row.id)
        if ref is not None and ref.side != UNITS:
            ref = None  # set aside first by a bidder's cash: its units came under a pledge or mandate
        database[row.id], ledger[row.id] = {}, {}
        status = _listing_status(row, ref, sold=row.id in sold, reserved=reserved.get(row.id, 0))
        if status is not None:
            shown = _UNSOLD if status == _UNSOLD and row.status in {"failed", "cancelled"} else row.status
            database[row.id]["status"], ledger[row.id]["status"] = shown, status
        if ref is not None:
            database[row.id]["seller_id"], ledger[row.id]["seller_id"] = row.seller_id, ref.party
    return compare("listings", database, ledger)


_UNSOLD = "failed or cancelled"  # the platform releases the units either way: the entries look alike


def _listing_status(row: ListingRow, ref: RefFacts | None, *, sold: bool, reserved: int) -> str | None:
    if sold:
        return "sold"
    if reserved > 0:
        return "open"
    if ref is None or row.pledge_id or row.contract_id:
        return None  # back under its pledge or mandate, by entries that do not say whether it failed
    return _UNSOLD


CHECKS: Sequence[Check] = (
    check_orders,
    check_references,
    check_fills,
    check_bidders,
    check_offers,
    check_listings,
)


async def audit(session: AsyncSession, ledger: Ledger) -> list[Finding]:
    """The whole audit: the registry's and settlement's tables, then the market's."""
    return await settlement_audit.audit(session, ledger, CHECKS)


@dataclass(frozen=True, slots=True)
class Report:
    """What an auditor asks first: is the stored ledger sound, and does the database say what it says."""

    ledger_size: int
    checkpoint: str
    verification: str
    replay_differences: list[str]


async def report(session: AsyncSession, ledger: Ledger) -> Report:
    """Verify the stored ledger end to end against its checkpoint, then replay it against the tables."""
    note = await ledger.checkpoint(session)
    size = int(note.split("\n")[1])
    raw = [line async for line in stored_entries(session, ledger, size)]
    try:
        verify(raw, note, ledger.verifier_key)
        verification = "ok: canonical, chained, root and signature match, replays"
    except VerificationFailed as exc:
        verification = f"FAILED: {exc}"
    found = await audit(session, ledger)
    return Report(size, note, verification, [str(finding) for finding in found])
