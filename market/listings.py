"""Listings (挂牌) and auctions (竞价) for unique rights and blocks of fungible units.

A seller lists units of one issuance (priced per unit) or, as an operator (两山银行) does, a package
(资产包) of units of several issuances (priced whole); the units are reserved under the listing's id.
There are three modes:

- ``fixed``: the first buyer who accepts the price buys all of it;
- ``english``: bidders register by lodging a deposit (保证金, held from their cash); each bid beats the
  last by the increment; a bid in the last N minutes extends the end by N minutes (anti-sniping); at
  the close the highest bid at or above the reserve wins, and its deposit counts toward the price;
- ``sealed``: registered bidders' bids stay hidden until the close; the highest wins and pays its
  bid. A listing of one issuance of fungible units may take bids for part of the quantity and
  allocate to several winners, highest price first (earliest first at the same price), each paying
  its own bid.

Every bid is covered when it is made — the bidder's held cash is raised to the bid's value and fee —
so the close always settles. A listing ends sold (settled DvP), failed (流拍: no bid at or above the
reserve; units released) or cancelled (by the seller, before any bid). The scheduler closes listings
when they end, and catches up on start.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from market.errors import (
    AlreadyRegistered,
    BelowFloorPrice,
    BidBelowStartPrice,
    BidTooLow,
    ContractCoversOtherUnits,
    DepositOrReserveOnFixedPrice,
    ExtensionOutOfRange,
    FixedPriceTakesNoBids,
    IncrementNotPositive,
    ItemsEmptyOrRepeated,
    ListingClosed,
    ListingEnded,
    ListingHasBids,
    ListingIsAnAuction,
    MandateSoldThroughContract,
    NoSuchListing,
    NotInFuture,
    NotRegisteredToBid,
    NotTheListingsSeller,
    PackageNeedsValuations,
    PartialBidNotAllowed,
    PriceNotPositive,
    ReserveBelowStartPrice,
    SellerCannotBidOnOwnListing,
    SellerCannotBuyOwnListing,
)
from market.exchange import years_at
from market.pricing import Figures, fee, figures, term_of, trade_value, trading_day, years_left
from market.tables import BidderRow, BidRow, ListingItemRow, ListingRow
from registry import cash, contracts, enforcement, units
from registry import context as c
from registry import events as ev
from registry.assets import get_asset_class
from registry.errors import UnknownIssuance
from registry.quantities import Money, Quantity
from registry.tables import IssuanceRow
from registry.valuations import latest_valid
from settlement.dvp import Delivery, PackageTrade, Trade, settle, settle_package


class ListingMode(StrEnum):
    """How a listing sells: at a fixed price, by English (open, rising) or sealed-bid auction."""

    FIXED = "fixed"
    ENGLISH = "english"
    SEALED = "sealed"


class ListingStatus(StrEnum):
    """A listing's status: open, then sold, failed (no acceptable bid) or cancelled by its seller."""

    OPEN = "open"
    SOLD = "sold"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BidStatus(StrEnum):
    """A bid's status (``BidRow.status``): active until outbid (English), replaced by its bidder's next
    bid (sealed), or won or lost at the close."""

    ACTIVE = "active"
    OUTBID = "outbid"
    REPLACED = "replaced"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Item:
    issuance: int
    quantity: str
    contract: str | None = None  # in an operator's package: the mandate a depositor's units sell under


@dataclass(frozen=True, slots=True)
class ListingSpec:
    """A listing as the seller asks for it, in display units."""

    items: tuple[Item, ...]
    mode: ListingMode
    price: str  # the fixed price, or the start (lowest acceptable) price of an auction
    ends_at: dt.datetime
    increment: str = "0.01"
    reserve_price: str | None = None
    reserve_public: bool = True
    deposit: str | None = None  # none: bidders register without one
    extension_minutes: int = 4


@dataclass(frozen=True, slots=True)
class Award:
    party: str  # an opaque party id, as in the ledger
    price: str
    quantity: str | None  # None for a package, which is sold whole
    trade: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Listing:
    id: str
    seller: str
    items: list[Item]
    package: bool  # priced whole; otherwise per unit of its one item
    valuation: str | None  # its rights' latest valid valuations, pro rata, when every one has one
    mode: ListingMode
    price: str
    increment: str
    reserve_price: str | None  # shown only when public
    deposit: str
    extension_minutes: int
    ends_at: dt.datetime
    status: ListingStatus
    bids: int
    high_bid: str | None  # english only; sealed bids stay hidden until the close
    results: list[Award]
    # what buying it whole at its price comes to: today while open, on the day it closed once closed
    years: int | None  # the years its price counts (元/吨·年); None for a package, priced whole
    value: str
    buyer_fee: str
    seller_fee: str


def allocate(bids: list[tuple[int, int, int]], quantity: int, reserve: int) -> list[tuple[int, int]]:
    """Allocate ``quantity`` among ``(bid id, price, quantity)`` bids at or above ``reserve``:
    highest price first, earliest first at a price. Returns ``(bid id, allocated)`` pairs."""
    awards: list[tuple[int, int]] = []
    for bid_id, price, wanted in sorted(bids, key=lambda x: (-x[1], x[0])):
        if quantity == 0 or price < reserve:
            break
        take = min(wanted, quantity)
        awards.append((bid_id, take))
        quantity -= take
    return awards


async def create(work: c.Work, actor: c.Actor, spec: ListingSpec, *, fees_bps: int) -> Listing:
    actor.require(*c.HOLDER_KINDS)
    if not spec.items or len({item.issuance for item in spec.items}) != len(spec.items):
        raise ItemsEmptyOrRepeated("items")
    row = _listing(work, actor.party_id, spec)
    work.session.add(row)
    await work.session.flush()
    items = [await _add_item(work, actor, row, item, f"items.{n}") for n, item in enumerate(spec.items)]
    if any(item.contract_id for item in items):
        if not row.package:
            raise MandateSoldThroughContract("items.0.contract", contract=str(items[0].contract_id))
        if any(item.value is None for item in items):
            raise PackageNeedsValuations("items")
    await work.session.flush()
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def forced_sale(
    work: c.Work, actor: c.Actor, pledge_id: str, spec: ListingSpec, *, fees_bps: int
) -> Listing:
    """A bank enforces a pledge in default, its owner's notice run, by selling the pledged units for
    the owner (the seller): the proceeds pay the banks that lent on them, senior first, and the rest
    is the owner's."""
    pledge = await enforcement.for_sale(work, actor, pledge_id)
    row = await _for_owner(work, pledge.owner_id, pledge.issuance_id, pledge.quantity, spec)
    row.pledge_id = pledge.id
    await enforcement.move_to_sale(work, actor, pledge, row.id)
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def sale_under_mandate(
    work: c.Work, actor: c.Actor, contract_id: str, spec: ListingSpec, *, fees_bps: int
) -> Listing:
    """An operator (两山银行) sells a depositor's units under its lease, custody or co-operation
    mandate, for the depositor (the seller), at no less than the contract's floor price; the
    depositor pays the operator its part of the proceeds."""
    contract = await contracts.mandate(work, actor, contract_id)
    price = Money.parse(spec.price, field="price").fen
    if price < contract.floor_price:
        raise BelowFloorPrice("price", price=_money(price), floor=_money(contract.floor_price))
    row = await _for_owner(work, contract.depositor_id, contract.issuance_id, contract.quantity, spec)
    row.contract_id = contract.id
    await contracts.release_to_sale(work, contract, row.id)
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def _for_owner(
    work: c.Work, owner: str, issuance_id: int, quantity: int, spec: ListingSpec
) -> ListingRow:
    """A one-item listing of an owner's units put up by someone acting for it (a bank, an operator)."""
    issuance = await work.session.get(IssuanceRow, issuance_id)
    assert issuance is not None
    cls = await get_asset_class(work.session, issuance.asset_class)
    row = _listing(work, owner, spec)
    work.session.add(row)
    await work.session.flush()  # the listing before its item
    work.session.add(
        ListingItemRow(
            listing_id=row.id,
            issuance_id=issuance.id,
            quantity=quantity,
            scale=cls.scale,
            owner_id=owner,
            contract_id=None,
            value=None,
        )
    )
    await work.session.flush()
    return row


def _listing(work: c.Work, seller: str, spec: ListingSpec) -> ListingRow:
    row = ListingRow(
        id=work.new_id(),
        seller_id=seller,
        package=len(spec.items) > 1,
        mode=spec.mode,
        price=Money.parse(spec.price, field="price").fen,
        increment=Money.parse(spec.increment, field="increment").fen,
        reserve_price=None
        if spec.reserve_price is None
        else Money.parse(spec.reserve_price, field="reserve_price").fen,
        reserve_public=spec.reserve_public,
        deposit=0 if spec.deposit is None else Money.parse(spec.deposit, field="deposit").fen,
        extension_minutes=spec.extension_minutes,
        ends_at=spec.ends_at,
        status=ListingStatus.OPEN,
        created_at=work.now,
        closed_at=None,
        pledge_id=None,
        contract_id=None,
    )
    _check(row, work.now)
    return row


async def _add_item(work: c.Work, actor: c.Actor, row: ListingRow, item: Item, field: str) -> ListingItemRow:
    """Reserve an item's units for the listing: the seller's own, or a depositor's under the
    acting operator's mandate (whole, as the contract covers them). ``field`` is the item's place
    in the request (``items.0``)."""
    issuance = await work.session.get(IssuanceRow, item.issuance)
    if issuance is None:
        raise UnknownIssuance(f"{field}.issuance", issuance=item.issuance)
    cls = await get_asset_class(work.session, issuance.asset_class)
    quantity = Quantity.parse(item.quantity, cls.scale, field=f"{field}.quantity").units
    owner = row.seller_id
    if item.contract is None:
        await units.reserve(work, issuance_id=issuance.id, owner=owner, units=quantity, ref=row.id)
    else:
        contract = await contracts.mandate(work, actor, item.contract)
        if (contract.issuance_id, contract.quantity) != (issuance.id, quantity):
            raise ContractCoversOtherUnits(f"{field}.contract", contract=contract.id)
        owner = contract.depositor_id
        await contracts.release_to_sale(work, contract, row.id)
    valuation = await latest_valid(work.session, issuance.id, work.now.date())
    added = ListingItemRow(
        listing_id=row.id,
        issuance_id=issuance.id,
        quantity=quantity,
        scale=cls.scale,
        owner_id=owner,
        contract_id=item.contract,
        value=None if valuation is None else int(Fraction(valuation.value * quantity, issuance.quantity)),
    )
    work.session.add(added)
    return added


def _check(row: ListingRow, now: dt.datetime) -> None:
    if row.price == 0:
        raise PriceNotPositive("price")
    if row.ends_at <= now:
        raise NotInFuture("ends_at", moment=row.ends_at.isoformat())
    if row.mode == ListingMode.ENGLISH and row.increment == 0:
        raise IncrementNotPositive("increment")
    if row.reserve_price is not None and row.reserve_price < row.price:
        reserve, price = _money(row.reserve_price), _money(row.price)
        raise ReserveBelowStartPrice("reserve_price", reserve=reserve, price=price)
    if row.mode == ListingMode.FIXED and (row.reserve_price is not None or row.deposit):
        raise DepositOrReserveOnFixedPrice("mode")
    if not 0 <= row.extension_minutes <= 60:
        raise ExtensionOutOfRange("extension_minutes", minutes=row.extension_minutes)


async def _locked_open(work: c.Work, listing_id: str) -> ListingRow:
    row = await work.session.get(ListingRow, listing_id, with_for_update=True)
    if row is None:
        raise NoSuchListing("listing", listing=listing_id)
    if row.status != ListingStatus.OPEN:
        raise ListingClosed("listing", listing=listing_id, state=row.status)
    if row.ends_at <= work.now:
        raise ListingEnded("listing", listing=listing_id)
    return row


async def _items(session: AsyncSession, row: ListingRow) -> list[ListingItemRow]:
    query = (
        select(ListingItemRow).where(ListingItemRow.listing_id == row.id).order_by(ListingItemRow.issuance_id)
    )
    return list((await session.execute(query)).scalars())


async def _value(
    session: AsyncSession,
    row: ListingRow,
    items: list[ListingItemRow],
    *,
    price: int,
    quantity: int,
    at: dt.datetime,
) -> int:
    """What a bid of ``price`` for ``quantity`` settling ``at`` costs: per unit of one item (per
    year left on its term, for a unit_year price), or a package's whole price."""
    if row.package:
        return price
    (item,) = items
    years = years_at(await _term(session, item), at, field="listing")
    return trade_value(price, quantity, item.scale, years)


async def _term(session: AsyncSession, item: ListingItemRow) -> tuple[dt.date, dt.date] | None:
    """The term a unit_year price for ``item`` counts the years of; None for other price bases."""
    issuance = await session.get(IssuanceRow, item.issuance_id)
    assert issuance is not None
    return term_of((await get_asset_class(session, issuance.asset_class)).price_basis, issuance.attributes)


async def buy(work: c.Work, actor: c.Actor, listing_id: str, *, fees_bps: int, fee_account: str) -> Listing:
    """Accept a fixed price: the first buyer buys the whole listing, settled at once."""
    actor.require(*c.HOLDER_KINDS)
    row = await _locked_open(work, listing_id)
    if row.mode != ListingMode.FIXED:
        raise ListingIsAnAuction("listing")
    if actor.party_id == row.seller_id:
        raise SellerCannotBuyOwnListing("listing")
    bid = BidRow(
        listing_id=row.id,
        party_id=actor.party_id,
        price=row.price,
        quantity=_whole(row, await _items(work.session, row)),
        status=BidStatus.ACTIVE,
        allocated=0,
        trade_id=None,
        at=work.now,
    )
    work.session.add(bid)
    await work.session.flush()
    proceeds = await _award(work, row, bid, bid.quantity, fees_bps=fees_bps, fee_account=fee_account)
    await _finish(work, row, proceeds)
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def register(work: c.Work, actor: c.Actor, listing_id: str, *, fees_bps: int) -> Listing:
    """Register to bid by lodging the deposit (保证金), held from the bidder's free cash."""
    actor.require(*c.HOLDER_KINDS)
    row = await _locked_open(work, listing_id)
    if row.mode == ListingMode.FIXED:
        raise FixedPriceTakesNoBids("listing")
    if actor.party_id == row.seller_id:
        raise SellerCannotBidOnOwnListing("listing")
    if await work.session.get(BidderRow, (row.id, actor.party_id)) is not None:
        raise AlreadyRegistered("listing")
    await cash.hold(work, party=actor.party_id, fen=row.deposit, ref=row.id, actor=actor.party_id)
    work.session.add(
        BidderRow(listing_id=row.id, party_id=actor.party_id, held=row.deposit, registered_at=work.now)
    )
    await work.session.flush()
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def bid(
    work: c.Work, actor: c.Actor, listing_id: str, *, price: str, quantity: str | None, fees_bps: int
) -> Listing:
    actor.require(*c.HOLDER_KINDS)
    row = await _locked_open(work, listing_id)
    bidder = await work.session.get(BidderRow, (row.id, actor.party_id), with_for_update=True)
    if bidder is None:
        raise NotRegisteredToBid("listing")
    items = await _items(work.session, row)
    offered = Money.parse(price, field="price").fen
    whole = _whole(row, items)
    wanted = whole if quantity is None else Quantity.parse(quantity, items[0].scale, field="quantity").units
    await _check_bid(work.session, row, items, offered, wanted)
    active = await _active_bids(work.session, row)
    for earlier in active:
        if row.mode == ListingMode.ENGLISH:
            earlier.status = BidStatus.OUTBID
            if earlier.party_id != actor.party_id:
                await _hold_to(work, row, earlier.party_id, row.deposit)
        elif earlier.party_id == actor.party_id:
            earlier.status = BidStatus.REPLACED
    # held for the years left today: at the close it counts as many or fewer, so the hold covers it
    value = await _value(work.session, row, items, price=offered, quantity=wanted, at=work.now)
    await _hold_to(work, row, actor.party_id, max(row.deposit, value + fee(value, fees_bps)))
    work.session.add(
        BidRow(
            listing_id=row.id,
            party_id=actor.party_id,
            price=offered,
            quantity=wanted,
            status=BidStatus.ACTIVE,
            allocated=0,
            trade_id=None,
            at=work.now,
        )
    )
    if row.mode == ListingMode.ENGLISH and row.ends_at - work.now < dt.timedelta(
        minutes=row.extension_minutes
    ):
        row.ends_at += dt.timedelta(minutes=row.extension_minutes)
    await work.session.flush()
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def _check_bid(
    session: AsyncSession, row: ListingRow, items: list[ListingItemRow], price: int, quantity: int
) -> None:
    if row.mode == ListingMode.ENGLISH:
        high = await _high_bid(session, row)
        least = row.price if high is None else high + row.increment
        if price < least:
            raise BidTooLow("price", price=_money(price), least=_money(least))
    elif price < row.price:
        raise BidBelowStartPrice("price", price=_money(price), start=_money(row.price))
    whole = _whole(row, items)
    if quantity == whole:
        return
    divisible = (
        row.mode == ListingMode.SEALED
        and not row.package
        and row.pledge_id is None  # sales for an owner sell its units whole
        and row.contract_id is None
        and await _fungible(session, items[0].issuance_id)
    )
    if not (divisible and 0 < quantity < whole):
        raise PartialBidNotAllowed("quantity")


async def _fungible(session: AsyncSession, issuance_id: int) -> bool:
    issuance = await session.get(IssuanceRow, issuance_id)
    return issuance is not None and issuance.instrument_id is not None


def _whole(row: ListingRow, items: list[ListingItemRow]) -> int:
    """The quantity a whole-listing bid is for: the one item's units (a package counts as one)."""
    return 1 if row.package else items[0].quantity


async def _active_bids(session: AsyncSession, row: ListingRow) -> list[BidRow]:
    query = (
        select(BidRow)
        .where(BidRow.listing_id == row.id, BidRow.status == BidStatus.ACTIVE)
        .order_by(BidRow.id)
    )
    return list((await session.execute(query)).scalars())


async def _high_bid(session: AsyncSession, row: ListingRow) -> int | None:
    query = select(func.max(BidRow.price)).where(
        BidRow.listing_id == row.id, BidRow.status == BidStatus.ACTIVE
    )
    return (await session.execute(query)).scalar()


async def _hold_to(work: c.Work, row: ListingRow, party: str, target: int) -> None:
    """Raise or lower what the party holds for this listing to ``target`` fen."""
    bidder = await work.session.get(BidderRow, (row.id, party), with_for_update=True)
    assert bidder is not None
    change = target - bidder.held
    if change > 0:
        await cash.hold(work, party=party, fen=change, ref=row.id, actor=party)
    elif change < 0:
        await cash.unhold(work, party=party, fen=-change, ref=row.id, actor=party)
    bidder.held = target


async def _award(
    work: c.Work, row: ListingRow, winner: BidRow, quantity: int, *, fees_bps: int, fee_account: str
) -> int:
    """Settle one winner's allocation; returns the seller's proceeds net of its fee."""
    items = await _items(work.session, row)
    value = await _value(work.session, row, items, price=winner.price, quantity=quantity, at=work.now)
    charge = fee(value, fees_bps)
    trade_id = work.new_id()
    if row.package:
        deliveries = tuple(
            Delivery(
                item.issuance_id,
                item.quantity,
                item.scale,
                None if item.contract_id is None else item.owner_id,
            )
            for item in items
        )
        package = PackageTrade(
            trade_id, row.seller_id, winner.party_id, deliveries, value, charge, charge, fee_account, row.id
        )
        await settle_package(work, package, actor=ev.SYSTEM)
    else:
        (item,) = items
        trade = Trade(
            trade_id=trade_id,
            issuance=item.issuance_id,
            seller=row.seller_id,
            buyer=winner.party_id,
            units=quantity,
            scale=item.scale,
            price_fen=winner.price,
            value_fen=value,
            buyer_fee_fen=charge,
            seller_fee_fen=charge,
            fee_account=fee_account,
            ref=row.id,
        )
        await settle(work, trade, actor=ev.SYSTEM)
    winner.status, winner.allocated, winner.trade_id = BidStatus.WON, quantity, trade_id
    return value - charge


async def close(work: c.Work, row: ListingRow, *, fees_bps: int, fee_account: str) -> None:
    """Close an ended listing: award, release every bidder's hold, return unsold units."""
    bids = await _active_bids(work.session, row)
    reserve = row.price if row.reserve_price is None else row.reserve_price
    whole = _whole(row, await _items(work.session, row))
    awards = dict(allocate([(b.id, b.price, b.quantity) for b in bids], whole, reserve))
    bidders = (await work.session.execute(select(BidderRow).where(BidderRow.listing_id == row.id))).scalars()
    for bidder in bidders:
        await _hold_to(work, row, bidder.party_id, 0)
    proceeds = 0
    for placed in bids:
        if placed.id in awards:
            proceeds += await _award(
                work, row, placed, awards[placed.id], fees_bps=fees_bps, fee_account=fee_account
            )
        else:
            placed.status = BidStatus.LOST
    await _finish(work, row, proceeds if awards else None)


async def _finish(work: c.Work, row: ListingRow, proceeds: int | None) -> None:
    """End a listing sold (for ``proceeds`` net of the seller's fee) or failed (None): pay those
    the sale is for — banks, operators, depositors — and return what was not sold."""
    row.status, row.closed_at = (ListingStatus.FAILED if proceeds is None else ListingStatus.SOLD), work.now
    if row.pledge_id is not None:
        await enforcement.after_sale(work, row.pledge_id, row.id, proceeds)
    elif row.contract_id is not None:
        await contracts.after_sale(work, row.contract_id, row.id, proceeds)
    else:
        await _settle_items(work, row, proceeds)


async def _settle_items(work: c.Work, row: ListingRow, proceeds: int | None) -> None:
    """Return what was not sold; pay each depositor whose units a package sold its share, the part
    of the proceeds its units' value bears in the package's value."""
    items = await _items(work.session, row)
    whole = sum(item.value or 0 for item in items)
    for item in items:
        if item.contract_id is not None:
            share = None if proceeds is None else int(Fraction(proceeds * (item.value or 0), whole))
            await contracts.after_package(work, item.contract_id, row.id, share)
        else:  # whatever of the seller's own units was not sold
            await units.release(
                work, issuance_id=item.issuance_id, owner=row.seller_id, ref=row.id, actor=ev.SYSTEM
            )


async def due(work: c.Work) -> list[ListingRow]:
    """Open listings past their end, locked for closing."""
    query = (
        select(ListingRow)
        .where(ListingRow.status == ListingStatus.OPEN, ListingRow.ends_at <= work.now)
        .order_by(ListingRow.ends_at)
        .with_for_update()
    )
    return list((await work.session.execute(query)).scalars())


async def cancel(work: c.Work, actor: c.Actor, listing_id: str, *, fees_bps: int) -> Listing:
    """The seller withdraws a listing that has no bid yet; units and deposits are released."""
    row = await _locked_open(work, listing_id)
    if row.seller_id != actor.party_id or row.pledge_id is not None or row.contract_id is not None:
        raise NotTheListingsSeller("listing")
    if await _active_bids(work.session, row):
        raise ListingHasBids("listing")
    await close(work, row, fees_bps=0, fee_account=row.seller_id)
    row.status = ListingStatus.CANCELLED
    return await _view(work.session, row, bps=fees_bps, now=work.now)


async def get_listing(session: AsyncSession, listing_id: str, *, bps: int, now: dt.datetime) -> Listing:
    row = await session.get(ListingRow, listing_id)
    if row is None:
        raise NoSuchListing("listing", listing=listing_id)
    return await _view(session, row, bps=bps, now=now)


async def list_listings(
    session: AsyncSession,
    *,
    status: ListingStatus | None,
    after: str | None,
    limit: int,
    bps: int,
    now: dt.datetime,
) -> list[Listing]:
    query = select(ListingRow).order_by(ListingRow.id).limit(limit)
    if status is not None:
        query = query.where(ListingRow.status == status)
    if after is not None:
        query = query.where(ListingRow.id > after)
    return [await _view(session, row, bps=bps, now=now) for row in (await session.execute(query)).scalars()]


@dataclass(frozen=True, slots=True)
class OwnBid:
    price: str
    quantity: str | None  # None for a package, bid on whole
    status: BidStatus
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """A party's own part in a listing, which only it is shown: whether it registered to bid (and
    the cash held for it there), and its bids, latest first — sealed bids stay its secret."""

    registered: bool
    held: str
    bids: list[OwnBid]


async def outbid_on(session: AsyncSession, party: str) -> list[str]:
    """The open listings, oldest first, on which the party bid and holds no active bid now: outbid,
    and free to bid again before the end."""
    query = (
        select(BidRow.listing_id, BidRow.status)
        .join(ListingRow, ListingRow.id == BidRow.listing_id)
        .where(
            BidRow.party_id == party,
            ListingRow.status == ListingStatus.OPEN,
            BidRow.status.in_((BidStatus.ACTIVE, BidStatus.OUTBID)),
        )
        .order_by(ListingRow.created_at, BidRow.listing_id)
    )
    standing: dict[str, set[str]] = {}
    for listing, status in (await session.execute(query)).all():
        standing.setdefault(listing, set()).add(status)
    return [listing for listing, statuses in standing.items() if BidStatus.ACTIVE not in statuses]


async def standing(session: AsyncSession, listing_id: str, party: str) -> Standing:
    row = await session.get(ListingRow, listing_id)
    if row is None:
        raise NoSuchListing("listing", listing=listing_id)
    bidder = await session.get(BidderRow, (listing_id, party))
    items = await _items(session, row)
    own = select(BidRow).where(BidRow.listing_id == listing_id, BidRow.party_id == party)
    bids = [
        OwnBid(
            _money(b.price),
            None if row.package else str(Quantity(b.quantity, items[0].scale)),
            BidStatus(b.status),
            b.at,
        )
        for b in (await session.execute(own.order_by(BidRow.id.desc()))).scalars()
    ]
    return Standing(bidder is not None, _money(bidder.held if bidder else 0), bids)


async def _view(session: AsyncSession, row: ListingRow, *, bps: int, now: dt.datetime) -> Listing:
    items = await _items(session, row)
    shown = await _figures(session, row, items, bps, trading_day(row.closed_at or now))
    count = (await session.execute(select(func.count()).where(BidRow.listing_id == row.id))).scalar_one()
    high = (
        await _high_bid(session, row)
        if row.mode == ListingMode.ENGLISH and row.status == ListingStatus.OPEN
        else None
    )
    won = (
        select(BidRow).where(BidRow.listing_id == row.id, BidRow.status == BidStatus.WON).order_by(BidRow.id)
    )
    results = [
        Award(
            b.party_id,
            _money(b.price),
            None if row.package else str(Quantity(b.allocated, items[0].scale)),
            b.trade_id,
            b.at,
        )
        for b in (await session.execute(won)).scalars()
    ]
    return Listing(
        row.id,
        row.seller_id,
        [
            Item(item.issuance_id, str(Quantity(item.quantity, item.scale)), item.contract_id)
            for item in items
        ],
        row.package,
        None if any(i.value is None for i in items) else _money(sum(i.value or 0 for i in items)),
        ListingMode(row.mode),
        _money(row.price),
        _money(row.increment),
        _money(row.reserve_price) if row.reserve_price is not None and row.reserve_public else None,
        _money(row.deposit),
        row.extension_minutes,
        row.ends_at,
        ListingStatus(row.status),
        count,
        None if high is None else _money(high),
        results,
        shown.years if not row.package else None,
        shown.value,
        shown.buyer_fee,
        shown.seller_fee,
    )


async def _figures(
    session: AsyncSession, row: ListingRow, items: list[ListingItemRow], bps: int, on: dt.date
) -> Figures:
    """Buying the whole listing at its price on ``on``: a package for its price; one item for its
    price per unit (per year left on its term, for a unit_year price; none once the term is over)."""
    if row.package:
        return figures(row.price, 1, 0, 1, bps)
    (item,) = items
    years = years_left(await _term(session, item), on)
    return figures(row.price, item.quantity, item.scale, years, bps)


def _money(fen: int) -> str:
    return str(Money(fen))
