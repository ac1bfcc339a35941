"""Enforcing a pledge (质权的实现) as the Civil Code lets a bank: after default, never by simply taking
the units.

1. Default. The loan's due date has passed unpaid and the bank records it ("overdue"), or the bank
   declares a default earlier, as the pledge's terms allow ("declared"). The entry names the owner:
   it is the owner's notice, and the pledge becomes enforceable when the notice its terms set has run.
2. The owner may then agree a value of the pledged units with the bank (协议折价). An agreement made
   before default would be 流质 (art. 428) and is refused.
3. Enforcement, once enforceable (art. 436–438), one of:
   - 折价: the units pass to the bank at an appraiser's valuation or the owner's agreed value, no
     older than the asset class allows; in the same transaction the bank pays the owner the surplus
     of that value over the secured amount, and a shortfall is recorded as the bank's unsecured claim
     on the owner;
   - forced sale (拍卖/变卖, ``market.listings.forced_sale``): the units are listed for the owner, and
     the proceeds pay the banks, senior first, up to what each secured; the rest is the owner's.

Every step is a ledger entry naming the owner and the bank.
"""

import datetime as dt
from enum import StrEnum
from fractions import Fraction

from registry import blocks as b
from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.assets import get_asset_class
from registry.errors import Conflict, Forbidden, InsufficientCash, NotFound, RuleBroken
from registry.pledges import (
    Enforcement,
    Pledge,
    PledgeStatus,
    banks_pledge,
    junior_of,
    lien,
    locked_pledge,
    view,
)
from registry.quantities import Money
from registry.tables import ClaimRow, IssuanceRow, PledgeRow, ValuationRow


class DefaultCause(StrEnum):
    """Why a loan is in default: its due date passed unpaid, or the bank declared it as the terms allow."""

    OVERDUE = "overdue"
    DECLARED = "declared"


class NotYetDue(Conflict):
    title = "Loan not yet due"
    template = "the loan of pledge {pledge} falls due on {due_date}; it is overdue only after that day"


class EarlyDefaultNotAllowed(Conflict):
    title = "Early default not allowed"
    template = (
        "the terms of pledge {pledge} do not let its bank declare a default before the loan falls "
        "due on {due_date}"
    )


class DefaultRecordedAlready(Conflict):
    title = "Default recorded already"
    template = "pledge {pledge} is in default since {defaulted_on} already"


class PledgeNotInDefault(Conflict):
    title = "Pledge not in default"
    template = (
        "pledge {pledge} is not in default: no default is recorded, and one recorded now would make it "
        "enforceable on {enforceable_on} at the earliest"
    )


class NoticeRunning(Conflict):
    title = "Owner's notice still running"
    template = (
        "pledge {pledge} is in default since {defaulted_on}; the owner's notice runs until it becomes "
        "enforceable on {enforceable_on}"
    )


class OnlyOwnerAgrees(Forbidden):
    title = "Only the owner agrees"
    template = "only the owner agrees a value of its pledged units"


class NotTheFirstLien(Conflict):
    title = "Not the first lien"
    template = "only the first lien's bank enforces"


class SecondLienBlocksValuation(Conflict):
    title = "Second lien blocks enforcement at a value"
    template = "a second lien rides on these units: enforce by forced sale"


class ForcedSaleUnderWay(Conflict):
    title = "Forced sale under way"
    template = "a forced sale of these units is under way"


class UnknownValuation(NotFound):
    title = "Unknown valuation"
    template = "no valuation {valuation} of issuance {issuance}"


class NoAgreedValue(Conflict):
    title = "No agreed value"
    template = "the owner of pledge {pledge} has agreed no value: name an appraiser's valuation"


class StaleValuation(RuleBroken):
    title = "Valuation too old"
    template = (
        "a pledge of {asset_class} is enforced at a value at most {max_age_days} days old and still "
        "valid (of {oldest} or later); this one is of {valued_on}"
    )


class SurplusNotFunded(InsufficientCash):
    title = "Surplus not funded"
    template = "the bank pays the owner a surplus of {surplus} CNY and has {free} CNY free"


def _earliest(row: PledgeRow, today: dt.date) -> dt.date:
    """When a pledge not in default could be enforced at the earliest: its notice from the first day
    a default could be recorded."""
    overdue_from = row.loan_term_end + dt.timedelta(days=1)
    first = today if row.early_default_allowed else max(today, overdue_from)
    return first + dt.timedelta(days=row.notice_days)


def _require_enforceable(row: PledgeRow, today: dt.date) -> None:
    if row.defaulted_on is None or row.enforceable_on is None:
        raise PledgeNotInDefault("pledge", pledge=row.id, enforceable_on=_earliest(row, today).isoformat())
    if today < row.enforceable_on:
        raise NoticeRunning(
            "pledge",
            pledge=row.id,
            defaulted_on=row.defaulted_on.isoformat(),
            enforceable_on=row.enforceable_on.isoformat(),
        )


async def record_default(work: c.Work, actor: c.Actor, pledge_id: str, cause: DefaultCause) -> Pledge:
    """The bank records the loan's default: overdue after its due date, or declared before it as the
    terms allow. The entry is the owner's notice; the notice period runs from today."""
    row = await banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    if row.defaulted_on is not None:
        raise DefaultRecordedAlready("pledge", pledge=row.id, defaulted_on=row.defaulted_on.isoformat())
    today, due = work.now.date(), row.loan_term_end.isoformat()
    if cause == DefaultCause.OVERDUE and today <= row.loan_term_end:
        raise NotYetDue("cause", pledge=row.id, due_date=due)
    if cause == DefaultCause.DECLARED and not row.early_default_allowed:
        raise EarlyDefaultNotAllowed("cause", pledge=row.id, due_date=due)
    row.default_cause, row.defaulted_on = cause, today
    row.enforceable_on = today + dt.timedelta(days=row.notice_days)
    work.record(
        ev.PledgeDefaulted(
            **lien(row),
            cause=cause,
            defaulted_on=today.isoformat(),
            enforceable_on=row.enforceable_on.isoformat(),
        ),
        actor=actor.party_id,
    )
    return await view(work.session, row)


async def agree_value(work: c.Work, actor: c.Actor, pledge_id: str, value: str) -> Pledge:
    """The owner agrees, after default, a value of its pledged units the bank may take them at."""
    row = await locked_pledge(work, pledge_id, PledgeStatus.REGISTERED, seen_by=actor)
    if actor.party_id != row.owner_id:
        raise OnlyOwnerAgrees("pledge")
    if row.defaulted_on is None:
        today = work.now.date()
        raise PledgeNotInDefault("pledge", pledge=row.id, enforceable_on=_earliest(row, today).isoformat())
    row.agreed_value = Money.parse(value, field="value").fen
    row.agreed_on = work.now.date()
    work.record(
        ev.PledgeValueAgreed(
            **lien(row), value=str(Money(row.agreed_value)), agreed_on=row.agreed_on.isoformat()
        ),
        actor=actor.party_id,
    )
    return await view(work.session, row)


async def _first_lien(work: c.Work, actor: c.Actor, pledge_id: str) -> PledgeRow:
    """A first pledge in default, its notice run, for its bank to enforce."""
    row = await banks_pledge(work, actor, pledge_id, PledgeStatus.REGISTERED)
    if row.rank != 1:
        raise NotTheFirstLien("pledge")
    if row.enforcement is not None:
        raise ForcedSaleUnderWay("pledge")
    _require_enforceable(row, work.now.date())
    return row


async def _value(work: c.Work, row: PledgeRow, valuation_id: str | None) -> int:
    """The value of the pledged units in fen, no older than the asset class allows: their share of
    an appraiser's valuation of the whole issuance (rounded half-even to the fen), or the value the
    owner agreed."""
    issuance = await work.session.get(IssuanceRow, row.issuance_id)
    assert issuance is not None
    cls = await get_asset_class(work.session, issuance.asset_class)
    today = work.now.date()
    oldest = today - dt.timedelta(days=cls.valuation_max_age_days)
    if valuation_id is None:
        if row.agreed_value is None or row.agreed_on is None:
            raise NoAgreedValue("valuation", pledge=row.id)
        value, valued_on, valid = row.agreed_value, row.agreed_on, True
    else:
        found = await work.session.get(ValuationRow, valuation_id)
        if found is None or found.issuance_id != row.issuance_id:
            raise UnknownValuation("valuation", valuation=valuation_id, issuance=row.issuance_id)
        value = round(Fraction(found.value * row.quantity, issuance.quantity))
        valued_on, valid = found.valued_on, found.valid_until > today
    if valued_on < oldest or not valid:
        raise StaleValuation(
            "valuation",
            asset_class=cls.code,
            max_age_days=cls.valuation_max_age_days,
            oldest=oldest.isoformat(),
            valued_on=valued_on.isoformat(),
        )
    return value


async def take_at_value(work: c.Work, actor: c.Actor, pledge_id: str, valuation_id: str | None) -> Pledge:
    """折价: the bank takes the pledged units at their value (an appraiser's ``valuation``, or the
    owner's agreed value when None), pays the owner the surplus over the secured amount, and keeps a
    shortfall as its unsecured claim. Not while a second lien rides on the units: only a forced sale
    can pay both banks."""
    row = await _first_lien(work, actor, pledge_id)
    if await junior_of(work.session, row) is not None:
        raise SecondLienBlocksValuation("method")
    value = await _value(work, row, valuation_id)
    surplus, shortfall = max(value - row.loan, 0), max(row.loan - value, 0)
    free = await cash.free(work.session, row.bank_id)
    if surplus > free:
        raise SurplusNotFunded("valuation", surplus=str(Money(surplus)), free=str(Money(free)))
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
    await cash.pay(work, payer=row.bank_id, payee=row.owner_id, fen=surplus, reference=row.id, kind="pledge")
    row.status, row.enforcement, row.closed_at = PledgeStatus.ENFORCED, Enforcement.VALUATION, work.now
    row.enforced_value = value
    work.record(
        ev.PledgeTakenAtValue(
            **lien(row),
            ranges=tuple(ranges),
            valuation=valuation_id,
            value=str(Money(value)),
            secured=str(Money(row.loan)),
            surplus=str(Money(surplus)),
            shortfall=str(Money(shortfall)),
        ),
        actor=actor.party_id,
    )
    if shortfall:
        await _claim(work, actor, row, shortfall)
    return await view(work.session, row)


async def _claim(work: c.Work, actor: c.Actor, row: PledgeRow, amount: int) -> None:
    claim = ClaimRow(
        id=work.new_id(),
        pledge_id=row.id,
        creditor_id=row.bank_id,
        debtor_id=row.owner_id,
        amount=amount,
        recorded_at=work.now,
    )
    work.session.add(claim)
    work.record(
        ev.ClaimRecorded(
            claim=claim.id,
            pledge=row.id,
            creditor=row.bank_id,
            debtor=row.owner_id,
            amount=str(Money(amount)),
        ),
        actor=actor.party_id,
    )


async def for_sale(work: c.Work, actor: c.Actor, pledge_id: str) -> PledgeRow:
    """A first pledge in default, its notice run, that its bank may put up for a forced sale (with
    any junior lien riding on it)."""
    return await _first_lien(work, actor, pledge_id)


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
    work.record(ev.PledgeSale(**lien(row), listing=listing, ranges=tuple(ranges)), actor=actor.party_id)


async def after_sale(work: c.Work, pledge_id: str, listing: str, proceeds: int | None) -> None:
    """A forced sale closed: pay the banks out of the proceeds, or, if it failed (流拍), pledge the
    units again so the bank may try once more."""
    row = await locked_pledge(work, pledge_id, PledgeStatus.REGISTERED)
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
    work.record(ev.PledgeUnsold(**lien(row), listing=listing, ranges=tuple(ranges)), actor=ev.SYSTEM)


async def _pay_out(work: c.Work, senior: PledgeRow, proceeds: int) -> None:
    """Pay a forced sale's net proceeds, which the owner received: each bank, senior first, up to
    what its loan secured; the rest stays the owner's. Both pledges end enforced."""
    junior = await junior_of(work.session, senior)
    for row in (senior, junior):
        if row is None:
            continue
        amount = min(proceeds, row.loan)
        proceeds -= amount
        await cash.pay(
            work, payer=row.owner_id, payee=row.bank_id, fen=amount, reference=row.id, kind="pledge"
        )
        row.status, row.enforcement, row.closed_at = PledgeStatus.ENFORCED, Enforcement.SALE, work.now
        work.record(ev.PledgeProceeds(**lien(row), amount=str(Money(amount))), actor=ev.SYSTEM)
