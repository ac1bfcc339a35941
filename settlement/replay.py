"""Rebuild every holding, lien and cash balance from ledger entries alone.

This is the auditor's model of the registry: it applies each entry's body to blocks of serials and to
cash balances, refusing any entry that moves units its sender did not hold in the right state or cash
that was not there. The offline verifier and the live audit both use it, so "the ledger explains the
database" is checked by one piece of code.
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from registry import blocks as b
from registry import events as ev
from registry.events import JSONValue
from settlement.entries import Entry

_LIVE = frozenset({b.ACTIVE, b.RESERVED, b.PLEDGED, b.FROZEN})
_FREE = frozenset({b.ACTIVE})


class ReplayError(ValueError):
    """An entry that the state built from the entries before it cannot explain."""


@dataclass
class LedgerState:
    """Blocks per issuance and cash per party, as the ledger says they are."""

    issuances: dict[int, list[b.Block]] = field(default_factory=dict)
    cash: dict[str, int] = field(default_factory=dict)
    reserved: dict[str, int] = field(default_factory=dict)  # cash held for open orders and bids
    # The first serial of each block, parallel to ``issuances``: bisecting plain ints runs in C.
    firsts: dict[int, list[int]] = field(default_factory=dict)
    # Replay only this issuance's units and no cash: checking the entries an attestation carries.
    scope: int | None = None

    def holdings(self) -> dict[tuple[str, int, str], int]:
        """Quantity per (owner, issuance, state)."""
        result: dict[tuple[str, int, str], int] = {}
        for issuance, blocks in self.issuances.items():
            for block in blocks:
                key = (block.owner, issuance, block.state)
                result[key] = result.get(key, 0) + block.quantity
        return result

    def apply(self, entry: Entry) -> None:
        handler = _HANDLERS.get(entry.kind)
        if handler is not None:
            try:
                handler(self, entry.body)
            except (KeyError, TypeError, ValueError) as exc:
                raise ReplayError(f"{entry.kind}: {exc}") from None

    def move(
        self,
        issuance: int,
        ranges: JSONValue,
        *,
        owner: str,
        states: frozenset[str],
        ref: str | None,
        to_owner: str,
        to_state: str,
        to_ref: str | None,
    ) -> None:
        if self.scope is not None and issuance != self.scope:
            return
        book, firsts = self.issuances[issuance], self.firsts[issuance]  # tiling, by first serial
        for first, last in _ranges(ranges):
            low = bisect_right(firsts, first) - 1
            high = bisect_right(firsts, last)
            touched = book[max(low, 0) : high]
            for x in touched:
                if low < 0 or x.owner != owner or x.state not in states or (ref is not None and x.ref != ref):
                    raise ValueError(f"serials {first}-{last} are not all free units of {owner}")
            moved = b.reassign(touched, first, last, owner=to_owner, state=to_state, ref=to_ref)
            book[low:high] = moved
            firsts[low:high] = [x.first for x in moved]

    def issue(self, issuance: int, first: int, last: int, holder: str) -> None:
        if issuance in self.issuances:
            raise ValueError(f"issuance {issuance} confirmed twice")
        self.issuances[issuance] = [b.Block(first, last, holder)]
        self.firsts[issuance] = [first]


Handler = Callable[[LedgerState, dict[str, JSONValue]], None]


def replay(entries: Iterable[Entry]) -> LedgerState:
    state = LedgerState()
    for entry in entries:
        state.apply(entry)
    return state


def _ranges(value: JSONValue) -> list[tuple[int, int]]:
    if type(value) is not list:
        raise TypeError("ranges must be a list of [first, last]")
    result = []
    for item in value:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not int or type(item[1]) is not int:
            raise TypeError(f"range {item!r} is not [first, last]")
        first, last = item[0], item[1]
        if first > last:
            raise ValueError(f"range {item!r} is empty")
        result.append((first, last))
    return result


def _str(body: dict[str, JSONValue], key: str) -> str:
    value = body[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _int(body: dict[str, JSONValue], key: str) -> int:
    value = body[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} must be an integer")
    return value


def _fen(body: dict[str, JSONValue], key: str) -> int:
    whole, _, fraction = _str(body, key).partition(".")
    if not (whole.isdigit() and len(fraction) == 2 and fraction.isdigit()):
        raise ValueError(f"{key} is not a CNY amount with two decimals")
    return int(whole) * 100 + int(fraction)


def _confirmed(state: LedgerState, body: dict[str, JSONValue]) -> None:
    state.issue(_int(body, "issuance"), _int(body, "first"), _int(body, "last"), _str(body, "holder"))


def _transferred(state: LedgerState, body: dict[str, JSONValue]) -> None:
    sender = _str(body, "from")
    state.move(
        _int(body, "issuance"),
        body["ranges"],
        owner=sender,
        states=_FREE,
        ref=None,
        to_owner=_str(body, "to"),
        to_state=b.ACTIVE,
        to_ref=None,
    )


def _shift(
    states: frozenset[str],
    to_state: str,
    *,
    ref_key: str | None = None,
    to_ref_key: str | None = None,
    to_owner_key: str | None = None,
) -> Handler:
    """A handler that moves the ``ranges`` of an owner's units in one of ``states`` (under the lien
    named by ``ref_key``) to ``to_state`` (under ``to_ref_key``), kept or given to ``to_owner_key``."""

    def handler(state: LedgerState, body: dict[str, JSONValue]) -> None:
        owner = _str(body, "owner")
        state.move(
            _int(body, "issuance"),
            body["ranges"],
            owner=owner,
            states=states,
            ref=_str(body, ref_key) if ref_key else None,
            to_owner=_str(body, to_owner_key) if to_owner_key else owner,
            to_state=to_state,
            to_ref=_str(body, to_ref_key) if to_ref_key else None,
        )

    return handler


def _lien(to_state: str, ref_key: str | None, states: frozenset[str]) -> Handler:
    """Free (or live) units put under a lien or a final state: retire, freeze, reserve, expire…"""
    return _shift(states, to_state, to_ref_key=ref_key)


def _restore(state_from: str, ref_key: str) -> Handler:
    """Units under a lien (freeze, reservation, pledge) returned to free."""
    return _shift(frozenset({state_from}), b.ACTIVE, ref_key=ref_key)


def _settled(state: LedgerState, body: dict[str, JSONValue]) -> None:
    _deliver(state, body, body)
    _settle_cash(state, body)


def _package_settled(state: LedgerState, body: dict[str, JSONValue]) -> None:
    deliveries = body["deliveries"]
    if not isinstance(deliveries, list) or not deliveries:
        raise TypeError("a package delivers a list of at least one issuance")
    for delivery in deliveries:
        if not isinstance(delivery, dict):
            raise TypeError("each delivery is an object")
        _deliver(state, body, delivery)
    _settle_cash(state, body)


def _deliver(state: LedgerState, body: dict[str, JSONValue], delivery: dict[str, JSONValue]) -> None:
    state.move(
        _int(delivery, "issuance"),
        delivery["ranges"],
        owner=_str(delivery, "owner") if "owner" in delivery else _str(body, "seller"),
        states=frozenset({b.RESERVED}),
        ref=_str(body, "ref"),
        to_owner=_str(body, "buyer"),
        to_state=b.ACTIVE,
        to_ref=None,
    )


def _settle_cash(state: LedgerState, body: dict[str, JSONValue]) -> None:
    seller, buyer, fees = _str(body, "seller"), _str(body, "buyer"), _str(body, "fee_account")
    value, buyer_fee, seller_fee = _fen(body, "value"), _fen(body, "buyer_fee"), _fen(body, "seller_fee")
    for party, change in (
        (buyer, -value - buyer_fee),
        (seller, value - seller_fee),
        (fees, buyer_fee + seller_fee),
    ):
        _credit(state, party, change)


def _credit(state: LedgerState, party: str, change: int) -> None:
    """Change a balance, refusing to take it below the cash held for the party's orders and bids."""
    if state.scope is not None:
        return
    balance = state.cash.get(party, 0) + change
    if balance < state.reserved.get(party, 0):
        raise ValueError(f"party {party} would pay out cash it does not have free")
    state.cash[party] = balance


def _hold(sign: int) -> Handler:
    """A handler that holds (+1) or releases (-1) cash for an order or bid."""

    def handler(state: LedgerState, body: dict[str, JSONValue]) -> None:
        if state.scope is not None:
            return
        party = _str(body, "party")
        held = state.reserved.get(party, 0) + sign * _fen(body, "amount")
        if not 0 <= held <= state.cash.get(party, 0):
            raise ValueError(f"party {party} cannot hold {held} fen of its cash")
        state.reserved[party] = held

    return handler


def _payment(payer_key: str, payee_key: str) -> Handler:
    """A handler for cash ``amount`` paid by one party named in the body to another."""

    def handler(state: LedgerState, body: dict[str, JSONValue]) -> None:
        amount = _fen(body, "amount")
        _credit(state, _str(body, payer_key), -amount)
        _credit(state, _str(body, payee_key), amount)

    return handler


def _signed(state: LedgerState, body: dict[str, JSONValue]) -> None:
    """A buy-out: units to the operator against the price. A mandate: units set aside under it."""
    if _str(body, "mode") == "buyout":
        _shift(_FREE, b.ACTIVE, to_owner_key="operator")(state, body)
        price = _fen(body, "price")
        _credit(state, _str(body, "operator"), -price)
        _credit(state, _str(body, "owner"), price)
    else:
        _shift(_FREE, b.RESERVED, to_ref_key="contract")(state, body)


def _deposited(state: LedgerState, body: dict[str, JSONValue]) -> None:
    _credit(state, _str(body, "party"), _fen(body, "amount"))


def _withdrawn(state: LedgerState, body: dict[str, JSONValue]) -> None:
    _credit(state, _str(body, "party"), -_fen(body, "amount"))


_HANDLERS: dict[str, Handler] = {
    ev.ISSUANCE_CONFIRMED: _confirmed,
    ev.UNITS_TRANSFERRED: _transferred,
    ev.UNITS_RETIRED: _lien(b.RETIRED, "certificate", _FREE),
    ev.UNITS_CANCELLED: _lien(b.CANCELLED, None, _FREE),
    ev.UNITS_FROZEN: _lien(b.FROZEN, "freeze", _FREE),
    ev.UNITS_UNFROZEN: _restore(b.FROZEN, "freeze"),
    ev.UNITS_EXPIRED: _lien(b.EXPIRED, None, _LIVE),
    ev.UNITS_RESERVED: _lien(b.RESERVED, "ref", _FREE),
    ev.UNITS_RELEASED: _restore(b.RESERVED, "ref"),
    ev.TRADE_SETTLED: _settled,
    ev.PACKAGE_SETTLED: _package_settled,
    ev.CASH_DEPOSITED: _deposited,
    ev.CASH_WITHDRAWN: _withdrawn,
    ev.UNITS_PLEDGED: _lien(b.PLEDGED, "pledge", _FREE),
    ev.UNITS_UNPLEDGED: _restore(b.PLEDGED, "pledge"),
    ev.PLEDGE_PROMOTED: _shift(frozenset({b.PLEDGED}), b.PLEDGED, ref_key="pledge", to_ref_key="junior"),
    ev.PLEDGE_ENFORCED: _shift(frozenset({b.PLEDGED}), b.ACTIVE, ref_key="pledge", to_owner_key="bank"),
    ev.PLEDGE_SALE: _shift(frozenset({b.PLEDGED}), b.RESERVED, ref_key="pledge", to_ref_key="listing"),
    ev.PLEDGE_UNSOLD: _shift(frozenset({b.RESERVED}), b.PLEDGED, ref_key="listing", to_ref_key="pledge"),
    ev.PLEDGE_PROCEEDS: _payment("owner", "bank"),
    ev.CONTRACT_SIGNED: _signed,
    ev.CONTRACT_LISTED: _shift(frozenset({b.RESERVED}), b.RESERVED, ref_key="contract", to_ref_key="listing"),
    ev.CONTRACT_UNSOLD: _shift(frozenset({b.RESERVED}), b.RESERVED, ref_key="listing", to_ref_key="contract"),
    ev.CONTRACT_PROCEEDS: _payment("owner", "operator"),
    ev.CONTRACT_DISTRIBUTED: _payment("operator", "owner"),
    ev.CONTRACT_PAID: _payment("operator", "owner"),
    ev.CONTRACT_ENDED: _restore(b.RESERVED, "contract"),
    ev.CASH_RESERVED: _hold(+1),
    ev.CASH_RELEASED: _hold(-1),
}
