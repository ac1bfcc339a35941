"""Pledges (质押): an owner's units as a bank's collateral, from consent to release or enforcement.

1. The owner consents: a pledge request names the bank, the quantity, the loan and its term.
2. The bank registers it: the units become pledged (a first lien). The loan's term may not outrun the
   right's, and the loan may not exceed the asset kind's loan-to-value cap × the latest valid
   valuation of the pledged share. A second (junior) lien rides on the same units only if the first
   bank allowed it when it registered, and both loans together stay within the cap.
3. On repayment the bank releases it: the units are free again, or pass to the junior lien.
4. On default, after the notice the pledge's terms set, the bank enforces it (``registry.enforcement``):
   never by simply taking the units (流质, Civil Code art. 428), but at their value (折价) with the
   surplus paid to the owner, or by a forced sale (拍卖/变卖).

The request carries the loan (the amount the pledge secures), its due date (``loan_term_end``) and
the terms on default: the days' notice the owner gets, and whether the bank may declare a default
before the due date. Every step is a ledger entry.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import context as c
from registry import events as ev
from registry import units
from registry.assets import get_asset_class
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleBroken, UnknownIssuance
from registry.quantities import Money, Quantity
from registry.tables import ClaimRow, IssuanceRow, PartyRow, PledgeRow
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
    """How a pledge was enforced: taken by the bank at a value (折价), or sold in a forced sale; or,
    before enforcement followed the Civil Code, transferred to the bank whatever it was worth."""

    VALUATION = "valuation"
    SALE = "sale"
    TRANSFER = "transfer"  # no longer done: the history of pledges enforced so


class EnforcementMethod(StrEnum):
    """How a bank may enforce a pledge in default: 折价 or forced sale."""

    VALUATION = "valuation"
    SALE = "sale"


NOTICE_DAYS = 15  # the notice a pledge request gives its owner unless it says otherwise


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
    notice_days: int
    early_default_allowed: bool
    default_cause: str | None  # registry.enforcement.DefaultCause
    defaulted_on: dt.date | None
    enforceable_on: dt.date | None
    agreed_value: str | None  # the owner's, of the pledged units
    enforced_value: str | None  # what the bank took the units at (折价)
    surplus: str | None  # of that value over the loan, paid to the owner
    unsecured_claim: str | None  # what it left of the loan: the bank's unsecured claim


@dataclass(frozen=True, slots=True)
class Consent:
    """The owner's pledge request, in display units."""

    issuance: int
    bank: str
    quantity: str
    loan: str
    loan_term_end: dt.date
    senior: str | None = None  # the first pledge a second lien rides on
    notice_days: int = NOTICE_DAYS
    early_default_allowed: bool = False


async def view(session: AsyncSession, row: PledgeRow) -> Pledge:
    issuance = await session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None
    scale = (await get_asset_class(session, issuance.asset_class)).scale
    claim = (await session.execute(select(ClaimRow.amount).where(ClaimRow.pledge_id == row.id))).scalar()
    surplus = None if row.enforced_value is None else max(row.enforced_value - row.loan, 0)
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
        row.notice_days,
        row.early_default_allowed,
        row.default_cause,
        row.defaulted_on,
        row.enforceable_on,
        _money(row.agreed_value),
        _money(row.enforced_value),
        _money(surplus),
        _money(claim),
    )


def _money(fen: int | None) -> str | None:
    return None if fen is None else str(Money(fen))


class Lien(TypedDict):
    pledge: str
    issuance: int
    owner: str
    bank: str


def lien(row: PledgeRow) -> Lien:
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
        notice_days=consent.notice_days,
        early_default_allowed=consent.early_default_allowed,
    )
    if consent.senior is not None:
        senior = await _senior_for(work.session, row, consent.senior)
        row.rank, row.senior_id = 2, senior.id
    work.session.add(row)
    work.record(
        ev.PledgeRequested(
            **lien(row),
            quantity=str(Quantity(row.quantity, scale)),
            loan=str(Money(row.loan)),
            loan_term_end=row.loan_term_end.isoformat(),
            rank=row.rank,
            notice_days=row.notice_days,
            early_default="allowed" if row.early_default_allowed else "not_allowed",
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


async def locked_pledge(
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


async def banks_pledge(work: c.Work, actor: c.Actor, pledge_id: str, status: PledgeStatus) -> PledgeRow:
    """A pledge for its bank to act on: to another bank it does not exist."""
    actor.require(c.PartyKind.BANK)
    return await locked_pledge(work, pledge_id, status, seen_by=actor)


async def register(
    work: c.Work, actor: c.Actor, pledge_id: str, *, ltv_caps: dict[str, int], allows_junior: bool
) -> Pledge:
    """The bank registers the pledge: checks term and loan-to-value, then pledges the units."""
    row = await banks_pledge(work, actor, pledge_id, PledgeStatus.REQUESTED)
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
        senior = await locked_pledge(work, row.senior_id, PledgeStatus.REGISTERED)
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
        work.record(ev.UnitsPledged(**lien(row), ranges=tuple(ranges), rank=1), actor=actor.party_id)
    else:
        work.record(ev.PledgeRegistered(**lien(row), senior=row.senior_id, rank=2), actor=actor.party_id)
    return await view(work.session, row)


async def _loan_limit(work: c.Work, issuance: IssuanceRow, quantity: int, ltv_caps: dict[str, int]) -> int:
    valuation = await latest_valid(work.session, issuance.id, work.now.date())
    if valuation is None:
        raise NoValidValuation("issuance", issuance=issuance.id)
    cap_bps = ltv_caps.get(issuance.asset_class, 0)
    return int(Fraction(valuation.value * quantity * cap_bps, issuance.quantity * 10_000))  # rounded down


async def withdraw(work: c.Work, actor: c.Actor, pledge_id: str) -> Pledge:
    """The owner withdraws a request the bank has not registered."""
    row = await locked_pledge(work, pledge_id, PledgeStatus.REQUESTED, seen_by=actor)
    if actor.party_id != row.owner_id:
        raise OnlyOwnerWithdraws("pledge")
    row.status, row.closed_at = PledgeStatus.WITHDRAWN, work.now
    work.record(ev.PledgeWithdrawn(**lien(row)), actor=actor.party_id)
    return await view(work.session, row)


async def junior_of(session: AsyncSession, row: PledgeRow) -> PledgeRow | None:
    query = select(PledgeRow).where(
        PledgeRow.senior_id == row.id, PledgeRow.status == PledgeStatus.REGISTERED
    )
    return (await session.execute(query.with_for_update())).scalar()


async def release(work: c.Work, actor: c.Actor, pledge_id: str) -> Pledge:
    """On repayment: the units are free again, or stay pledged to the junior lien, now first."""
    row = await banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    row.status, row.closed_at = PledgeStatus.RELEASED, work.now
    if row.rank == 2:
        work.record(ev.PledgeReleased(**lien(row)), actor=actor.party_id)
        return await view(work.session, row)
    junior = await junior_of(work.session, row)
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
        work.record(ev.UnitsUnpledged(**lien(row), ranges=tuple(ranges)), actor=actor.party_id)
    else:
        junior.rank, junior.senior_id = 1, None
        work.record(
            ev.PledgePromoted(**lien(row), junior=junior.id, ranges=tuple(ranges)), actor=actor.party_id
        )
    return await view(work.session, row)


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
