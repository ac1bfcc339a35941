"""Rebuild every holding, lien and cash balance from ledger entries alone, and, when asked, every
other fact the entries establish.

This is the auditor's model of the registry: it applies each entry's body to blocks of serials and to
cash balances, refusing any entry that moves units its sender did not hold in the right state or cash
that was not there. The offline verifier and the live audit both use it, so "the ledger explains the
database" is checked by one piece of code. The live audit also asks for ``Facts``: parties, issuances,
pledges, contracts, freezes, retirements, trades, what is held under each order or listing, and both
statements line by line — what the database's other tables must agree with. The verifier does not
need them and does not pay for them.

Every kind is either derived here (``_HANDLERS``, ``_FACT_HANDLERS``) or declared to change no state
the audit compares (``INERT``); a kind this code does not know is skipped, never a failure, so an
older auditor reads a newer ledger (``tests/unit/test_replay_kinds.py`` keeps the lists complete).
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

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
    # Everything else the entries establish, when the caller asks for it (the live audit).
    facts: "Facts | None" = None

    def holdings(self) -> dict[tuple[str, int, str], int]:
        """Quantity per (owner, issuance, state)."""
        result: dict[tuple[str, int, str], int] = {}
        for issuance, blocks in self.issuances.items():
            for block in blocks:
                key = (block.owner, issuance, block.state)
                result[key] = result.get(key, 0) + block.quantity
        return result

    def apply(self, entry: Entry) -> None:
        """Apply an entry of a kind that changes units or cash (or facts, when they are asked for);
        others are left alone, unread."""
        if entry.kind in _HANDLERS or (self.facts is not None and entry.kind in _FACT_HANDLERS):
            try:
                event = ev.parse(entry.kind, entry.body)
            except (KeyError, TypeError, ValueError) as exc:
                raise ReplayError(f"{entry.kind}: {exc}") from None
            self.apply_event(event, entry.actor)
        elif self.facts is not None:
            self.facts.released = None

    def apply_event(self, event: Event, actor: str = ev.SYSTEM) -> None:
        """Apply an event already read from its entry, recorded by ``actor``."""
        handler = _HANDLERS.get(event.kind)
        try:
            if handler is not None:
                handler(self, event)
            if self.facts is not None:
                fact = _FACT_HANDLERS.get(event.kind)
                if fact is not None:
                    fact(self, self.facts, event, actor)
                if event.kind != ev.CashReleased.kind:
                    self.facts.released = None
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


def fen(text: str) -> int:
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


def _taken_at_value(state: LedgerState, e: ev.PledgeTakenAtValue) -> None:
    """折价: the units to the bank, the surplus from the bank to the owner."""
    _shift(state, e, _PLEDGED, b.ACTIVE, ref=e.pledge, to_owner=e.bank)
    surplus = fen(e.surplus)
    if surplus:
        _pay(state, e.bank, e.owner, surplus)


def _for_sale(state: LedgerState, e: ev.PledgeSale) -> None:
    _shift(state, e, _PLEDGED, b.RESERVED, ref=e.pledge, to_ref=e.listing)


def _unsold(state: LedgerState, e: ev.PledgeUnsold) -> None:
    _shift(state, e, _RESERVED, b.PLEDGED, ref=e.listing, to_ref=e.pledge)


def _pledge_proceeds(state: LedgerState, e: ev.PledgeProceeds) -> None:
    _pay(state, e.owner, e.bank, fen(e.amount))


def _signed(state: LedgerState, e: ev.ContractSigned) -> None:
    """A buy-out: units to the operator against the price. A mandate: units set aside under it."""
    if e.mode == "buyout":
        _shift(state, e, _FREE, b.ACTIVE, to_owner=e.operator)
        _pay(state, e.operator, e.owner, fen(e.price))
    else:
        _shift(state, e, _FREE, b.RESERVED, to_ref=e.contract)


def _contract_listed(state: LedgerState, e: ev.ContractListed) -> None:
    _shift(state, e, _RESERVED, b.RESERVED, ref=e.contract, to_ref=e.listing)


def _contract_unsold(state: LedgerState, e: ev.ContractUnsold) -> None:
    _shift(state, e, _RESERVED, b.RESERVED, ref=e.listing, to_ref=e.contract)


def _contract_proceeds(state: LedgerState, e: ev.ContractProceeds) -> None:
    _pay(state, e.owner, e.operator, fen(e.amount))


def _contract_paid(state: LedgerState, e: ev.ContractPaid | ev.ContractDistributed) -> None:
    _pay(state, e.operator, e.owner, fen(e.amount))


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
    value, buyer_fee, seller_fee = fen(e.value), fen(e.buyer_fee), fen(e.seller_fee)
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
    _hold(state, e.party, fen(e.amount))


def _cash_released(state: LedgerState, e: ev.CashReleased) -> None:
    _hold(state, e.party, -fen(e.amount))


def _deposited(state: LedgerState, e: ev.CashDeposited) -> None:
    _credit(state, e.party, fen(e.amount))


def _withdrawn(state: LedgerState, e: ev.CashWithdrawn) -> None:
    _credit(state, e.party, -fen(e.amount))


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
    ev.PledgeTakenAtValue.kind: _taken_at_value,
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


# Facts: what the entries establish beyond holdings and cash, table by table (the live audit's).

UNITS, CASH = "units", "cash"  # what an order, offer or listing set aside: a sell's units, a buy's cash
RESERVED, FILLED, RELEASED, EXPIRED = "reserved", "filled", "released", "expired"


class UnitLine(NamedTuple):
    """A line of a party's unit statement, as the registry writes it (``movements``)."""

    party: str
    issuance: int
    kind: str
    quantity: int  # signed: + in, - out, 0 for a freeze
    first: int
    last: int
    counterparty: str | None
    reference: str | None


class CashLine(NamedTuple):
    """A line of a party's cash statement (``cash_movements``); a deposit's bank reference is the
    bank's and not in the ledger, so it is ``None`` here."""

    party: str
    kind: str
    amount: int  # signed fen
    balance_after: int
    bank: str | None
    counterparty: str | None
    reference: str | None


@dataclass(slots=True)
class PartyFacts:
    kind: str
    division: str
    frozen: bool = False


@dataclass(slots=True)
class ApplicationFacts:
    filed: ev.ApplicationFiled
    applicant: str  # who filed it: the entry's actor
    status: str = "pending"
    reason: str | None = None
    issuance: int | None = None


@dataclass(slots=True)
class PledgeFacts:
    request: ev.PledgeRequested
    rank: int
    status: str = "requested"
    senior: str | None = None
    senior_known: bool = False  # a junior's senior is recorded when the bank registers it
    enforcement: str | None = None
    default: ev.PledgeDefaulted | None = None
    agreed: ev.PledgeValueAgreed | None = None
    enforced_value: int | None = None  # fen, 折价


@dataclass(slots=True)
class ContractFacts:
    signed: ev.ContractSigned
    status: str = "active"


@dataclass(slots=True)
class FreezeFacts:
    frozen: ev.UnitsFrozen
    released: bool = False


@dataclass(slots=True)
class TradeFacts:
    """A settlement, and the buy order whose cash paid for it: the order book releases a buy's cash
    (``cash.released`` by the system, the buyer's) in the entry just before the trade."""

    event: ev.TradeSettled | ev.PackageSettled
    buy_ref: str | None


@dataclass(slots=True)
class RefFacts:
    """What an order, offer or listing set aside (``side``: units or cash), how many units it has
    delivered or received, and the last thing that happened to it."""

    party: str
    side: str
    issuance: int | None
    filled: int = 0
    last: str = RESERVED
    by: str = ""  # who did the last thing: a party, or the system


@dataclass
class Facts:
    parties: dict[str, PartyFacts] = field(default_factory=dict)
    applications: dict[str, ApplicationFacts] = field(default_factory=dict)
    issuances: dict[int, ev.IssuanceConfirmed] = field(default_factory=dict)
    valuations: dict[str, tuple[ev.ValuationRecorded, str]] = field(default_factory=dict)  # with its actor
    scales: dict[int, int] = field(default_factory=dict)  # decimals of each issuance's quantity
    pledges: dict[str, PledgeFacts] = field(default_factory=dict)
    claims: dict[str, ev.ClaimRecorded] = field(default_factory=dict)
    contracts: dict[str, ContractFacts] = field(default_factory=dict)
    freezes: dict[str, FreezeFacts] = field(default_factory=dict)
    retirements: dict[str, ev.UnitsRetired] = field(default_factory=dict)
    trades: dict[str, TradeFacts] = field(default_factory=dict)
    refs: dict[str, RefFacts] = field(default_factory=dict)
    held: dict[tuple[str, str], int] = field(default_factory=dict)  # cash fen per (party, ref)
    unit_lines: list[UnitLine] = field(default_factory=list)
    cash_lines: list[CashLine] = field(default_factory=list)
    released: tuple[str, str] | None = None  # (party, ref) if the entry before released cash by system


FactHandler = Callable[[LedgerState, Facts, Any, str], None]


def units_of(text: str, scale: int) -> int:
    """Base units of a decimal string with exactly ``scale`` decimals."""
    whole, _, fraction = text.partition(".")
    if not (whole.isdigit() and len(fraction) == scale and (scale == 0 or fraction.isdigit())):
        raise ValueError(f"{text!r} is not a quantity with {scale} decimals")
    return int(whole + fraction)


def _count(ranges: Ranges) -> int:
    return sum(last - first + 1 for first, last in ranges)


def _lines(
    facts: Facts,
    party: str,
    issuance: int,
    ranges: Ranges,
    *,
    kind: str,
    sign: int,
    counterparty: str | None = None,
    reference: str | None = None,
) -> None:
    for first, last in ranges:
        quantity = sign * (last - first + 1)
        facts.unit_lines.append(
            UnitLine(party, issuance, kind, quantity, first, last, counterparty, reference)
        )


def _handover(
    facts: Facts, issuance: int, ranges: Ranges, *, giver: str, taker: str, reference: str | None
) -> None:
    """The two statement lines of units changing owner."""
    _lines(
        facts, giver, issuance, ranges, kind="transfer_out", sign=-1, counterparty=taker, reference=reference
    )
    _lines(
        facts, taker, issuance, ranges, kind="transfer_in", sign=+1, counterparty=giver, reference=reference
    )


def _payments(
    state: LedgerState, facts: Facts, legs: list[tuple[str, str, int, str]], reference: str
) -> None:
    """The statement lines of payments (payer, payee, fen, kind) made in this order by one entry
    whose cash the state has already applied: balances are walked forward from before it."""
    balance = dict(state.cash)
    for payer, payee, fen, _ in legs:
        balance[payer] = balance.get(payer, 0) + fen
        balance[payee] = balance.get(payee, 0) - fen
    for payer, payee, fen, kind in legs:
        if fen == 0:
            continue
        balance[payer] -= fen
        facts.cash_lines.append(CashLine(payer, kind, -fen, balance[payer], None, payee, reference))
        balance[payee] += fen
        facts.cash_lines.append(CashLine(payee, kind, fen, balance[payee], None, payer, reference))


def _party(facts: Facts, party: str) -> PartyFacts:
    found = facts.parties.get(party)
    if found is None:
        raise ValueError(f"party {party} was never onboarded")
    return found


def _pledge(facts: Facts, pledge: str) -> PledgeFacts:
    found = facts.pledges.get(pledge)
    if found is None:
        raise ValueError(f"pledge {pledge} was never requested")
    return found


def _contract(facts: Facts, contract: str) -> ContractFacts:
    found = facts.contracts.get(contract)
    if found is None:
        raise ValueError(f"contract {contract} was never signed")
    return found


def _f_onboarded(state: LedgerState, facts: Facts, e: ev.PartyOnboarded, actor: str) -> None:
    facts.parties[e.party] = PartyFacts(e.kind_, e.division)


def _f_party_frozen(state: LedgerState, facts: Facts, e: ev.PartyFrozen, actor: str) -> None:
    _party(facts, e.party).frozen = e.kind == ev.PartyFrozen.kind


def _f_filed(state: LedgerState, facts: Facts, e: ev.ApplicationFiled, actor: str) -> None:
    facts.applications[e.application] = ApplicationFacts(e, actor)


def _f_rejected(state: LedgerState, facts: Facts, e: ev.ApplicationRejected, actor: str) -> None:
    application = facts.applications.get(e.application)
    if application is None:
        raise ValueError(f"application {e.application} was never filed")
    application.status, application.reason = "rejected", e.reason


def _f_valued(state: LedgerState, facts: Facts, e: ev.ValuationRecorded, actor: str) -> None:
    facts.valuations[e.valuation] = (e, actor)


def _f_confirmed(state: LedgerState, facts: Facts, e: ev.IssuanceConfirmed, actor: str) -> None:
    application = facts.applications.get(e.application)
    if application is not None:
        application.status, application.issuance = "confirmed", e.issuance
    scale = len(e.quantity.partition(".")[2])
    if units_of(e.quantity, scale) != e.last - e.first + 1:
        raise ValueError(f"quantity {e.quantity} is not the {e.last - e.first + 1} serials issued")
    facts.issuances[e.issuance], facts.scales[e.issuance] = e, scale
    _lines(facts, e.holder, e.issuance, ((e.first, e.last),), kind="issued", sign=+1)


def _f_transferred(state: LedgerState, facts: Facts, e: ev.UnitsTransferred, actor: str) -> None:
    _handover(facts, e.issuance, e.ranges, giver=e.from_, taker=e.to, reference=None)


def _f_retired(state: LedgerState, facts: Facts, e: ev.UnitsRetired, actor: str) -> None:
    facts.retirements[e.certificate] = e
    _lines(facts, e.owner, e.issuance, e.ranges, kind="retired", sign=-1, reference=e.certificate)


def _f_cancelled(state: LedgerState, facts: Facts, e: ev.UnitsCancelled, actor: str) -> None:
    _lines(facts, e.owner, e.issuance, e.ranges, kind="cancelled", sign=-1)


def _f_expired(state: LedgerState, facts: Facts, e: ev.UnitsExpired, actor: str) -> None:
    _lines(facts, e.owner, e.issuance, e.ranges, kind="expired", sign=-1)


def _f_frozen(state: LedgerState, facts: Facts, e: ev.UnitsFrozen, actor: str) -> None:
    if e.kind == ev.UnitsFrozen.kind:
        facts.freezes[e.freeze] = FreezeFacts(e)
        _lines(facts, e.owner, e.issuance, e.ranges, kind="frozen", sign=0, reference=e.freeze)
    else:
        freeze = facts.freezes.get(e.freeze)
        if freeze is None:
            raise ValueError(f"freeze {e.freeze} was never made")
        freeze.released = True
        _lines(facts, e.owner, e.issuance, e.ranges, kind="unfrozen", sign=0, reference=e.freeze)


def _set_aside(facts: Facts, ref: str, party: str, side: str, issuance: int | None) -> None:
    found = facts.refs.get(ref)
    if found is None:
        facts.refs[ref] = RefFacts(party, side, issuance)
    else:
        found.last = RESERVED


def _given_back(facts: Facts, ref: str, actor: str) -> None:
    found = facts.refs.get(ref)
    if found is not None:
        found.last, found.by = EXPIRED if actor == ev.SYSTEM else RELEASED, actor


def _f_units_reserved(state: LedgerState, facts: Facts, e: ev.UnitsReserved, actor: str) -> None:
    if e.kind == ev.UnitsReserved.kind:
        _set_aside(facts, e.ref, e.owner, UNITS, e.issuance)
    else:
        _given_back(facts, e.ref, actor)


def _f_cash_reserved(state: LedgerState, facts: Facts, e: ev.CashReserved, actor: str) -> None:
    key, amount = (e.party, e.ref), fen(e.amount)
    if e.kind == ev.CashReserved.kind:
        facts.held[key] = facts.held.get(key, 0) + amount
        _set_aside(facts, e.ref, e.party, CASH, None)
    else:
        facts.held[key] = facts.held.get(key, 0) - amount
        _given_back(facts, e.ref, actor)
        facts.released = (e.party, e.ref) if actor == ev.SYSTEM else None


def _filled(facts: Facts, ref: str | None, units: int) -> None:
    found = facts.refs.get(ref) if ref is not None else None
    if found is not None:
        found.filled += units
        found.last = FILLED


def _trade_cash(state: LedgerState, facts: Facts, e: ev.TradeSettled | ev.PackageSettled) -> None:
    legs = [
        (e.buyer, e.seller, fen(e.value), "trade"),
        (e.buyer, e.fee_account, fen(e.buyer_fee), "fee"),
        (e.seller, e.fee_account, fen(e.seller_fee), "fee"),
    ]
    _payments(state, facts, legs, e.trade)


def _f_settled(state: LedgerState, facts: Facts, e: ev.TradeSettled, actor: str) -> None:
    released = facts.released
    buy_ref = released[1] if released is not None and released[0] == e.buyer else None
    facts.trades[e.trade] = TradeFacts(e, buy_ref)
    units = _count(e.ranges)
    _filled(facts, e.ref, units)
    _filled(facts, buy_ref, units)
    _handover(facts, e.issuance, e.ranges, giver=e.seller, taker=e.buyer, reference=e.ref)
    _trade_cash(state, facts, e)


def _f_package_settled(state: LedgerState, facts: Facts, e: ev.PackageSettled, actor: str) -> None:
    facts.trades[e.trade] = TradeFacts(e, None)
    for d in e.deliveries:
        _filled(facts, e.ref, _count(d.ranges))
        _handover(facts, d.issuance, d.ranges, giver=d.owner or e.seller, taker=e.buyer, reference=e.ref)
    _trade_cash(state, facts, e)


def _f_deposited(state: LedgerState, facts: Facts, e: ev.CashDeposited, actor: str) -> None:
    deposit = e.kind == ev.CashDeposited.kind
    amount = fen(e.amount) if deposit else -fen(e.amount)
    kind = "deposit" if deposit else "withdrawal"
    facts.cash_lines.append(CashLine(e.party, kind, amount, state.cash.get(e.party, 0), e.bank, None, None))


def _f_pledge_requested(state: LedgerState, facts: Facts, e: ev.PledgeRequested, actor: str) -> None:
    facts.pledges[e.pledge] = PledgeFacts(e, e.rank)


def _f_pledge_registered(
    state: LedgerState, facts: Facts, e: ev.UnitsPledged | ev.PledgeRegistered, actor: str
) -> None:
    pledge = _pledge(facts, e.pledge)
    pledge.status, pledge.senior_known = "registered", True
    if isinstance(e, ev.PledgeRegistered):
        pledge.senior = e.senior


def _f_pledge_withdrawn(state: LedgerState, facts: Facts, e: ev.PledgeWithdrawn, actor: str) -> None:
    _pledge(facts, e.pledge).status = "withdrawn"


def _f_pledge_released(
    state: LedgerState, facts: Facts, e: ev.UnitsUnpledged | ev.PledgeReleased, actor: str
) -> None:
    _pledge(facts, e.pledge).status = "released"


def _f_pledge_promoted(state: LedgerState, facts: Facts, e: ev.PledgePromoted, actor: str) -> None:
    _pledge(facts, e.pledge).status = "released"
    junior = _pledge(facts, e.junior)
    junior.rank, junior.senior, junior.senior_known = 1, None, True


def _f_pledge_enforced(state: LedgerState, facts: Facts, e: ev.PledgeEnforced, actor: str) -> None:
    pledge = _pledge(facts, e.pledge)
    pledge.status, pledge.enforcement = "enforced", "transfer"
    _handover(facts, e.issuance, e.ranges, giver=e.owner, taker=e.bank, reference=e.pledge)


def _f_pledge_defaulted(state: LedgerState, facts: Facts, e: ev.PledgeDefaulted, actor: str) -> None:
    _pledge(facts, e.pledge).default = e


def _f_pledge_value_agreed(state: LedgerState, facts: Facts, e: ev.PledgeValueAgreed, actor: str) -> None:
    _pledge(facts, e.pledge).agreed = e


def _f_pledge_taken(state: LedgerState, facts: Facts, e: ev.PledgeTakenAtValue, actor: str) -> None:
    pledge = _pledge(facts, e.pledge)
    pledge.status, pledge.enforcement, pledge.enforced_value = "enforced", "valuation", fen(e.value)
    _handover(facts, e.issuance, e.ranges, giver=e.owner, taker=e.bank, reference=e.pledge)
    _payments(state, facts, [(e.bank, e.owner, fen(e.surplus), "pledge")], e.pledge)


def _f_claim(state: LedgerState, facts: Facts, e: ev.ClaimRecorded, actor: str) -> None:
    _pledge(facts, e.pledge)
    facts.claims[e.claim] = e


def _f_pledge_sale(state: LedgerState, facts: Facts, e: ev.PledgeSale, actor: str) -> None:
    _pledge(facts, e.pledge).enforcement = "sale" if e.kind == ev.PledgeSale.kind else None


def _f_pledge_proceeds(state: LedgerState, facts: Facts, e: ev.PledgeProceeds, actor: str) -> None:
    pledge = _pledge(facts, e.pledge)
    pledge.status, pledge.enforcement = "enforced", "sale"
    _payments(state, facts, [(e.owner, e.bank, fen(e.amount), "pledge")], e.pledge)


def _f_signed(state: LedgerState, facts: Facts, e: ev.ContractSigned, actor: str) -> None:
    facts.contracts[e.contract] = ContractFacts(e)
    if e.mode == "buyout":
        _handover(facts, e.issuance, e.ranges, giver=e.owner, taker=e.operator, reference="")
        _payments(state, facts, [(e.operator, e.owner, fen(e.price), "buyout")], e.contract)


def _f_contract_paid(state: LedgerState, facts: Facts, e: ev.ContractProceeds, actor: str) -> None:
    """Proceeds and distributions end a mandate; yearly payments (rent, minimum dividend, the end
    share: ``rent`` stands for all three, which the entry does not tell apart) do not."""
    contract = _contract(facts, e.contract)
    if e.kind == ev.ContractProceeds.kind:
        contract.status = "ended"
        legs = [(e.owner, e.operator, fen(e.amount), "mandate")]
    else:
        if e.kind == ev.ContractDistributed.kind:
            contract.status = "ended"
        kind = "mandate" if e.kind == ev.ContractDistributed.kind else "rent"
        legs = [(e.operator, e.owner, fen(e.amount), kind)]
    _payments(state, facts, legs, e.contract)


def _f_contract_ended(state: LedgerState, facts: Facts, e: ev.ContractEnded, actor: str) -> None:
    _contract(facts, e.contract).status = "ended"


_FACT_HANDLERS: dict[str, FactHandler] = {
    ev.PartyOnboarded.kind: _f_onboarded,
    ev.ApplicationFiled.kind: _f_filed,
    ev.ApplicationRejected.kind: _f_rejected,
    ev.ValuationRecorded.kind: _f_valued,
    ev.PartyFrozen.kind: _f_party_frozen,
    ev.PartyUnfrozen.kind: _f_party_frozen,
    ev.IssuanceConfirmed.kind: _f_confirmed,
    ev.UnitsTransferred.kind: _f_transferred,
    ev.UnitsRetired.kind: _f_retired,
    ev.UnitsCancelled.kind: _f_cancelled,
    ev.UnitsExpired.kind: _f_expired,
    ev.UnitsFrozen.kind: _f_frozen,
    ev.UnitsUnfrozen.kind: _f_frozen,
    ev.UnitsReserved.kind: _f_units_reserved,
    ev.UnitsReleased.kind: _f_units_reserved,
    ev.CashReserved.kind: _f_cash_reserved,
    ev.CashReleased.kind: _f_cash_reserved,
    ev.TradeSettled.kind: _f_settled,
    ev.PackageSettled.kind: _f_package_settled,
    ev.CashDeposited.kind: _f_deposited,
    ev.CashWithdrawn.kind: _f_deposited,
    ev.PledgeRequested.kind: _f_pledge_requested,
    ev.UnitsPledged.kind: _f_pledge_registered,
    ev.PledgeRegistered.kind: _f_pledge_registered,
    ev.PledgeWithdrawn.kind: _f_pledge_withdrawn,
    ev.UnitsUnpledged.kind: _f_pledge_released,
    ev.PledgeReleased.kind: _f_pledge_released,
    ev.PledgePromoted.kind: _f_pledge_promoted,
    ev.PledgeEnforced.kind: _f_pledge_enforced,
    ev.PledgeDefaulted.kind: _f_pledge_defaulted,
    ev.PledgeValueAgreed.kind: _f_pledge_value_agreed,
    ev.PledgeTakenAtValue.kind: _f_pledge_taken,
    ev.ClaimRecorded.kind: _f_claim,
    ev.PledgeSale.kind: _f_pledge_sale,
    ev.PledgeUnsold.kind: _f_pledge_sale,
    ev.PledgeProceeds.kind: _f_pledge_proceeds,
    ev.ContractSigned.kind: _f_signed,
    ev.ContractProceeds.kind: _f_contract_paid,
    ev.ContractDistributed.kind: _f_contract_paid,
    ev.ContractPaid.kind: _f_contract_paid,
    ev.ContractEnded.kind: _f_contract_ended,
}

# Kinds the replay derives nothing from. Each is declared here on purpose, with what it records, so
# that a new kind is a decision and not an oversight: key rotations change no table (the verifier
# follows them); read grants, consents, an account's designated bank, users and their keys live in
# tables the audit does not compare yet.
INERT: frozenset[str] = frozenset(
    {
        ev.LedgerKeyRotated.kind,
        ev.ReadAllGranted.kind,
        ev.ReadAllRevoked.kind,
        ev.ConsentGranted.kind,
        ev.ConsentRevoked.kind,
        ev.SettlementBankDesignated.kind,
        ev.UserAdded.kind,
        ev.UserRoleChanged.kind,
        ev.UserDisabled.kind,
        ev.KeyIssued.kind,
        ev.KeyRevoked.kind,
    }
)


def derived(kind: str) -> bool:
    """Whether this code knows what entries of ``kind`` do: derives state from them or knows they
    change none."""
    return kind in _HANDLERS or kind in _FACT_HANDLERS or kind in INERT
