"""Confirmation of rights (确权登记): an application, the regulator's review, and the issuance.

An application names the holder, the kind of right, where it lies and how much; a regulator confirms
it (one issuance of N units with serials 1…N, all to the holder) or rejects it with a reason.
"""

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import claims, parcels
from registry import context as c
from registry import events as ev
from registry.assets import AssetClass, get_asset_class, instrument_for
from registry.divisions import division
from registry.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PartyKindMayNotHold,
    ReasonRequired,
    UnknownIssuance,
    UnknownParty,
)
from registry.quantities import Quantity
from registry.tables import ApplicationRow, BlockRow, IssuanceRow, MovementRow, PartyRow


class ApplicationStatus(StrEnum):
    """An application's status: pending, then confirmed (an issuance) or rejected with a reason."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


EARLIEST_VINTAGE = 1990


class OnlyOperatorsApplyForOthers(Forbidden):
    title = "Only operators apply for others"
    template = "only an operator (两山银行) may apply on another holder's behalf"


class VintageOutOfRange(InvalidInput):
    title = "Vintage out of range"
    template = "the vintage is a year from {earliest} to {latest}; {vintage} is not"


class TermOver(InvalidInput):
    title = "Term over"
    template = "the term ended on {term_end}"


class UnknownApplication(NotFound):
    title = "Unknown application"
    template = "no application {application}"


class ApplicationNotPending(Conflict):
    title = "Application not pending"
    template = "application {application} is {status} already"


class RightRegisteredAlready(Conflict):
    title = "Right registered already"
    template = "the right is registered already, as issuance {serial} ({identity})"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A live right (an issuance), or another pending application (``issuance`` null), that claims
    the same right as the application shown (``registry.claims``)."""

    application: str
    issuance: int | None
    serial: str | None
    holder: str


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    applicant: str
    holder: str
    asset_class: str
    division: str
    vintage: int
    quantity: str
    attributes: dict[str, Any]
    status: ApplicationStatus
    reason: str | None
    issuance: int | None
    filed_at: dt.datetime
    # regulators and the registrar only (null for others): what else claims the same right, now
    duplicates: list[Duplicate] | None = None
    # live rights whose parcels share land with this one's boundary: regulators see them, others None
    overlaps: tuple[parcels.Overlap, ...] | None = None


@dataclass(frozen=True, slots=True)
class Issuance:
    id: int
    serial: str
    asset_class: str
    instrument: str | None
    holder: str | None  # None where the reader may not read the holder's record
    division: str
    vintage: int
    quantity: str
    unit: str
    attributes: dict[str, Any]
    term_end: dt.date | None
    confirmed_at: dt.datetime


def serial(row: IssuanceRow, first: int, last: int) -> str:
    """``<class>-<division>-<vintage>-<issuance>-<first>-<last>`` (DESIGN §5)."""
    return serial_of(row.asset_class, row.division, row.vintage, row.id, first=first, last=last)


def serial_of(asset_class: str, division: str, vintage: int, issuance: int, *, first: int, last: int) -> str:
    """``serial`` from an issuance's parts, for reads that select columns rather than rows."""
    return f"{asset_class}-{division}-{vintage}-{issuance}-{first}-{last}"


def _application(row: ApplicationRow, scale: int, duplicates: list[Duplicate] | None = None) -> Application:
    return Application(
        row.id,
        row.applicant_id,
        row.holder_id,
        row.asset_class,
        row.division,
        row.vintage,
        str(Quantity(row.quantity, scale)),
        row.attributes,
        ApplicationStatus(row.status),
        row.reason,
        row.issuance_id,
        row.filed_at,
        duplicates,
    )


async def _duplicates(
    session: AsyncSession, actor: c.Actor, rows: list[ApplicationRow], today: dt.date
) -> dict[str, list[Duplicate] | None]:
    """What else claims each application's right, for those who review applications."""
    if not actor.supervises:
        return {row.id: None for row in rows}
    found = await claims.claimants(session, rows, today)
    return {
        application: [
            Duplicate(
                other.application,
                other.issuance.id if other.issuance else None,
                serial(other.issuance, 1, other.issuance.quantity) if other.issuance else None,
                other.holder,
            )
            for other in others
        ]
        for application, others in found.items()
    }


def issuance_value(row: IssuanceRow, asset_class: AssetClass) -> Issuance:
    return Issuance(
        row.id,
        serial(row, 1, row.quantity),
        row.asset_class,
        row.instrument_id,
        row.holder_id,
        row.division,
        row.vintage,
        str(Quantity(row.quantity, asset_class.scale)),
        asset_class.unit,
        row.attributes,
        row.term_end,
        row.confirmed_at,
    )


async def file_application(
    work: c.Work,
    actor: c.Actor,
    *,
    holder_id: str,
    asset_class: str,
    division_code: str,
    vintage: int,
    quantity: str,
    attributes: object,
) -> Application:
    """File a right for confirmation, by its holder or by an operator (两山银行) on the holder's behalf."""
    actor.require(*c.HOLDER_KINDS)
    if holder_id != actor.party_id and actor.kind != c.PartyKind.OPERATOR:
        raise OnlyOperatorsApplyForOthers("holder")
    await _holder(work.session, holder_id)
    cls = await get_asset_class(work.session, asset_class)
    division(division_code, on=work.now.date())
    if not EARLIEST_VINTAGE <= vintage <= work.now.year:
        raise VintageOutOfRange("vintage", vintage=vintage, earliest=EARLIEST_VINTAGE, latest=work.now.year)
    parsed = Quantity.parse(quantity, cls.scale, field="quantity")
    units = parsed.units
    checked = parcels.with_decimal_boundary(cls, cls.validate(attributes))
    if cls.identity is not None:
        checked = cls.identity.canonical(checked, cls.attribute_schema)
    _check_term(cls, checked, work.now.date())
    parcels.check_filing(cls, checked, parsed)
    row = ApplicationRow(
        id=work.new_id(),
        applicant_id=actor.party_id,
        holder_id=holder_id,
        asset_class=cls.code,
        division=division_code,
        vintage=vintage,
        quantity=units,
        attributes=checked,
        identity=cls.identity.key(checked) if cls.identity else None,
        status=ApplicationStatus.PENDING,
        filed_at=work.now,
    )
    work.session.add(row)
    work.record(
        ev.ApplicationFiled(
            application=row.id,
            holder=holder_id,
            asset_class=cls.code,
            division=division_code,
            vintage=vintage,
            quantity=str(Quantity(units, cls.scale)),
        ),
        actor=actor.party_id,
    )
    return _application(row, cls.scale)


def _check_term(cls: AssetClass, attributes: dict[str, Any], today: dt.date) -> None:
    if cls.term_attribute is None:
        return
    end = dt.date.fromisoformat(attributes[cls.term_attribute])
    if end <= today:
        raise TermOver(f"attributes.{cls.term_attribute}", term_end=end.isoformat())


async def _holder(session: AsyncSession, party_id: str) -> PartyRow:
    row = await session.get(PartyRow, party_id)
    if row is None:
        raise UnknownParty("holder", party=party_id)
    if row.kind not in c.HOLDER_KINDS:
        raise PartyKindMayNotHold("holder", kind=row.kind)
    return row


async def get_application(
    session: AsyncSession, actor: c.Actor, application_id: str, *, today: dt.date
) -> Application:
    row = await session.get(ApplicationRow, application_id)
    if row is None or not (actor.may_see(row.holder_id) or actor.party_id == row.applicant_id):
        raise UnknownApplication("application", application=application_id)
    return (await _reviewed(session, actor, [row], today))[0]


async def _reviewed(
    session: AsyncSession, actor: c.Actor, rows: list[ApplicationRow], today: dt.date
) -> list[Application]:
    """Applications as their reader sees them: regulators also see what else claims each right and the
    live rights whose land each one's boundary overlaps."""
    duplicates = await _duplicates(session, actor, rows, today)
    views = []
    for row in rows:
        cls = await get_asset_class(session, row.asset_class)
        view = _application(row, cls.scale, duplicates[row.id])
        if actor.supervises:
            found = await parcels.overlaps(session, cls, row.attributes, today, exclude=row.issuance_id)
            view = replace(view, overlaps=found)
        views.append(view)
    return views


async def count_pending(session: AsyncSession) -> int:
    """How many applications wait for a regulator's decision (the review queue's length)."""
    query = (
        select(func.count())
        .select_from(ApplicationRow)
        .where(ApplicationRow.status == ApplicationStatus.PENDING)
    )
    return int((await session.execute(query)).scalar_one())


async def list_applications(
    session: AsyncSession,
    actor: c.Actor,
    *,
    status: ApplicationStatus | None,
    after: str | None,
    limit: int,
    today: dt.date,
) -> list[Application]:
    query = select(ApplicationRow).order_by(ApplicationRow.id).limit(limit)
    if not actor.supervises:
        query = query.where(
            (ApplicationRow.holder_id == actor.party_id) | (ApplicationRow.applicant_id == actor.party_id)
        )
    if status is not None:
        query = query.where(ApplicationRow.status == status)
    if after is not None:
        query = query.where(ApplicationRow.id > after)
    return await _reviewed(session, actor, list((await session.execute(query)).scalars()), today)


async def _pending(work: c.Work, actor: c.Actor, application_id: str) -> ApplicationRow:
    actor.require(c.PartyKind.REGULATOR)
    query = select(ApplicationRow).where(ApplicationRow.id == application_id).with_for_update()
    row = (await work.session.execute(query)).scalar()
    if row is None:
        raise UnknownApplication("application", application=application_id)
    if row.status != ApplicationStatus.PENDING:
        raise ApplicationNotPending("application", application=application_id, status=row.status)
    return row


async def confirm_application(work: c.Work, actor: c.Actor, application_id: str) -> Issuance:
    """Confirm the right: issue serials 1…N to the holder, grouped into its instrument if fungible;
    refused while a live right has the same identity (``registry.claims``)."""
    app = await _pending(work, actor, application_id)
    cls = await get_asset_class(work.session, app.asset_class)
    await refuse_registered(work, cls, app)
    parcel = await parcels.claim(work, cls, app.attributes)  # first: it holds the class's confirmations
    key = cls.instrument_key(app.attributes, app.division, app.vintage)
    instrument = await instrument_for(work.session, cls, key, work.new_id()) if key else None
    term_end = app.attributes.get(cls.term_attribute) if cls.term_attribute else None
    row = IssuanceRow(
        application_id=app.id,
        asset_class=cls.code,
        instrument_id=instrument,
        holder_id=app.holder_id,
        division=app.division,
        vintage=app.vintage,
        quantity=app.quantity,
        attributes=app.attributes,
        identity=app.identity,
        term_end=dt.date.fromisoformat(term_end) if term_end else None,
        confirmed_at=work.now,
    )
    work.session.add(row)
    await work.session.flush()
    parcels.record(work, cls, row.id, parcel)
    app.status, app.reviewer_id, app.issuance_id, app.reviewed_at = (
        ApplicationStatus.CONFIRMED,
        actor.party_id,
        row.id,
        work.now,
    )
    work.session.add(
        BlockRow(issuance_id=row.id, first=1, last=app.quantity, owner_id=app.holder_id, state=b.ACTIVE)
    )
    work.session.add(
        MovementRow(
            party_id=app.holder_id,
            issuance_id=row.id,
            kind="issued",
            quantity=app.quantity,
            first=1,
            last=app.quantity,
            at=work.now,
        )
    )
    issued = issuance_value(row, cls)
    work.record(
        ev.IssuanceConfirmed(
            issuance=row.id,
            serial=issued.serial,
            application=app.id,
            asset_class=cls.code,
            instrument=instrument,
            holder=app.holder_id,
            division=app.division,
            vintage=app.vintage,
            first=1,
            last=app.quantity,
            quantity=issued.quantity,
            unit=cls.unit,
            term_end=term_end,
            attributes=app.attributes,
        ),
        actor=actor.party_id,
    )
    return issued


async def refuse_registered(work: c.Work, cls: AssetClass, app: ApplicationRow) -> None:
    """Refuse to confirm a right that is live already; the identity stays locked until the commit."""
    existing = await claims.claim(work.session, cls, app, work.now.date())
    if existing is not None and cls.identity is not None:
        raise RightRegisteredAlready(
            f"attributes.{cls.identity.by[0]}",
            issuance=existing.id,
            serial=serial(existing, 1, existing.quantity),
            identity=cls.identity.describe(existing.attributes),
        )


async def reject_application(work: c.Work, actor: c.Actor, application_id: str, reason: str) -> Application:
    app = await _pending(work, actor, application_id)
    if not reason.strip():
        raise ReasonRequired("reason")
    app.status, app.reason, app.reviewer_id, app.reviewed_at = (
        ApplicationStatus.REJECTED,
        reason.strip(),
        actor.party_id,
        work.now,
    )
    work.record(ev.ApplicationRejected(application=app.id, reason=app.reason), actor=actor.party_id)
    return _application(app, (await get_asset_class(work.session, app.asset_class)).scale)


async def get_issuance(session: AsyncSession, issuance_id: int, *, field: str = "issuance") -> Issuance:
    row = await session.get(IssuanceRow, issuance_id)
    if row is None:
        raise UnknownIssuance(field, issuance=issuance_id)
    return issuance_value(row, await get_asset_class(session, row.asset_class))
