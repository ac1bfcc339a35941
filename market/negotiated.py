"""Negotiated transfer (协议转让): a seller offers a quantity at a price to one named buyer; the buyer
accepts before the deadline and it settles delivery versus payment, or the offer lapses (or is
declined or withdrawn) and the reserved units are released.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from market.errors import (
    NoSuchOffer,
    NotAnEligibleBuyer,
    NotInFuture,
    NotTheOffersBuyer,
    NotTheOffersSeller,
    OfferClosed,
    OfferExpired,
)
from market.exchange import years_at
from market.pricing import fee, term_of, trade_value, trading_day, years_left
from market.tables import OfferRow
from registry import context as c
from registry import events as ev
from registry import units
from registry.assets import get_asset_class
from registry.errors import UnknownIssuance, UnknownParty
from registry.quantities import Money, Quantity
from registry.tables import IssuanceRow, PartyRow
from settlement.dvp import Trade, settle


class OfferStatus(StrEnum):
    """An offer's status: open, then accepted, declined (by the buyer), withdrawn (by the seller) or
    lapsed at its deadline."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    seller: str
    buyer: str
    issuance: int
    quantity: str
    price: str
    years: int  # the years its price counts: left on the term today while open, as settled once accepted
    value: str  # what the buyer pays for the units, before its fee
    status: OfferStatus
    deadline: dt.datetime
    trade: str | None
    buyer_fee: str
    seller_fee: str


async def _offer(session: AsyncSession, row: OfferRow, *, bps: int, now: dt.datetime) -> Offer:
    """The offer as it stands: an open one priced as accepting it at ``now`` would settle it."""
    issuance = await session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None
    cls = await get_asset_class(session, issuance.asset_class)
    years, value = row.years, row.value
    if row.status == OfferStatus.OPEN:
        years = years_left(term_of(cls.price_basis, issuance.attributes), trading_day(now))
        value = trade_value(row.price, row.quantity, cls.scale, years)
    charge = str(Money(fee(value, bps)))
    return Offer(
        row.id,
        row.seller_id,
        row.buyer_id,
        row.issuance_id,
        str(Quantity(row.quantity, cls.scale)),
        str(Money(row.price)),
        years,
        str(Money(value)),
        OfferStatus(row.status),
        row.deadline,
        row.trade_id,
        charge,
        charge,
    )


async def propose(
    work: c.Work,
    actor: c.Actor,
    *,
    buyer: str,
    issuance_id: int,
    quantity: str,
    price: str,
    deadline: dt.datetime,
    fee_bps: int,
) -> Offer:
    """Offer units to one buyer; they are reserved at once, so they cannot be sold twice."""
    actor.require(*c.HOLDER_KINDS)
    counterparty = await work.session.get(PartyRow, buyer)
    if counterparty is None:
        raise UnknownParty("buyer", party=buyer)
    if counterparty.kind not in c.HOLDER_KINDS or buyer == actor.party_id:
        raise NotAnEligibleBuyer("buyer")
    if deadline <= work.now:
        raise NotInFuture("deadline", moment=deadline.isoformat())
    issuance = await work.session.get(IssuanceRow, issuance_id)
    if issuance is None:
        raise UnknownIssuance("issuance", issuance=issuance_id)
    cls = await get_asset_class(work.session, issuance.asset_class)
    amount = Quantity.parse(quantity, cls.scale, field="quantity").units
    price_fen = Money.parse(price, field="price").fen
    years = years_at(term_of(cls.price_basis, issuance.attributes), work.now, field="issuance")
    row = OfferRow(
        id=work.new_id(),
        seller_id=actor.party_id,
        buyer_id=buyer,
        issuance_id=issuance_id,
        quantity=amount,
        price=price_fen,
        value=trade_value(price_fen, amount, cls.scale, years),
        status=OfferStatus.OPEN,
        deadline=deadline,
        created_at=work.now,
        years=years,
    )
    await units.reserve(work, issuance_id=issuance_id, owner=actor.party_id, units=amount, ref=row.id)
    work.session.add(row)
    await work.session.flush()
    return await _offer(work.session, row, bps=fee_bps, now=work.now)


async def _open_offer(work: c.Work, actor: c.Actor, offer_id: str) -> OfferRow:
    """An open offer the actor is a party to; to anyone else it does not exist."""
    query = select(OfferRow).where(OfferRow.id == offer_id).with_for_update()
    row = (await work.session.execute(query)).scalar()
    if row is None or not _sees(actor, row):
        raise NoSuchOffer("offer", offer=offer_id)
    if row.status != OfferStatus.OPEN:
        raise OfferClosed("offer", offer=offer_id, state=row.status)
    return row


def _sees(actor: c.Actor, row: OfferRow) -> bool:
    return actor.party_id in (row.seller_id, row.buyer_id) or actor.supervises


async def accept(work: c.Work, actor: c.Actor, offer_id: str, *, fee_bps: int, fee_account: str) -> Offer:
    """The named buyer accepts: units, price and fees settle together, or nothing happens."""
    actor.require(*c.HOLDER_KINDS)
    row = await _open_offer(work, actor, offer_id)
    if row.buyer_id != actor.party_id:
        raise NotTheOffersBuyer("offer")
    if row.deadline <= work.now:
        raise OfferExpired("offer", offer=offer_id)
    issuance = await _issuance(work.session, row.issuance_id)
    cls = await get_asset_class(work.session, issuance.asset_class)
    # worth the years left on the day it settles, which may be fewer than when it was offered
    row.years = years_at(term_of(cls.price_basis, issuance.attributes), work.now, field="offer")
    row.value = trade_value(row.price, row.quantity, cls.scale, row.years)
    charge = fee(row.value, fee_bps)
    trade = Trade(
        trade_id=work.new_id(),
        issuance=row.issuance_id,
        seller=row.seller_id,
        buyer=row.buyer_id,
        units=row.quantity,
        scale=cls.scale,
        price_fen=row.price,
        value_fen=row.value,
        buyer_fee_fen=charge,
        seller_fee_fen=charge,
        fee_account=fee_account,
        ref=row.id,
    )
    await settle(work, trade, actor=actor.party_id)
    row.status, row.closed_at, row.trade_id = OfferStatus.ACCEPTED, work.now, trade.trade_id
    return await _offer(work.session, row, bps=fee_bps, now=work.now)


async def _issuance(session: AsyncSession, issuance_id: int) -> IssuanceRow:
    row = await session.get(IssuanceRow, issuance_id)
    assert row is not None
    return row


async def close(work: c.Work, actor: c.Actor, offer_id: str, *, status: OfferStatus, fee_bps: int) -> Offer:
    """The buyer declines or the seller withdraws; the reserved units go back to the seller."""
    row = await _open_offer(work, actor, offer_id)
    if status == OfferStatus.DECLINED and actor.party_id != row.buyer_id:
        raise NotTheOffersBuyer("offer")
    if status != OfferStatus.DECLINED and actor.party_id != row.seller_id:
        raise NotTheOffersSeller("offer")
    await units.release(
        work, issuance_id=row.issuance_id, owner=row.seller_id, ref=row.id, actor=actor.party_id
    )
    row.status, row.closed_at = status, work.now
    return await _offer(work.session, row, bps=fee_bps, now=work.now)


async def lapse_due(work: c.Work) -> int:
    """Lapse every open offer past its deadline, releasing its units; run by the scheduler."""
    query = (
        select(OfferRow)
        .where(OfferRow.status == OfferStatus.OPEN, OfferRow.deadline <= work.now)
        .with_for_update()
    )
    due = list((await work.session.execute(query)).scalars())
    for row in due:
        await units.release(
            work, issuance_id=row.issuance_id, owner=row.seller_id, ref=row.id, actor=ev.SYSTEM
        )
        row.status, row.closed_at = OfferStatus.LAPSED, work.now
    return len(due)


async def get_offer(
    session: AsyncSession, actor: c.Actor, offer_id: str, *, bps: int, now: dt.datetime
) -> Offer:
    row = await session.get(OfferRow, offer_id)
    if row is None or not _sees(actor, row):
        raise NoSuchOffer("offer", offer=offer_id)
    return await _offer(session, row, bps=bps, now=now)


async def count_to_answer(session: AsyncSession, party: str) -> int:
    """The open offers naming ``party`` as their buyer: what waits on its answer."""
    query = (
        select(func.count())
        .select_from(OfferRow)
        .where(OfferRow.buyer_id == party, OfferRow.status == OfferStatus.OPEN)
    )
    return int((await session.execute(query)).scalar_one())


async def list_offers(
    session: AsyncSession,
    actor: c.Actor,
    *,
    status: OfferStatus | None,
    after: str | None,
    limit: int,
    bps: int,
    now: dt.datetime,
) -> list[Offer]:
    """Offers the actor made or received (so a buyer finds what it may accept); regulators see all."""
    query = select(OfferRow).order_by(OfferRow.id).limit(limit)
    if not actor.supervises:
        query = query.where((OfferRow.seller_id == actor.party_id) | (OfferRow.buyer_id == actor.party_id))
    if status is not None:
        query = query.where(OfferRow.status == status)
    if after is not None:
        query = query.where(OfferRow.id > after)
    return [await _offer(session, row, bps=bps, now=now) for row in (await session.execute(query)).scalars()]
