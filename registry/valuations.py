"""Valuations: an appraiser's value of a right, by method, valid for a period, kept as history.

Banks lend against the latest valuation still valid on the day (the pledge's loan-to-value check and
the collateral answer both read it). A valuation is recorded by a bank, an operator (两山银行), a
regulator or the registrar from an appraisal report, naming the appraiser by its credit code. A bank
records and reads the valuations only of a right a holder let it ask about (``registry.consents``).
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import consents
from registry import context as c
from registry import events as ev
from registry.errors import InvalidInput, NotFound, UnknownIssuance
from registry.identifiers import validate_credit_code
from registry.quantities import Money
from registry.tables import BlockRow, IssuanceRow, ValuationRow

RECORDERS = (c.PartyKind.BANK, c.PartyKind.OPERATOR, c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR)


class ValuationMethod(StrEnum):
    """How an appraiser valued a right."""

    MARKET = "market"
    INCOME = "income"
    COST = "cost"
    GEP = "GEP"  # gross ecosystem product value
    VEP = "VEP"  # specific ecosystem product value


class ValuationNotCurrent(InvalidInput):
    title = "Valuation not current"
    template = (
        "a valuation is made by today ({today}) and valid until a later day; "
        "this one is made on {valued_on} and valid until {valid_until}"
    )


class NoValuationsYouMaySee(NotFound):
    title = "No valuations you may see"
    template = "no valuations of issuance {issuance} that you may see"


@dataclass(frozen=True, slots=True)
class Valuation:
    id: str
    issuance: int
    appraiser: str
    appraiser_credit_code: str
    method: ValuationMethod
    value: str  # CNY, of the whole issuance
    valued_on: dt.date
    valid_until: dt.date
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Appraisal:
    """An appraisal report as it is entered."""

    issuance: int
    appraiser: str
    appraiser_credit_code: str
    method: ValuationMethod
    value: str
    valued_on: dt.date
    valid_until: dt.date


def view(row: ValuationRow) -> Valuation:
    return Valuation(
        row.id,
        row.issuance_id,
        row.appraiser,
        row.appraiser_credit_code,
        ValuationMethod(row.method),
        str(Money(row.value)),
        row.valued_on,
        row.valid_until,
        row.recorded_by,
        row.recorded_at,
    )


async def record(work: c.Work, actor: c.Actor, appraisal: Appraisal) -> Valuation:
    actor.require(*RECORDERS)
    if await work.session.get(IssuanceRow, appraisal.issuance) is None:
        raise UnknownIssuance("issuance", issuance=appraisal.issuance)
    await consents.require_for_right(work.session, actor, appraisal.issuance, work.now)
    if not appraisal.valued_on <= work.now.date() < appraisal.valid_until:
        raise ValuationNotCurrent(
            "valid_until",
            today=work.now.date().isoformat(),
            valued_on=appraisal.valued_on.isoformat(),
            valid_until=appraisal.valid_until.isoformat(),
        )
    row = ValuationRow(
        id=work.new_id(),
        issuance_id=appraisal.issuance,
        appraiser=appraisal.appraiser,
        appraiser_credit_code=validate_credit_code(
            appraisal.appraiser_credit_code, field="appraiser_credit_code"
        ),
        method=appraisal.method,
        value=Money.parse(appraisal.value, field="value").fen,
        valued_on=appraisal.valued_on,
        valid_until=appraisal.valid_until,
        recorded_by=actor.party_id,
        recorded_at=work.now,
    )
    work.session.add(row)
    work.record(
        ev.ValuationRecorded(
            valuation=row.id,
            issuance=row.issuance_id,
            appraiser=row.appraiser_credit_code,
            method=row.method,
            value=str(Money(row.value)),
            valued_on=row.valued_on.isoformat(),
            valid_until=row.valid_until.isoformat(),
        ),
        actor=actor.party_id,
    )
    return view(row)


async def history(
    session: AsyncSession, actor: c.Actor, issuance_id: int, now: dt.datetime
) -> list[Valuation]:
    """A right's valuations, newest first, for those who value it, supervise it or hold it, and the
    banks its holders let ask about it."""
    if actor.kind == c.PartyKind.BANK:
        may = await consents.may_ask_about_right(session, actor.party_id, issuance_id, now)
    elif actor.kind in RECORDERS:
        may = True
    else:
        holds = select(BlockRow.id).where(
            BlockRow.issuance_id == issuance_id, BlockRow.owner_id == actor.party_id
        )
        may = (await session.execute(holds.limit(1))).first() is not None
    if not may:
        raise NoValuationsYouMaySee("issuance", issuance=issuance_id)
    query = (
        select(ValuationRow)
        .where(ValuationRow.issuance_id == issuance_id)
        .order_by(ValuationRow.valued_on.desc(), ValuationRow.recorded_at.desc())
    )
    return [view(row) for row in (await session.execute(query)).scalars()]


# the most recent valuation still valid on ``today``: one statement, built once, for the async
# sessions of use cases and the one-call read of a collateral answer alike
LATEST_VALID = (
    select(ValuationRow)
    .where(
        ValuationRow.issuance_id == bindparam("issuance"),
        ValuationRow.valued_on <= bindparam("today"),
        ValuationRow.valid_until > bindparam("today"),
    )
    .order_by(ValuationRow.valued_on.desc(), ValuationRow.recorded_at.desc())
    .limit(1)
)


async def latest_valid(session: AsyncSession, issuance_id: int, today: dt.date) -> ValuationRow | None:
    """The most recent valuation still valid on ``today``."""
    return (await session.execute(LATEST_VALID, {"issuance": issuance_id, "today": today})).scalar()
