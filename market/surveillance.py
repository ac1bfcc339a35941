"""Market surveillance over a time window: every settled trade — on the book, at auction, by
negotiated transfer — read from the ledger, and the alerts a regulator acts on, each naming its
trades and parties:

- ``wash``: buyer and seller are the same party or related parties (declared links);
- ``circular``: units of one instrument pass A → B → … → A within the window;
- ``price``: a price outside the band around the instrument's reference price, or (without one)
  more than the tolerance away from the average of the instrument's previous trades;
- ``concentration``: one party buys or sells more than a share (half, by default) of an
  instrument's volume on a day (China Standard Time) that saw enough trades or parties to mean
  something — never a day with a single trade — or wins more than that share of a listed lot of
  fungible units bid for by enough parties.

The ledger is the source, so what is watched is exactly what was settled. Pure analysis over the
trades lives in ``analyse``; ``trades`` reads them; ``market.cases`` keeps what they raise as cases.
Every alert carries a natural key — what it is about, not when it was seen — so that running the
analysis again finds the same alerts, not new ones.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market.pricing import trading_day
from market.tables import BidRow, ListingItemRow, ListingRow, MarketRulesRow
from registry import events as ev
from registry.quantities import Money
from registry.tables import IssuanceRow
from settlement.entries import decode
from settlement.ledger import Ledger
from settlement.tables import LedgerEntryRow

TRAILING = 20  # trades in the average a price is compared with when there is no reference price


class Kind(StrEnum):
    WASH = "wash"
    CIRCULAR = "circular"
    PRICE = "price"
    CONCENTRATION = "concentration"


class Severity(StrEnum):
    LOW = "low"  # concentration: a pattern to watch
    MEDIUM = "medium"  # a price far from the band or the recent average
    HIGH = "high"  # wash and circular trades: trading with oneself in substance


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When surveillance raises an alert; configuration (``LIANGSHAN_SURVEILLANCE_*``)."""

    min_trades: int = 3  # a day's (or lot's) trades, or …
    min_parties: int = 3  # … the parties in them, before concentration means anything
    share_bps: int = 5000  # concentration: more than this share of the volume
    price_bps: int = 1000  # price: more than this far from the reference or the trailing average
    window_days: int = 30  # the trades each run looks at, back from now

    def __post_init__(self) -> None:
        # a day with one trade has two parties and one trade: it must never qualify
        if self.min_trades < 2 or self.min_parties < 3:
            raise ValueError("concentration needs at least 2 trades or 3 parties")
        if not 0 < self.share_bps < 10_000 or not 0 < self.price_bps <= 10_000 or self.window_days < 1:
            raise ValueError("shares are 1 to 9999 basis points, tolerances 1 to 10000, the window ≥ 1 day")

    def enough(self, trades: int, parties: int) -> bool:
        return trades >= 2 and (trades >= self.min_trades or parties >= self.min_parties)

    def above_share(self, amount: Fraction, total: Fraction) -> bool:
        return amount * 10_000 > total * self.share_bps


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
    """What surveillance found: ``key`` names what it is about (its trades, or its party, market and
    day), so that the same finding always has the same key; ``path`` is a circle's trades in order."""

    kind: Kind
    key: str
    severity: Severity
    market: str
    detail: str
    trades: list[str]
    parties: list[str]
    path: list[str] | None = None


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
    thresholds: Thresholds,
) -> list[Alert]:
    """Every alert the ``window``'s trades raise; ``history`` (all trades before and in it, oldest
    first) gives the trailing averages."""
    return [
        *_wash(window, groups),
        *_circular(window),
        *_prices(window, history, bands, thresholds.price_bps),
        *_concentration(window, thresholds),
    ]


def _wash(window: Iterable[TradeRecord], groups: dict[str, str]) -> list[Alert]:
    alerts = []
    for t in window:
        same = t.seller == t.buyer
        if same or groups.get(t.seller, t.seller) == groups.get(t.buyer, t.buyer):
            why = "the same party" if same else "related parties (declared links)"
            parties = sorted({t.seller, t.buyer})
            detail = f"buyer and seller are {why}"
            alerts.append(
                Alert(Kind.WASH, f"wash:{t.trade}", Severity.HIGH, t.market, detail, [t.trade], parties)
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
                ids = sorted(t.trade for t in cycle)
                if frozenset(ids) not in seen:
                    seen.add(frozenset(ids))
                    alerts.append(_circle(market, _in_time_order(cycle), ids))
    return alerts


def _in_time_order(cycle: list[TradeRecord]) -> list[TradeRecord]:
    """The circle's trades along the circle, from its earliest trade: A → B at t1, B → C, C → A."""
    first = min(range(len(cycle)), key=lambda i: (cycle[i].at, cycle[i].seq))
    return [*cycle[first:], *cycle[:first]]


def _circle(market: str, path: list[TradeRecord], ids: list[str]) -> Alert:
    route = " → ".join([*(t.seller for t in path), path[0].seller])
    return Alert(
        Kind.CIRCULAR,
        "circular:" + ",".join(ids),
        Severity.HIGH,
        market,
        f"units of {market} went {route}",
        [t.trade for t in path],
        sorted({t.seller for t in path}),
        [t.trade for t in path],
    )


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
                parties = sorted({t.seller, t.buyer})
                alerts.append(
                    Alert(
                        Kind.PRICE, f"price:{t.trade}", Severity.MEDIUM, t.market, detail, [t.trade], parties
                    )
                )
        before[t.market].append(price)
    return alerts


def _concentration(window: list[TradeRecord], thresholds: Thresholds) -> list[Alert]:
    volume: dict[tuple[str, dt.date], Fraction] = defaultdict(Fraction)
    days: dict[tuple[str, dt.date], tuple[int, set[str]]] = {}
    sides: dict[tuple[str, dt.date, str, str], tuple[Fraction, list[str]]] = {}
    for t in window:
        if t.price is None:
            continue
        market_day = (t.market, trading_day(t.at))
        amount = Fraction(t.quantity)
        volume[market_day] += amount
        count, parties = days.get(market_day, (0, set()))
        days[market_day] = (count + 1, parties | {t.seller, t.buyer})
        for side, party in (("buys", t.buyer), ("sells", t.seller)):
            total, ids = sides.get((*market_day, side, party), (Fraction(0), []))
            sides[(*market_day, side, party)] = (total + amount, [*ids, t.trade])
    alerts = []
    for (market, day, side, party), (amount, ids) in sides.items():
        count, parties = days[(market, day)]
        if thresholds.enough(count, len(parties)) and thresholds.above_share(amount, volume[(market, day)]):
            share = round(100 * amount / volume[(market, day)])
            alerts.append(
                Alert(
                    Kind.CONCENTRATION,
                    f"concentration:{market}:{day}:{side}:{party}",
                    Severity.LOW,
                    market,
                    f"{party} {side} {share}% of {market}'s volume on {day}"
                    f" ({count} trades, {len(parties)} parties)",
                    ids,
                    [party],
                )
            )
    return alerts


async def lot_concentration(
    session: AsyncSession, thresholds: Thresholds, *, since: dt.datetime | None, until: dt.datetime | None
) -> list[Alert]:
    """Listings of fungible units closed in the window where one party won more than the share of a
    lot that enough parties bid for, or that was split into enough trades."""
    query = (
        select(
            ListingRow.id,
            IssuanceRow.instrument_id,
            ListingItemRow.quantity,
            BidRow.party_id,
            BidRow.allocated,
            BidRow.trade_id,
        )
        .join(ListingItemRow, ListingItemRow.listing_id == ListingRow.id)
        .join(IssuanceRow, IssuanceRow.id == ListingItemRow.issuance_id)
        .join(BidRow, BidRow.listing_id == ListingRow.id)
        .where(
            ListingRow.package.is_(False),
            IssuanceRow.instrument_id.is_not(None),
            ListingRow.closed_at.is_not(None),
        )
    )
    if since is not None:
        query = query.where(ListingRow.closed_at >= since)
    if until is not None:
        query = query.where(ListingRow.closed_at < until)
    lots: dict[str, tuple[str, int, set[str], int]] = {}  # listing → market, lot, bidders, trades
    won: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for listing, market, lot, party, allocated, trade in (await session.execute(query)).all():
        _, _, bidders, trades = lots.get(listing, (str(market), lot, set(), 0))
        lots[listing] = (str(market), lot, bidders | {party}, trades + (allocated > 0))
        if allocated > 0:
            total, ids = won.get((listing, party), (0, []))
            won[(listing, party)] = (total + allocated, [*ids, str(trade)])
    alerts = []
    for (listing, party), (total, ids) in won.items():
        market, lot, bidders, trades = lots[listing]
        if thresholds.enough(trades, len(bidders)) and thresholds.above_share(Fraction(total), Fraction(lot)):
            alerts.append(
                Alert(
                    Kind.CONCENTRATION,
                    f"concentration:listing:{listing}:{party}",
                    Severity.LOW,
                    market,
                    f"{party} won {round(100 * total / lot)}% of listing {listing}'s lot"
                    f" ({len(bidders)} bidders)",
                    ids,
                    [party],
                )
            )
    return alerts
