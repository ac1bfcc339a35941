"""Market surveillance over a time window: every settled trade — on the book, at auction, by
negotiated transfer — read from the ledger, and the alerts a regulator acts on, each naming its
trades and parties:

- ``wash``: buyer and seller are the same party or related parties (declared links);
- ``circular``: units of one instrument pass A → B → … → A within the window;
- ``price``: a price outside the band around the instrument's reference price, or (without one)
  more than the tolerance away from the average of the instrument's previous trades;
- ``concentration``: one party buys or sells more than half of an instrument's volume on a day
  (China Standard Time), or wins more than half of a listed lot of fungible units.

The ledger is the source, so what is watched is exactly what was settled. Pure analysis over the
trades lives in ``analyse``; ``trades`` reads them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market.expiry import CHINA_STANDARD_TIME
from market.tables import BidRow, ListingItemRow, ListingRow, MarketRulesRow
from registry import events as ev
from registry.quantities import Money
from registry.tables import IssuanceRow
from settlement.entries import decode
from settlement.ledger import Ledger
from settlement.tables import LedgerEntryRow

TRAILING = 20  # trades in the average a price is compared with when there is no reference price
HALF = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class TradeRecord:
    trade: str
    seq: int  # the ledger entry
    at: dt.datetime
    market: str  # the instrument, or the issuance of a unique right
    issuance: int
    seller: str
    buyer: str
    quantity: str
    price: str | None  # per unit; None for a package
    value: str


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    detail: str
    trades: list[str]
    parties: list[str]


async def trades(
    session: AsyncSession,
    ledger: Ledger,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    party: str | None = None,
    market: str | None = None,
) -> list[TradeRecord]:
    """Settled trades, oldest first, from the ledger; filtered by window, party and market."""
    query = (
        select(LedgerEntryRow.seq, LedgerEntryRow.canonical)
        .where(LedgerEntryRow.kind.in_((ev.TradeSettled.kind, ev.PackageSettled.kind)))
        .order_by(LedgerEntryRow.seq)
    )
    markets: dict[int, str] = {}
    found = []
    for seq, raw in (await session.execute(query)).all():
        entry = decode(raw, ledger.origin)
        at = dt.datetime.fromisoformat(entry.at)
        if (since is not None and at < since) or (until is not None and at >= until):
            continue
        settled = ev.parse(entry.kind, entry.body)
        assert isinstance(settled, ev.TradeSettled | ev.PackageSettled)
        first = settled if isinstance(settled, ev.TradeSettled) else settled.deliveries[0]
        issuance = first.issuance
        if issuance not in markets:
            row = await session.get(IssuanceRow, issuance)
            markets[issuance] = (row.instrument_id if row else None) or f"issuance-{issuance}"
        record = TradeRecord(
            settled.trade,
            seq,
            at,
            markets[issuance],
            issuance,
            settled.seller,
            settled.buyer,
            first.quantity,
            settled.price if isinstance(settled, ev.TradeSettled) else None,
            settled.value,
        )
        if (party is None or party in (record.seller, record.buyer)) and (
            market is None or market == record.market
        ):
            found.append(record)
    return found


async def references(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Reference price and band (basis points) of each instrument that declares both."""
    rows = (await session.execute(select(MarketRulesRow))).scalars()
    return {
        r.instrument_id: (r.reference_price, r.band_bps)
        for r in rows
        if r.reference_price is not None and r.band_bps is not None
    }


def analyse(
    window: list[TradeRecord],
    history: list[TradeRecord],
    groups: dict[str, str],
    bands: dict[str, tuple[int, int]],
    *,
    tolerance_bps: int = 1000,
) -> list[Alert]:
    """Every alert the ``window``'s trades raise; ``history`` (all trades before and in it, oldest
    first) gives the trailing averages."""
    return [
        *_wash(window, groups),
        *_circular(window),
        *_prices(window, history, bands, tolerance_bps),
        *_concentration(window),
    ]


def _wash(window: Iterable[TradeRecord], groups: dict[str, str]) -> list[Alert]:
    alerts = []
    for t in window:
        same = t.seller == t.buyer
        if same or groups.get(t.seller, t.seller) == groups.get(t.buyer, t.buyer):
            why = "the same party" if same else "related parties (declared links)"
            alerts.append(
                Alert("wash", f"buyer and seller are {why}", [t.trade], sorted({t.seller, t.buyer}))
            )
    return alerts


def _circular(window: list[TradeRecord]) -> list[Alert]:
    """Cycles of units passing from seller to buyer within one market, each reported once."""
    alerts, seen = [], set()
    by_market: dict[str, list[TradeRecord]] = defaultdict(list)
    for t in window:
        by_market[t.market].append(t)
    for market, flow in by_market.items():
        edges: dict[str, dict[str, TradeRecord]] = defaultdict(dict)
        for t in flow:
            edges[t.seller].setdefault(t.buyer, t)  # the first trade along each edge
        for start in sorted(edges):
            for cycle in _cycles_from(start, edges):
                key = frozenset(t.trade for t in cycle)
                if key not in seen:
                    seen.add(key)
                    path = " → ".join([*(t.seller for t in cycle), start])
                    alerts.append(
                        Alert(
                            "circular",
                            f"units of {market} went {path}",
                            [t.trade for t in cycle],
                            sorted({t.seller for t in cycle}),
                        )
                    )
    return alerts


def _cycles_from(
    start: str, edges: dict[str, dict[str, TradeRecord]], limit: int = 6
) -> list[list[TradeRecord]]:
    found: list[list[TradeRecord]] = []
    stack: list[tuple[str, list[TradeRecord]]] = [(start, [])]
    while stack:
        node, path = stack.pop()
        for nxt, trade in edges.get(node, {}).items():
            if nxt == start and path:
                found.append([*path, trade])
            elif nxt > start and len(path) + 1 < limit and all(t.seller != nxt for t in path):
                stack.append((nxt, [*path, trade]))  # only through larger ids: each cycle once
    return found


def _prices(
    window: list[TradeRecord],
    history: list[TradeRecord],
    bands: dict[str, tuple[int, int]],
    tolerance_bps: int,
) -> list[Alert]:
    alerts = []
    in_window = {t.trade for t in window}
    before: dict[str, list[int]] = defaultdict(list)
    for t in history:
        if t.price is None:
            continue
        price = Money.read(t.price).fen
        if t.trade in in_window:
            reference, bps = bands.get(t.market, (0, tolerance_bps))
            what = "reference"
            if not reference and before[t.market]:
                recent = before[t.market][-TRAILING:]
                reference, what = sum(recent) // len(recent), f"average of the last {len(recent)} trades"
            if reference and abs(price - reference) * 10_000 > bps * reference:
                detail = f"price {t.price} is more than {bps / 100:g}% from the {what} {Money(reference)}"
                alerts.append(Alert("price", detail, [t.trade], sorted({t.seller, t.buyer})))
        before[t.market].append(price)
    return alerts


def _concentration(window: list[TradeRecord]) -> list[Alert]:
    volume: dict[tuple[str, dt.date], Fraction] = defaultdict(Fraction)
    sides: dict[tuple[str, dt.date, str, str], tuple[Fraction, list[str]]] = {}
    for t in window:
        if t.price is None:
            continue
        day = t.at.astimezone(CHINA_STANDARD_TIME).date()
        amount = Fraction(t.quantity)
        volume[(t.market, day)] += amount
        for side, party in (("buys", t.buyer), ("sells", t.seller)):
            total, ids = sides.get((t.market, day, side, party), (Fraction(0), []))
            sides[(t.market, day, side, party)] = (total + amount, [*ids, t.trade])
    alerts = []
    for (market, day, side, party), (amount, ids) in sides.items():
        if amount > HALF * volume[(market, day)]:
            share = round(100 * amount / volume[(market, day)])
            alerts.append(
                Alert("concentration", f"{party} {side} {share}% of {market}'s volume on {day}", ids, [party])
            )
    return alerts


async def lot_concentration(
    session: AsyncSession, *, since: dt.datetime | None, until: dt.datetime | None
) -> list[Alert]:
    """Listings of fungible units closed in the window where one party won more than half the lot."""
    query = (
        select(ListingRow.id, ListingItemRow.quantity, BidRow.party_id, BidRow.allocated, BidRow.trade_id)
        .join(ListingItemRow, ListingItemRow.listing_id == ListingRow.id)
        .join(IssuanceRow, IssuanceRow.id == ListingItemRow.issuance_id)
        .join(BidRow, BidRow.listing_id == ListingRow.id)
        .where(ListingRow.package.is_(False), IssuanceRow.instrument_id.is_not(None), BidRow.allocated > 0)
    )
    if since is not None:
        query = query.where(ListingRow.closed_at >= since)
    if until is not None:
        query = query.where(ListingRow.closed_at < until)
    won: dict[tuple[str, str], tuple[int, int, list[str]]] = {}
    for listing, lot, party, allocated, trade in (await session.execute(query)).all():
        total, _, trades = won.get((listing, party), (0, lot, []))
        won[(listing, party)] = (total + allocated, lot, [*trades, str(trade)])
    return [
        Alert(
            "concentration",
            f"{party} won {round(100 * total / lot)}% of listing {listing}'s lot",
            trades,
            [party],
        )
        for (listing, party), (total, lot, trades) in won.items()
        if 2 * total > lot
    ]
