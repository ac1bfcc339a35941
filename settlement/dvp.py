"""Delivery versus payment: units reserved for a trade move to the buyer exactly when the buyer's
cash moves to the seller and the fees to the platform, in one transaction with one ledger entry.

A trade delivers units of one issuance at a unit price (``trade.settled``); a package (资产包)
delivers units of several issuances for one price (``package.settled``) — some of them, in an
operator's package, a depositor's units sold under mandate (the delivery names their ``owner``).
Any leg that cannot be made (units not reserved, cash not free) raises, and the unit of work rolls
back every leg: a trade settles whole or not at all.
"""

from dataclasses import dataclass
from typing import TypedDict

from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.parties import require_none_frozen
from registry.quantities import Money, Quantity


@dataclass(frozen=True, slots=True)
class Trade:
    """What is to be settled: ``units`` of those the seller reserved under ``ref``, for ``value_fen``."""

    trade_id: str
    issuance: int
    seller: str
    buyer: str
    units: int
    scale: int
    price_fen: int
    value_fen: int
    buyer_fee_fen: int
    seller_fee_fen: int
    fee_account: str
    ref: str


@dataclass(frozen=True, slots=True)
class Delivery:
    issuance: int
    units: int
    scale: int
    owner: str | None = None  # whose units, when not the seller's: a depositor's, under mandate


@dataclass(frozen=True, slots=True)
class PackageTrade:
    """A package: every delivery's units, reserved by the seller under ``ref``, for one value."""

    trade_id: str
    seller: str
    buyer: str
    deliveries: tuple[Delivery, ...]
    value_fen: int
    buyer_fee_fen: int
    seller_fee_fen: int
    fee_account: str
    ref: str


async def settle(work: c.Work, trade: Trade, *, actor: str) -> list[tuple[int, int]]:
    """Settle ``trade``; returns the serial ranges the buyer received."""
    await require_none_frozen(work.session, trade.seller, trade.buyer)
    ranges = await _deliver(work, trade, Delivery(trade.issuance, trade.units, trade.scale))
    await _pay(work, trade)
    settled = ev.TradeSettled(
        **_terms(trade),
        issuance=trade.issuance,
        ranges=tuple(ranges),
        quantity=str(Quantity(trade.units, trade.scale)),
        price=str(Money(trade.price_fen)),
    )
    work.record(settled, actor=actor)
    return ranges


async def settle_package(work: c.Work, trade: PackageTrade, *, actor: str) -> None:
    owners = (d.owner for d in trade.deliveries if d.owner is not None)
    await require_none_frozen(work.session, trade.seller, trade.buyer, *owners)
    deliveries = []
    for delivery in trade.deliveries:
        ranges = await _deliver(work, trade, delivery)
        quantity = str(Quantity(delivery.units, delivery.scale))
        deliveries.append(ev.Delivery(delivery.issuance, tuple(ranges), quantity, delivery.owner))
    await _pay(work, trade)
    work.record(ev.PackageSettled(**_terms(trade), deliveries=tuple(deliveries)), actor=actor)


async def _deliver(work: c.Work, trade: Trade | PackageTrade, delivery: Delivery) -> list[tuple[int, int]]:
    return await units.deliver(
        work,
        issuance_id=delivery.issuance,
        seller=delivery.owner or trade.seller,
        buyer=trade.buyer,
        ref=trade.ref,
        units=delivery.units,
    )


async def _pay(work: c.Work, trade: Trade | PackageTrade) -> None:
    legs = (
        (trade.buyer, trade.seller, trade.value_fen, "trade"),
        (trade.buyer, trade.fee_account, trade.buyer_fee_fen, "fee"),
        (trade.seller, trade.fee_account, trade.seller_fee_fen, "fee"),  # paid out of the proceeds
    )
    for payer, payee, fen, kind in legs:
        await cash.pay(work, payer=payer, payee=payee, fen=fen, reference=trade.trade_id, kind=kind)


class _Terms(TypedDict):
    trade: str
    seller: str
    buyer: str
    fee_account: str
    ref: str
    value: str
    buyer_fee: str
    seller_fee: str


def _terms(trade: Trade | PackageTrade) -> _Terms:
    """The parties and the cash legs, as both kinds of settlement record them."""
    return {
        "trade": trade.trade_id,
        "seller": trade.seller,
        "buyer": trade.buyer,
        "fee_account": trade.fee_account,
        "ref": trade.ref,
        "value": str(Money(trade.value_fen)),
        "buyer_fee": str(Money(trade.buyer_fee_fen)),
        "seller_fee": str(Money(trade.seller_fee_fen)),
    }
