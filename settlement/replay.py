"""Rebuild every holding, lien and cash balance from ledger entries alone.

This is the auditor's model of the registry: it applies each entry's body to blocks of serials and to
cash balances, refusing any entry that moves units its sender did not hold in the right state or cash
that was not there. The offline verifier and the live audit both use it, so "the ledger explains the
database" is checked by one piece of code.
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from registry import blocks as b
from registry import events as ev
from registry.events import Event, Ranges
from settlement.entries import Entry

_LIVE = frozenset({b.ACTIVE, b.RESERVED, b.PLEDGED, b.FROZEN})
_FREE = frozenset({b.ACTIVE})
_FROZEN = frozenset({b.FROZEN})
_RESERVED = frozenset({b.RESERVED})
_PLEDGED = frozenset({b.PLEDGED})


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
        """Apply an entry of a kind that changes units or cash; others are left alone, unread."""
        if entry.kind in _HANDLERS:
            try:
                event = ev.parse(entry.kind, entry.body)
            except (KeyError, TypeError, ValueError) as exc:
                raise ReplayError(f"{entry.kind}: {exc}") from None
            self.apply_event(event)

    def apply_event(self, event: Event) -> None:
        """Apply an event already read from its entry."""
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            try:
                handler(self, event)
            except (KeyError, TypeError, ValueError) as exc:
                raise ReplayError(f"{event.kind}: {exc}") from None

    def move(
        self,
        issuance: int,
        ranges: Ranges,
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
        for first, last in ranges:
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


Handler = Callable[[LedgerState, Any], None]  # each takes the event class of its kind


def replay(entries: Iterable[Entry]) -> LedgerState:
    state = LedgerState()
    for entry in entries:
        state.apply(entry)
    return state


def _fen(text: str) -> int:
    whole, _, fraction = text.partition(".")
    if not (whole.isdigit() and len(fraction) == 2 and fraction.isdigit()):
        raise ValueError(f"{text!r} is not a CNY amount with two decimals")
    return int(whole) * 100 + int(fraction)


class _OwnedUnits(Protocol):
    @property
    def issuance(self) -> int: ...
    @property
    def owner(self) -> str: ...
    @property
    def ranges(self) -> Ranges: ...


def _shift(
    state: LedgerState,
    e: _OwnedUnits,
    states: frozenset[str],
    to_state: str,
    *,
    ref: str | None = None,
    to_ref: str | None = None,
    to_owner: str | None = None,
) -> None:
    """Move the owner's ``ranges`` in one of ``states`` (under lien ``ref``) to ``to_state`` (under
    ``to_ref``), kept or given to ``to_owner``."""
    owner = e.owner
    state.move(
        e.issuance,
        e.ranges,
        owner=owner,
        states=states,
        ref=ref,
        to_owner=owner if to_owner is None else to_owner,
        to_state=to_state,
        to_ref=to_ref,
    )


def _confirmed(state: LedgerState, e: ev.IssuanceConfirmed) -> None:
    state.issue(e.issuance, e.first, e.last, e.holder)


def _transferred(state: LedgerState, e: ev.UnitsTransferred) -> None:
    state.move(
        e.issuance,
        e.ranges,
        owner=e.from_,
        states=_FREE,
        ref=None,
        to_owner=e.to,
        to_state=b.ACTIVE,
        to_ref=None,
    )


def _retired(state: LedgerState, e: ev.UnitsRetired) -> None:
    _shift(state, e, _FREE, b.RETIRED, to_ref=e.certificate)


def _cancelled(state: LedgerState, e: ev.UnitsCancelled) -> None:
    _shift(state, e, _FREE, b.CANCELLED)


def _expired(state: LedgerState, e: ev.UnitsExpired) -> None:
    _shift(state, e, _LIVE, b.EXPIRED)


def _frozen(state: LedgerState, e: ev.UnitsFrozen) -> None:
    _shift(state, e, _FREE, b.FROZEN, to_ref=e.freeze)


def _unfrozen(state: LedgerState, e: ev.UnitsUnfrozen) -> None:
    _shift(state, e, _FROZEN, b.ACTIVE, ref=e.freeze)


def _reserved(state: LedgerState, e: ev.UnitsReserved) -> None:
    _shift(state, e, _FREE, b.RESERVED, to_ref=e.ref)


def _released(state: LedgerState, e: ev.UnitsReleased) -> None:
    _shift(state, e, _RESERVED, b.ACTIVE, ref=e.ref)


def _pledged(state: LedgerState, e: ev.UnitsPledged) -> None:
    _shift(state, e, _FREE, b.PLEDGED, to_ref=e.pledge)


def _unpledged(state: LedgerState, e: ev.UnitsUnpledged) -> None:
    _shift(state, e, _PLEDGED, b.ACTIVE, ref=e.pledge)


def _promoted(state: LedgerState, e: ev.PledgePromoted) -> None:
    _shift(state, e, _PLEDGED, b.PLEDGED, ref=e.pledge, to_ref=e.junior)


def _enforced(state: LedgerState, e: ev.PledgeEnforced) -> None:
    _shift(state, e, _PLEDGED, b.ACTIVE, ref=e.pledge, to_owner=e.bank)


def _for_sale(state: LedgerState, e: ev.PledgeSale) -> None:
    _shift(state, e, _PLEDGED, b.RESERVED, ref=e.pledge, to_ref=e.listing)


def _unsold(state: LedgerState, e: ev.PledgeUnsold) -> None:
    _shift(state, e, _RESERVED, b.PLEDGED, ref=e.listing, to_ref=e.pledge)


def _pledge_proceeds(state: LedgerState, e: ev.PledgeProceeds) -> None:
    _pay(state, e.owner, e.bank, _fen(e.amount))


def _signed(state: LedgerState, e: ev.ContractSigned) -> None:
    """A buy-out: units to the operator against the price. A mandate: units set aside under it."""
    if e.mode == "buyout":
        _shift(state, e, _FREE, b.ACTIVE, to_owner=e.operator)
        _pay(state, e.operator, e.owner, _fen(e.price))
    else:
        _shift(state, e, _FREE, b.RESERVED, to_ref=e.contract)


def _contract_listed(state: LedgerState, e: ev.ContractListed) -> None:
    _shift(state, e, _RESERVED, b.RESERVED, ref=e.contract, to_ref=e.listing)


def _contract_unsold(state: LedgerState, e: ev.ContractUnsold) -> None:
    _shift(state, e, _RESERVED, b.RESERVED, ref=e.listing, to_ref=e.contract)


def _contract_proceeds(state: LedgerState, e: ev.ContractProceeds) -> None:
    _pay(state, e.owner, e.operator, _fen(e.amount))


def _contract_paid(state: LedgerState, e: ev.ContractPaid | ev.ContractDistributed) -> None:
    _pay(state, e.operator, e.owner, _fen(e.amount))


def _contract_ended(state: LedgerState, e: ev.ContractEnded) -> None:
    _shift(state, e, _RESERVED, b.ACTIVE, ref=e.contract)


def _settled(state: LedgerState, e: ev.TradeSettled) -> None:
    _deliver(state, e, e.issuance, e.ranges, e.seller)
    _settle_cash(state, e)


def _package_settled(state: LedgerState, e: ev.PackageSettled) -> None:
    if not e.deliveries:
        raise TypeError("a package delivers a list of at least one issuance")
    for delivery in e.deliveries:
        _deliver(state, e, delivery.issuance, delivery.ranges, delivery.owner or e.seller)
    _settle_cash(state, e)


def _deliver(
    state: LedgerState, e: ev.TradeSettled | ev.PackageSettled, issuance: int, ranges: Ranges, owner: str
) -> None:
    state.move(
        issuance,
        ranges,
        owner=owner,
        states=_RESERVED,
        ref=e.ref,
        to_owner=e.buyer,
        to_state=b.ACTIVE,
        to_ref=None,
    )


def _settle_cash(state: LedgerState, e: ev.TradeSettled | ev.PackageSettled) -> None:
    value, buyer_fee, seller_fee = _fen(e.value), _fen(e.buyer_fee), _fen(e.seller_fee)
    for party, change in (
        (e.buyer, -value - buyer_fee),
        (e.seller, value - seller_fee),
        (e.fee_account, buyer_fee + seller_fee),
    ):
        _credit(state, party, change)


def _pay(state: LedgerState, payer: str, payee: str, amount: int) -> None:
    _credit(state, payer, -amount)
    _credit(state, payee, amount)


def _credit(state: LedgerState, party: str, change: int) -> None:
    """Change a balance, refusing to take it below the cash held for the party's orders and bids."""
    if state.scope is not None:
        return
    balance = state.cash.get(party, 0) + change
    if balance < state.reserved.get(party, 0):
        raise ValueError(f"party {party} would pay out cash it does not have free")
    state.cash[party] = balance


def _hold(state: LedgerState, party: str, fen: int) -> None:
    """Hold (positive ``fen``) or release (negative) cash for an order or bid."""
    if state.scope is not None:
        return
    held = state.reserved.get(party, 0) + fen
    if not 0 <= held <= state.cash.get(party, 0):
        raise ValueError(f"party {party} cannot hold {held} fen of its cash")
    state.reserved[party] = held


def _cash_reserved(state: LedgerState, e: ev.CashReserved) -> None:
    _hold(state, e.party, _fen(e.amount))


def _cash_released(state: LedgerState, e: ev.CashReleased) -> None:
    _hold(state, e.party, -_fen(e.amount))


def _deposited(state: LedgerState, e: ev.CashDeposited) -> None:
    _credit(state, e.party, _fen(e.amount))


def _withdrawn(state: LedgerState, e: ev.CashWithdrawn) -> None:
    _credit(state, e.party, -_fen(e.amount))


_HANDLERS: dict[str, Handler] = {
    ev.IssuanceConfirmed.kind: _confirmed,
    ev.UnitsTransferred.kind: _transferred,
    ev.UnitsRetired.kind: _retired,
    ev.UnitsCancelled.kind: _cancelled,
    ev.UnitsFrozen.kind: _frozen,
    ev.UnitsUnfrozen.kind: _unfrozen,
    ev.UnitsExpired.kind: _expired,
    ev.UnitsReserved.kind: _reserved,
    ev.UnitsReleased.kind: _released,
    ev.TradeSettled.kind: _settled,
    ev.PackageSettled.kind: _package_settled,
    ev.CashDeposited.kind: _deposited,
    ev.CashWithdrawn.kind: _withdrawn,
    ev.UnitsPledged.kind: _pledged,
    ev.UnitsUnpledged.kind: _unpledged,
    ev.PledgePromoted.kind: _promoted,
    ev.PledgeEnforced.kind: _enforced,
    ev.PledgeSale.kind: _for_sale,
    ev.PledgeUnsold.kind: _unsold,
    ev.PledgeProceeds.kind: _pledge_proceeds,
    ev.ContractSigned.kind: _signed,
    ev.ContractListed.kind: _contract_listed,
    ev.ContractUnsold.kind: _contract_unsold,
    ev.ContractProceeds.kind: _contract_proceeds,
    ev.ContractDistributed.kind: _contract_paid,
    ev.ContractPaid.kind: _contract_paid,
    ev.ContractEnded.kind: _contract_ended,
    ev.CashReserved.kind: _cash_reserved,
    ev.CashReleased.kind: _cash_released,
}
