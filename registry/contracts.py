"""Acquisition contracts (收储): how an operator (两山银行) takes scattered rights into its inventory.

The operator offers a contract to a depositor (household, village collective, enterprise); the
depositor signs it, and then, by mode:

- buy-out (赎买): ownership moves to the operator against the price, delivery versus payment;
- lease (租赁) and custody (托管): ownership stays with the depositor, whose units are set aside under
  the contract, and the operator holds a mandate to sell them (at no less than the floor price) —
  lease against an annual rent, custody against a minimum dividend;
- co-operation (合作): as custody, with the depositor's share of what a sale brings.

A lease pays its rent, custody and co-operation their minimum dividend, for every contract year of
the term, the last included, once the year is over; a partial last year pays pro rata by days
(``registry.contract_years``). A sale under the mandate ends the contract: the years over by then stay
owed, the years after it are not.

Any mandate may also carry an end-of-term share (期末分成): when the term is over, the operator pays
the depositor that share of the appraised value of the units still under the mandate (pro rata to
the right's latest valid valuation), and the units go back to the depositor.

When units under a mandate are sold the depositor, as their owner, receives the proceeds and pays the
operator its part: everything above the depositor's revenue share. Every step is a ledger entry.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import cash, contract_years, units, valuations
from registry import context as c
from registry import events as ev
from registry.assets import get_asset_class
from registry.errors import Conflict, EndNotAfterStart, InvalidInput, NotFound, UnknownIssuance
from registry.quantities import Money, Quantity
from registry.rights import TermOver
from registry.tables import ContractRow, IssuanceRow, PartyRow


class ContractMode(StrEnum):
    """How a depositor's units come to the operator: bought out, leased, held in custody or
    co-operated."""

    BUYOUT = "buyout"
    LEASE = "lease"
    CUSTODY = "custody"
    COOPERATION = "cooperation"


class ContractStatus(StrEnum):
    """A contract's status: offered to the depositor, then active or declined; an active one ends."""

    OFFERED = "offered"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


DEPOSITORS = (c.PartyKind.PERSON, c.PartyKind.COLLECTIVE, c.PartyKind.ENTERPRISE)


class NotADepositor(InvalidInput):
    title = "Not a depositor"
    template = "a depositor is a household, a village collective or an enterprise; {party} is not one"


class ShareOutOfRange(InvalidInput):
    title = "Share out of range"
    template = "a share is 0 to 10000 basis points; {bps} is not"


class PriceOnlyForBuyout(InvalidInput):
    title = "A price for a buy-out only"
    template = "a buy-out has a price, and only a buy-out; this contract's mode is {mode}"


class UnknownContract(NotFound):
    title = "Unknown contract"
    template = "no contract {contract}"


class ContractNotOffered(Conflict):
    title = "Contract not offered"
    template = "contract {contract} is {status}, no longer offered"


class MandateNotInForce(Conflict):
    title = "Mandate not in force"
    template = "contract {contract} is not a mandate in force"


@dataclass(frozen=True, slots=True)
class Terms:
    """A contract as the operator offers it, in display units."""

    depositor: str
    issuance: int
    quantity: str
    mode: ContractMode
    term_start: dt.date
    term_end: dt.date
    price: str | None = None  # buy-out
    annual_rent: str | None = None  # lease
    minimum_dividend: str | None = None  # custody, co-operation
    revenue_share_bps: int = 10_000  # the depositor's share of a sale under mandate
    end_share_bps: int = 0  # the depositor's share of the value left under the mandate at term end
    floor_price: str | None = None  # per unit, for sales under mandate


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    operator: str
    depositor: str
    issuance: int
    quantity: str
    mode: ContractMode
    term_start: dt.date
    term_end: dt.date
    price: str
    annual_rent: str
    minimum_dividend: str
    revenue_share_bps: int
    end_share_bps: int
    floor_price: str
    status: ContractStatus
    signed_at: dt.datetime | None
    years_due: int  # contract years with a yearly payment (rent or minimum dividend) owed
    years_paid: int  # of those, the years paid


async def view(session: AsyncSession, row: ContractRow) -> Contract:
    scale = await _scale(session, row.issuance_id)
    return Contract(
        row.id,
        row.operator_id,
        row.depositor_id,
        row.issuance_id,
        str(Quantity(row.quantity, scale)),
        ContractMode(row.mode),
        row.term_start,
        row.term_end,
        _money(row.price),
        _money(row.annual_rent),
        _money(row.minimum_dividend),
        row.revenue_share_bps,
        row.end_share_bps,
        _money(row.floor_price),
        ContractStatus(row.status),
        row.signed_at,
        row.years_due,
        row.years_paid,
    )


async def _scale(session: AsyncSession, issuance_id: int) -> int:
    issuance = await session.get(IssuanceRow, issuance_id)
    if issuance is None:
        raise UnknownIssuance("issuance", issuance=issuance_id)
    return (await get_asset_class(session, issuance.asset_class)).scale


def _fen(value: str | None, field: str) -> int:
    return 0 if value is None else Money.parse(value, field=field).fen


async def offer(work: c.Work, actor: c.Actor, terms: Terms) -> Contract:
    actor.require(c.PartyKind.OPERATOR)
    depositor = await work.session.get(PartyRow, terms.depositor)
    if depositor is None or depositor.kind not in DEPOSITORS:
        raise NotADepositor("depositor", party=terms.depositor)
    if not terms.term_start < terms.term_end:
        raise EndNotAfterStart("term_end", start=terms.term_start.isoformat(), end=terms.term_end.isoformat())
    _refuse_if_over(terms.term_end, work.now.date())
    for field, bps in (
        ("revenue_share_bps", terms.revenue_share_bps),
        ("end_share_bps", terms.end_share_bps),
    ):
        if not 0 <= bps <= 10_000:
            raise ShareOutOfRange(field, bps=bps)
    if (terms.mode == ContractMode.BUYOUT) != (terms.price is not None):
        raise PriceOnlyForBuyout("price", mode=terms.mode)
    scale = await _scale(work.session, terms.issuance)
    row = ContractRow(
        id=work.new_id(),
        operator_id=actor.party_id,
        depositor_id=depositor.id,
        issuance_id=terms.issuance,
        quantity=Quantity.parse(terms.quantity, scale, field="quantity").units,
        mode=terms.mode,
        term_start=terms.term_start,
        term_end=terms.term_end,
        price=_fen(terms.price, "price"),
        annual_rent=_fen(terms.annual_rent, "annual_rent"),
        minimum_dividend=_fen(terms.minimum_dividend, "minimum_dividend"),
        revenue_share_bps=terms.revenue_share_bps,
        end_share_bps=terms.end_share_bps,
        floor_price=_fen(terms.floor_price, "floor_price"),
        status=ContractStatus.OFFERED,
        years_due=0,
        years_paid=0,
        created_at=work.now,
        signed_at=None,
    )
    row.years_due = contract_years.count(row.term_start, row.term_end) if _yearly(row) else 0
    work.session.add(row)
    await work.session.flush()
    return await view(work.session, row)


def _yearly(row: ContractRow) -> int:
    """Fen a contract pays every contract year: a lease's rent, a custody's or co-operation's minimum
    dividend; none for a buy-out."""
    if row.mode == ContractMode.BUYOUT:
        return 0
    return row.annual_rent if row.mode == ContractMode.LEASE else row.minimum_dividend


def _refuse_if_over(term_end: dt.date, today: dt.date) -> None:
    if term_end <= today:
        raise TermOver("term_end", term_end=term_end.isoformat())


async def _offered(work: c.Work, actor: c.Actor, contract_id: str) -> ContractRow:
    actor.require(*DEPOSITORS)
    row = await work.session.get(ContractRow, contract_id, with_for_update=True)
    if row is None or row.depositor_id != actor.party_id:
        raise UnknownContract("contract", contract=contract_id)
    if row.status != ContractStatus.OFFERED:
        raise ContractNotOffered("contract", contract=contract_id, status=row.status)
    return row


async def sign(work: c.Work, actor: c.Actor, contract_id: str) -> Contract:
    """The depositor signs: a buy-out settles at once; a mandate sets the units aside under it."""
    row = await _offered(work, actor, contract_id)
    _refuse_if_over(row.term_end, work.now.date())
    scale = await _scale(work.session, row.issuance_id)
    buyout = row.mode == ContractMode.BUYOUT
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.depositor_id,
        state=b.ACTIVE,
        ref=None,
        to_owner=row.operator_id if buyout else row.depositor_id,
        to_state=b.ACTIVE if buyout else b.RESERVED,
        to_ref=None if buyout else row.id,
        units=row.quantity,
    )
    if buyout:
        await cash.pay(
            work,
            payer=row.operator_id,
            payee=row.depositor_id,
            fen=row.price,
            reference=row.id,
            kind="buyout",
        )
    row.status, row.signed_at = ContractStatus.ACTIVE, work.now
    work.record(
        ev.ContractSigned(
            contract=row.id,
            mode=row.mode,
            issuance=row.issuance_id,
            owner=row.depositor_id,
            operator=row.operator_id,
            ranges=tuple(ranges),
            quantity=str(Quantity(row.quantity, scale)),
            price=str(Money(row.price)),
            term_end=row.term_end.isoformat(),
        ),
        actor=actor.party_id,
    )
    return await view(work.session, row)


async def decline(work: c.Work, actor: c.Actor, contract_id: str) -> Contract:
    row = await _offered(work, actor, contract_id)
    row.status = ContractStatus.DECLINED
    return await view(work.session, row)


async def mandate(work: c.Work, actor: c.Actor, contract_id: str) -> ContractRow:
    """An active mandate of the acting operator, locked, for selling the units under it."""
    actor.require(c.PartyKind.OPERATOR)
    row = await work.session.get(ContractRow, contract_id, with_for_update=True)
    if row is None or row.operator_id != actor.party_id:
        raise UnknownContract("contract", contract=contract_id)
    if (
        row.status != ContractStatus.ACTIVE
        or row.mode == ContractMode.BUYOUT
        or row.term_end < work.now.date()
    ):
        raise MandateNotInForce("contract", contract=contract_id)
    return row


async def release_to_sale(work: c.Work, row: ContractRow, listing: str) -> None:
    """Move the mandated units to a listing's reservation."""
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.depositor_id,
        state=b.RESERVED,
        ref=row.id,
        to_owner=row.depositor_id,
        to_state=b.RESERVED,
        to_ref=listing,
    )
    work.record(_moved(ev.ContractListed, row, listing, ranges), actor=row.operator_id)


async def after_sale(work: c.Work, contract_id: str, listing: str, proceeds: int | None) -> None:
    """A sale of the mandated units closed: the depositor pays the operator its part of the
    proceeds — everything above the depositor's revenue share — or, if nothing sold, the units go
    back under the contract."""
    row = await _locked(work, contract_id)
    if proceeds is None:
        await _back_under(work, row, listing)
        return
    part = int(Fraction(proceeds * (10_000 - row.revenue_share_bps), 10_000))  # rounded down
    await cash.pay(
        work, payer=row.depositor_id, payee=row.operator_id, fen=part, reference=row.id, kind="mandate"
    )
    _sold(row, work.now.date())
    work.record(_paid(ev.ContractProceeds, row, part), actor=ev.SYSTEM)


async def after_package(work: c.Work, contract_id: str, listing: str, item_proceeds: int | None) -> None:
    """An operator's package sold with the mandated units in it: the operator, paid for the whole,
    pays the depositor its revenue share of the part of the proceeds its units brought."""
    row = await _locked(work, contract_id)
    if item_proceeds is None:
        await _back_under(work, row, listing)
        return
    share = int(Fraction(item_proceeds * row.revenue_share_bps, 10_000))  # rounded down
    await cash.pay(
        work, payer=row.operator_id, payee=row.depositor_id, fen=share, reference=row.id, kind="mandate"
    )
    _sold(row, work.now.date())
    work.record(_paid(ev.ContractDistributed, row, share), actor=ev.SYSTEM)


def _sold(row: ContractRow, today: dt.date) -> None:
    """A sale ends the contract: the contract years over by ``today`` stay owed (the scheduler pays
    those it has not paid yet), the others are no longer."""
    row.status = ContractStatus.ENDED
    over = contract_years.completed(row.term_start, row.term_end, today)
    row.years_due = min(row.years_due, max(row.years_paid, over))


async def _locked(work: c.Work, contract_id: str) -> ContractRow:
    row = await work.session.get(ContractRow, contract_id, with_for_update=True)
    assert row is not None, "a listing names a contract that does not exist"
    return row


async def _back_under(work: c.Work, row: ContractRow, listing: str) -> None:
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.depositor_id,
        state=b.RESERVED,
        ref=listing,
        to_owner=row.depositor_id,
        to_state=b.RESERVED,
        to_ref=row.id,
    )
    work.record(_moved(ev.ContractUnsold, row, listing, ranges), actor=ev.SYSTEM)


def _paid(kind: type[ev.ContractProceeds], row: ContractRow, amount: int) -> ev.ContractProceeds:
    return kind(
        contract=row.id,
        issuance=row.issuance_id,
        owner=row.depositor_id,
        operator=row.operator_id,
        amount=str(Money(amount)),
    )


def _moved(
    kind: type[ev.ContractListed], row: ContractRow, listing: str, ranges: list[tuple[int, int]]
) -> ev.ContractListed:
    return kind(
        contract=row.id,
        listing=listing,
        issuance=row.issuance_id,
        owner=row.depositor_id,
        ranges=tuple(ranges),
    )


async def of_party(session: AsyncSession, actor: c.Actor, *, status: ContractStatus | None) -> list[Contract]:
    query = select(ContractRow).order_by(ContractRow.created_at)
    if not actor.supervises:
        query = query.where(
            (ContractRow.operator_id == actor.party_id) | (ContractRow.depositor_id == actor.party_id)
        )
    if status is not None:
        query = query.where(ContractRow.status == status)
    return [await view(session, row) for row in (await session.execute(query)).scalars()]


def _money(fen: int) -> str:
    return str(Money(fen))


async def settle_due(work: c.Work, today: dt.date) -> int:
    """Run by the scheduler: pay each contract year's rent (lease) or minimum dividend (custody,
    co-operation) once the year is over — the last one, partial or not, included, and also for a
    contract that has ended with years still unpaid — and end mandates whose term is over, returning
    units still set aside to their depositor. Returns how many contracts it touched."""
    query = (
        select(ContractRow)
        .where(
            ContractRow.mode != ContractMode.BUYOUT,
            (ContractRow.status == ContractStatus.ACTIVE)
            | (
                (ContractRow.status == ContractStatus.ENDED)
                & (ContractRow.years_paid < ContractRow.years_due)
            ),
        )
        .order_by(ContractRow.created_at)
        .with_for_update()
    )
    touched = 0
    for row in (await work.session.execute(query)).scalars():
        touched += await _pay_years_over(work, row, today)
        if (
            row.status == ContractStatus.ACTIVE
            and row.term_end < today
            and await _pay_end_share(work, row, today)
        ):
            await _end(work, row)
            touched += 1
    return touched


async def _pay_years_over(work: c.Work, row: ContractRow, today: dt.date) -> int:
    """Pay the contract years that are over and owed, oldest first, as far as the operator's free cash
    goes (the rest at a later run); each payment is one ledger entry. Returns how many it paid."""
    paid = 0
    while row.years_paid < row.years_due:
        owed = contract_years.year(row.term_start, row.term_end, row.years_paid + 1)
        amount = owed.pays(_yearly(row))
        if owed.last >= today or await cash.free(work.session, row.operator_id) < amount:
            break
        row.years_paid += 1
        await cash.pay(
            work, payer=row.operator_id, payee=row.depositor_id, fen=amount, reference=row.id, kind="rent"
        )
        if amount:
            work.record(_paid(ev.ContractPaid, row, amount), actor=ev.SYSTEM)
        paid += 1
    return paid


async def _pay_end_share(work: c.Work, row: ContractRow, today: dt.date) -> bool:
    """Pay the end-of-term share, if the contract has one and there is an appraised value to share;
    False while the operator cannot pay it (the mandate then ends at a later run, once it can)."""
    held = await units.held_under(
        work.session, issuance_id=row.issuance_id, owner=row.depositor_id, ref=row.id
    )
    valuation = await valuations.latest_valid(work.session, row.issuance_id, today)
    if not (row.end_share_bps and held and valuation):
        return True
    issuance = await work.session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None, "a contract's issuance exists"
    share = int(
        Fraction(valuation.value * held * row.end_share_bps, issuance.quantity * 10_000)
    )  # rounded down
    if await cash.free(work.session, row.operator_id) < share:
        return False
    await cash.pay(
        work, payer=row.operator_id, payee=row.depositor_id, fen=share, reference=row.id, kind="end_share"
    )
    work.record(_paid(ev.ContractPaid, row, share), actor=ev.SYSTEM)
    return True


async def _end(work: c.Work, row: ContractRow) -> None:
    """The term is over: what is still set aside under the mandate is the depositor's, free."""
    held = await units.held_under(
        work.session, issuance_id=row.issuance_id, owner=row.depositor_id, ref=row.id
    )
    row.status = ContractStatus.ENDED
    if not held:
        return
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.depositor_id,
        state=b.RESERVED,
        ref=row.id,
        to_owner=row.depositor_id,
        to_state=b.ACTIVE,
        to_ref=None,
    )
    work.record(
        ev.ContractEnded(
            contract=row.id, issuance=row.issuance_id, owner=row.depositor_id, ranges=tuple(ranges)
        ),
        actor=ev.SYSTEM,
    )
