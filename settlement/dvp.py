"""Delivery versus payment: units reserved for a trade move to the buyer exactly when the buyer's
cash moves to the seller and the fees to the platform, in one transaction with one ledger entry.

Any leg that cannot be made (units not reserved, cash not free) raises, and the unit of work rolls
back every leg: a trade settles whole or not at all.
"""

from dataclasses import dataclass

from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.cash import CNY_SCALE
from registry.quantities import format_units


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


async def settle(work: c.Work, trade: Trade, *, actor: str) -> list[tuple[int, int]]:
    """Settle ``trade``; returns the serial ranges the buyer received."""
    ranges = await units.deliver(
        work,
        issuance_id=trade.issuance,
        seller=trade.seller,
        buyer=trade.buyer,
        ref=trade.ref,
        units=trade.units,
    )
    legs = (
        (trade.buyer, trade.seller, trade.value_fen, "trade"),
        (trade.buyer, trade.fee_account, trade.buyer_fee_fen, "fee"),
        (trade.seller, trade.fee_account, trade.seller_fee_fen, "fee"),  # paid out of the proceeds
    )
    for payer, payee, fen, kind in legs:
        await cash.pay(work, payer=payer, payee=payee, fen=fen, reference=trade.trade_id, kind=kind)
    money = {
        name: format_units(amount, CNY_SCALE)
        for name, amount in (
            ("price", trade.price_fen),
            ("value", trade.value_fen),
            ("buyer_fee", trade.buyer_fee_fen),
            ("seller_fee", trade.seller_fee_fen),
        )
    }
    work.record(
        ev.LedgerEvent(
            ev.TRADE_SETTLED,
            actor,
            {
                "trade": trade.trade_id,
                "issuance": trade.issuance,
                "seller": trade.seller,
                "buyer": trade.buyer,
                "ranges": ev.ranges_json(ranges),
                "quantity": format_units(trade.units, trade.scale),
                "fee_account": trade.fee_account,
                "ref": trade.ref,
                "currency": "CNY",
                **money,
            },
        )
    )
    return ranges
