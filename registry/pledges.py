"""Pledges (质押): an owner's units as a bank's collateral, from consent to release or enforcement.

1. The owner consents: a pledge request names the bank, the quantity, the loan and its term.
2. The bank registers it: the units become pledged (a first lien). The loan's term may not outrun the
   right's, and the loan may not exceed the asset kind's loan-to-value cap × the latest valid
   valuation of the pledged share. A second (junior) lien rides on the same units only if the first
   bank allowed it when it registered, and both loans together stay within the cap.
3. On repayment the bank releases it: the units are free again, or pass to the junior lien.
4. On default the bank enforces it: the pledged units transfer to the bank, or (``market``) go to a
   forced sale whose proceeds pay the banks, senior first, up to what each secured, and the rest to
   the owner.

Every step is a ledger entry.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.assets import get_asset_class
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleBroken, UnknownIssuance
from registry.quantities import Money, Quantity
from registry.tables import IssuanceRow, PartyRow, PledgeRow
from registry.valuations import latest_valid


class PledgeStatus(StrEnum):
    """A pledge's status: requested by its owner, then registered by the bank or withdrawn; a
    registered one is released or enforced."""

    REQUESTED = "requested"
    REGISTERED = "registered"
    RELEASED = "released"
    ENFORCED = "enforced"
    WITHDRAWN = "withdrawn"


class Enforcement(StrEnum):
    """How a bank enforces a pledge on default: the units transfer to it, or go to a forced sale."""

    TRANSFER = "transfer"
    SALE = "sale"


class NotABank(InvalidInput):
    title = "Not a bank"
    template = "a pledge names a bank party; {party} is not one"


class LoanTermOver(InvalidInput):
    title = "Loan term over"
    template = "the loan must end in the future; {loan_term_end} is not"


class UnknownPledge(NotFound):
    title = "Unknown pledge"
    template = "no pledge {pledge}"


class SecondLienNotAllowed(Conflict):
    title = "Second lien not allowed"
    template = "pledge {pledge} must be a registered first lien whose bank allows a second lien"


class SecondLienMismatch(InvalidInput):
    title = "Second lien mismatch"
    template = "a second lien is another bank's, on the same quantity as the first"


class PledgeNotInStatus(Conflict):
    title = "Pledge not in the status this needs"
    template = "pledge {pledge} is {status}; this needs it {needed}"


class OnlyOwnerWithdraws(Forbidden):
    title = "Only the owner withdraws"
    template = "only the owner may withdraw its pledge request"


class LoanOutrunsTerm(RuleBroken):
    title = "Loan outruns the right's term"
    template = "the loan ends on {loan_term_end}, after the right's term ends on {term_end}"


class PledgeExceedsLoanToValue(RuleBroken):
    title = "Pledge exceeds loan-to-value"
    template = (
        "the loans secured on these units may total {limit} CNY (the loan-to-value cap × the latest "
        "valid valuation of the pledged share); they would total {secured} CNY"
    )


class NoValidValuation(RuleBroken):
    title = "No valid valuation"
    template = "issuance {issuance} has no valid valuation; record an appraisal first"


class SecondLienBlocksTransfer(Conflict):
    title = "Second lien blocks enforcement by transfer"
    template = "a second lien rides on these units: enforce by forced sale"


class NotTheFirstLien(Conflict):
    title = "Not the first lien"
    template = "only the first lien's bank enforces by sale"


class ForcedSaleUnderWay(Conflict):
    title = "Forced sale under way"
    template = "a forced sale of these units is under way"


@dataclass(frozen=True, slots=True)
class Pledge:
    id: str
    issuance: int
    owner: str
    bank: str
    quantity: str
    loan: str
    loan_term_end: dt.date
    rank: int
    senior: str | None
    allows_junior: bool
    status: PledgeStatus
    enforcement: Enforcement | None
    requested_at: dt.datetime
    registered_at: dt.datetime | None
    closed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Consent:
    """The owner's pledge request, in display units."""

    issuance: int
    bank: str
    quantity: str
    loan: str
    loan_term_end: dt.date
    senior: str | None = None  # the first pledge a second lien rides on


async def view(session: AsyncSession, row: PledgeRow) -> Pledge:
    issuance = await session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None
    scale = (await get_asset_class(session, issuance.asset_class)).scale
    return Pledge(
        row.id,
        row.issuance_id,
        row.owner_id,
        row.bank_id,
        str(Quantity(row.quantity, scale)),
        str(Money(row.loan)),
        row.loan_term_end,
        row.rank,
        row.senior_id,
        row.allows_junior,
        PledgeStatus(row.status),
        None if row.enforcement is None else Enforcement(row.enforcement),
        row.requested_at,
        row.registered_at,
        row.closed_at,
    )


class _Lien(TypedDict):
    pledge: str
    issuance: int
    owner: str
    bank: str


def _lien(row: PledgeRow) -> _Lien:
    """What every pledge entry names: the pledge, the units' issuance, their owner and the bank."""
    return {"pledge": row.id, "issuance": row.issuance_id, "owner": row.owner_id, "bank": row.bank_id}


async def request(work: c.Work, actor: c.Actor, consent: Consent) -> Pledge:
    """The owner consents to pledge units to a named bank for a loan."""
    actor.require(*c.HOLDER_KINDS)
    issuance = await work.session.get(IssuanceRow, consent.issuance)
    if issuance is None:
        raise UnknownIssuance("issuance", issuance=consent.issuance)
    bank = await work.session.get(PartyRow, consent.bank)
    if bank is None or bank.kind != c.PartyKind.BANK:
        raise NotABank("bank", party=consent.bank)
    scale = (await get_asset_class(work.session, issuance.asset_class)).scale
    if consent.loan_term_end <= work.now.date():
        raise LoanTermOver("loan_term_end", loan_term_end=consent.loan_term_end.isoformat())
    if consent.senior is None:  # a junior pledge stands on units the senior pledge already holds
        # only what the owner holds free: a request names the bank as one the owner lets see the
        # right, which must not be had for a right held by someone else
        await units.check_free(
            work.session, issuance_id=issuance.id, owner=actor.party_id, quantity=consent.quantity
        )
    row = PledgeRow(
        id=work.new_id(),
        issuance_id=issuance.id,
        owner_id=actor.party_id,
        bank_id=bank.id,
        quantity=Quantity.parse(consent.quantity, scale, field="quantity").units,
        loan=Money.parse(consent.loan, field="loan").fen,
        loan_term_end=consent.loan_term_end,
        rank=1,
        senior_id=None,
        allows_junior=False,
        status=PledgeStatus.REQUESTED,
        enforcement=None,
        requested_at=work.now,
        registered_at=None,
        closed_at=None,
    )
    if consent.senior is not None:
        senior = await _senior_for(work.session, row, consent.senior)
        row.rank, row.senior_id = 2, senior.id
    work.session.add(row)
    work.record(
        ev.PledgeRequested(
            **_lien(row),
            quantity=str(Quantity(row.quantity, scale)),
            loan=str(Money(row.loan)),
            loan_term_end=row.loan_term_end.isoformat(),
            rank=row.rank,
        ),
        actor=actor.party_id,
    )
    await work.session.flush()
    return await view(work.session, row)


async def _senior_for(session: AsyncSession, junior: PledgeRow, senior_id: str) -> PledgeRow:
    senior = await session.get(PledgeRow, senior_id)
    if senior is None or senior.owner_id != junior.owner_id or senior.issuance_id != junior.issuance_id:
        raise UnknownPledge("senior", pledge=senior_id)
    if senior.status != PledgeStatus.REGISTERED or senior.rank != 1 or not senior.allows_junior:
        raise SecondLienNotAllowed("senior", pledge=senior_id)
    if senior.bank_id == junior.bank_id or senior.quantity != junior.quantity:
        raise SecondLienMismatch("senior")
    return senior


def _may_see(actor: c.Actor, row: PledgeRow) -> bool:
    return actor.party_id in (row.owner_id, row.bank_id) or actor.supervises


async def _locked_pledge(
    work: c.Work, pledge_id: str, status: PledgeStatus, *, seen_by: c.Actor | None = None
) -> PledgeRow:
    """The pledge, locked, if it is in ``status``; to an actor who may not see it, it does not exist
    (checked before its status, which would tell that it does)."""
    row = await work.session.get(PledgeRow, pledge_id, with_for_update=True)
    if row is None or (seen_by is not None and not _may_see(seen_by, row)):
        raise UnknownPledge("pledge", pledge=pledge_id)
    if row.status != status:
        raise PledgeNotInStatus("pledge", pledge=pledge_id, status=row.status, needed=status)
    return row


async def _banks_pledge(work: c.Work, actor: c.Actor, pledge_id: str, status: PledgeStatus) -> PledgeRow:
    """A pledge for its bank to act on: to another bank it does not exist."""
    actor.require(c.PartyKind.BANK)
    return await _locked_pledge(work, pledge_id, status, seen_by=actor)


async def register(
    work: c.Work, actor: c.Actor, pledge_id: str, *, ltv_caps: dict[str, int], allows_junior: bool
) -> Pledge:
    """The bank registers the pledge: checks term and loan-to-value, then pledges the units."""
    row = await _banks_pledge(work, actor, pledge_id, PledgeStatus.REQUESTED)
    issuance = await work.session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None
    if issuance.term_end is not None and row.loan_term_end > issuance.term_end:
        raise LoanOutrunsTerm(
            "loan_term_end",
            loan_term_end=row.loan_term_end.isoformat(),
            term_end=issuance.term_end.isoformat(),
        )
    secured = row.loan
    if row.senior_id is not None:
        senior = await _locked_pledge(work, row.senior_id, PledgeStatus.REGISTERED)
        secured += senior.loan
    limit = await _loan_limit(work, issuance, row.quantity, ltv_caps)
    if secured > limit:
        raise PledgeExceedsLoanToValue("loan", limit=str(Money(limit)), secured=str(Money(secured)))
    row.status, row.registered_at, row.allows_junior = (
        PledgeStatus.REGISTERED,
        work.now,
        allows_junior and row.rank == 1,
    )
    if row.rank == 1:
        ranges = await units.rehome(
            work,
            issuance_id=row.issuance_id,
            owner=row.owner_id,
            state=b.ACTIVE,
            ref=None,
            to_owner=row.owner_id,
            to_state=b.PLEDGED,
            to_ref=row.id,
            units=row.quantity,
        )
        work.record(ev.UnitsPledged(**_lien(row), ranges=tuple(ranges), rank=1), actor=actor.party_id)
    else:
        work.record(ev.PledgeRegistered(**_lien(row), senior=row.senior_id, rank=2), actor=actor.party_id)
    return await view(work.session, row)


async def _loan_limit(work: c.Work, issuance: IssuanceRow, quantity: int, ltv_caps: dict[str, int]) -> int:
    valuation = await latest_valid(work.session, issuance.id, work.now.date())
    if valuation is None:
        raise NoValidValuation("issuance", issuance=issuance.id)
    cap_bps = ltv_caps.get(issuance.asset_class, 0)
    return int(Fraction(valuation.value * quantity * cap_bps, issuance.quantity * 10_000))  # rounded down


async def withdraw(work: c.Work, actor: c.Actor, pledge_id: str) -> Pledge:
    """The owner withdraws a request the bank has not registered."""
    row = await _locked_pledge(work, pledge_id, PledgeStatus.REQUESTED, seen_by=actor)
    if actor.party_id != row.owner_id:
        raise OnlyOwnerWithdraws("pledge")
    row.status, row.closed_at = PledgeStatus.WITHDRAWN, work.now
    work.record(ev.PledgeWithdrawn(**_lien(row)), actor=actor.party_id)
    return await view(work.session, row)


async def _junior_of(session: AsyncSession, row: PledgeRow) -> PledgeRow | None:
    query = select(PledgeRow).where(
        PledgeRow.senior_id == row.id, PledgeRow.status == PledgeStatus.REGISTERED
    )
    return (await session.execute(query.with_for_update())).scalar()


async def release(work: c.Work, actor: c.Actor, pledge_id: str) -> Pledge:
    """On repayment: the units are free again, or stay pledged to the junior lien, now first."""
    row = await _banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    row.status, row.closed_at = PledgeStatus.RELEASED, work.now
    if row.rank == 2:
        work.record(ev.PledgeReleased(**_lien(row)), actor=actor.party_id)
        return await view(work.session, row)
    junior = await _junior_of(work.session, row)
    to_ref = None if junior is None else junior.id
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.owner_id,
        state=b.PLEDGED,
        ref=row.id,
        to_owner=row.owner_id,
        to_state=b.ACTIVE if junior is None else b.PLEDGED,
        to_ref=to_ref,
    )
    if junior is None:
        work.record(ev.UnitsUnpledged(**_lien(row), ranges=tuple(ranges)), actor=actor.party_id)
    else:
        junior.rank, junior.senior_id = 1, None
        work.record(
            ev.PledgePromoted(**_lien(row), junior=junior.id, ranges=tuple(ranges)), actor=actor.party_id
        )
    return await view(work.session, row)


async def enforce_by_transfer(work: c.Work, actor: c.Actor, pledge_id: str) -> Pledge:
    """On default: the pledged units become the bank's. Not while a junior lien rides on them —
    then only a forced sale can pay both."""
    row = await _banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    if row.rank != 1 or await _junior_of(work.session, row) is not None:
        raise SecondLienBlocksTransfer("pledge")
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.owner_id,
        state=b.PLEDGED,
        ref=row.id,
        to_owner=row.bank_id,
        to_state=b.ACTIVE,
        to_ref=None,
    )
    row.status, row.enforcement, row.closed_at = PledgeStatus.ENFORCED, Enforcement.TRANSFER, work.now
    work.record(ev.PledgeEnforced(**_lien(row), ranges=tuple(ranges)), actor=actor.party_id)
    return await view(work.session, row)


async def for_sale(work: c.Work, actor: c.Actor, pledge_id: str) -> PledgeRow:
    """A first pledge its bank may put up for a forced sale (with any junior lien riding on it)."""
    row = await _banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    if row.rank != 1:
        raise NotTheFirstLien("pledge")
    if row.enforcement is not None:
        raise ForcedSaleUnderWay("pledge")
    return row


async def move_to_sale(work: c.Work, actor: c.Actor, row: PledgeRow, listing: str) -> None:
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.owner_id,
        state=b.PLEDGED,
        ref=row.id,
        to_owner=row.owner_id,
        to_state=b.RESERVED,
        to_ref=listing,
    )
    row.enforcement = Enforcement.SALE
    work.record(ev.PledgeSale(**_lien(row), listing=listing, ranges=tuple(ranges)), actor=actor.party_id)


async def after_sale(work: c.Work, pledge_id: str, listing: str, proceeds: int | None) -> None:
    """A forced sale closed: pay the banks out of the proceeds, or, if it failed (流拍), pledge the
    units again so the bank may try once more."""
    row = await _locked_pledge(work, pledge_id, PledgeStatus.REGISTERED)
    if proceeds is not None:
        await _pay_out(work, row, proceeds)
        return
    ranges = await units.rehome(
        work,
        issuance_id=row.issuance_id,
        owner=row.owner_id,
        state=b.RESERVED,
        ref=listing,
        to_owner=row.owner_id,
        to_state=b.PLEDGED,
        to_ref=row.id,
    )
    row.enforcement = None
    work.record(ev.PledgeUnsold(**_lien(row), listing=listing, ranges=tuple(ranges)), actor=ev.SYSTEM)


async def _pay_out(work: c.Work, senior: PledgeRow, proceeds: int) -> None:
    """Pay a forced sale's net proceeds, which the owner received: each bank, senior first, up to
    what its loan secured; the rest stays the owner's. Both pledges end enforced."""
    junior = await _junior_of(work.session, senior)
    for row in (senior, junior):
        if row is None:
            continue
        amount = min(proceeds, row.loan)
        proceeds -= amount
        await cash.pay(
            work, payer=row.owner_id, payee=row.bank_id, fen=amount, reference=row.id, kind="pledge"
        )
        row.status, row.enforcement, row.closed_at = PledgeStatus.ENFORCED, Enforcement.SALE, work.now
        work.record(ev.PledgeProceeds(**_lien(row), amount=str(Money(amount))), actor=ev.SYSTEM)


async def get(session: AsyncSession, actor: c.Actor, pledge_id: str) -> Pledge:
    row = await session.get(PledgeRow, pledge_id)
    if row is None or not _may_see(actor, row):
        raise UnknownPledge("pledge", pledge=pledge_id)
    return await view(session, row)


async def of_party(session: AsyncSession, actor: c.Actor, *, status: PledgeStatus | None) -> list[Pledge]:
    """Pledges the actor's party gave (as owner) or holds (as bank)."""
    query = (
        select(PledgeRow)
        .where((PledgeRow.owner_id == actor.party_id) | (PledgeRow.bank_id == actor.party_id))
        .order_by(PledgeRow.requested_at)
    )
    if status is not None:
        query = query.where(PledgeRow.status == status)
    return [await view(session, row) for row in (await session.execute(query)).scalars()]
