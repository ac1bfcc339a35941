"""Consents (查询授权): a party lets a named bank ask collateral questions about its rights.

A bank learns what a party holds of a right, the liens on it and what it is worth only when the party
asked it to, in one of two ways:

- a **consent** in force: the party's manager names the bank and one right (an issuance: the party's
  holding of it) or all its rights, until an expiry at most ``LONGEST`` away; the party may revoke
  it at any time, and an expired consent is no consent. Each grant and revocation is a ledger entry
  naming the party and the bank (opaque ids), so the party can prove whom it let in, and when;
- an open **pledge request** naming that bank over the right (requested or registered, not yet
  released, withdrawn or enforced): a bank must see what it is asked to lend against.

A refusal is the same whether the owner named exists, holds the right or has consented to another
bank: it says which consent is missing, never what the bank may not know. Regulators supervise and
need no consent.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, UnknownIssuance
from registry.tables import BlockRow, ConsentRow, IssuanceRow, PartyRow, PledgeRow

LONGEST = dt.timedelta(days=366)  # a consent is for a loan's due diligence, not for good
GRANTORS = tuple(sorted(c.HOLDER_KINDS))
FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)  # how long an open pledge request lets its bank ask


class ConsentStatus(StrEnum):
    """Whether a consent lets its bank ask now: in force until it expires or is revoked."""

    IN_FORCE = "in_force"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ConsentNamesNoBank(InvalidInput):
    title = "Consent names no bank"
    template = "a consent names a bank party; {party} is not one"


class ConsentExpiryOutOfBounds(InvalidInput):
    title = "Consent expiry out of bounds"
    template = "a consent expires after now and at most {days} days from now ({latest}); {expires_at} is not"


class UnknownConsent(NotFound):
    title = "Unknown consent"
    template = "no consent {consent}"


class ConsentNotInForce(Conflict):
    title = "Consent not in force"
    template = "consent {consent} is {status} already"


class ConsentRequired(Forbidden):
    title = "Consent required"
    template = (
        "the owner with credit code {owner_credit_code} has given you no consent in force for issuance "
        "{issuance}, nor asked you for a pledge of it"
    )


class ConsentForRightRequired(Forbidden):
    title = "Consent for the right required"
    template = (
        "no holder of issuance {issuance} has given you a consent in force for it, nor asked you for a "
        "pledge of it"
    )


@dataclass(frozen=True, slots=True)
class Consent:
    id: str
    party: str
    bank: str
    issuance: int | None  # None: every right of the party
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    status: ConsentStatus


def _status(row: ConsentRow, now: dt.datetime) -> ConsentStatus:
    if row.revoked_at is not None:
        return ConsentStatus.REVOKED
    return ConsentStatus.IN_FORCE if now < row.expires_at else ConsentStatus.EXPIRED


def view(row: ConsentRow, now: dt.datetime) -> Consent:
    return Consent(
        row.id,
        row.party_id,
        row.bank_id,
        row.issuance_id,
        row.granted_at,
        row.expires_at,
        row.revoked_at,
        _status(row, now),
    )


def _ledger_time(at: dt.datetime) -> str:
    """RFC 3339 in UTC with six fractional digits and ``Z``: the form of every time in the ledger."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def grant(
    work: c.Work, actor: c.Actor, *, party_id: str, bank: str, issuance: int | None, expires_at: dt.datetime
) -> Consent:
    """The party's manager lets ``bank`` ask about ``issuance`` (or every right) until ``expires_at``."""
    actor.require(*GRANTORS)
    actor.require_sight_of(party_id)
    named = await work.session.get(PartyRow, bank)
    if named is None or named.kind != c.PartyKind.BANK:
        raise ConsentNamesNoBank("bank", party=bank)
    if issuance is not None and await work.session.get(IssuanceRow, issuance) is None:
        raise UnknownIssuance("issuance", issuance=issuance)
    latest = work.now + LONGEST
    if not work.now < expires_at <= latest:
        raise ConsentExpiryOutOfBounds(
            "expires_at", days=LONGEST.days, latest=latest.isoformat(), expires_at=expires_at.isoformat()
        )
    row = ConsentRow(
        id=work.new_id(),
        party_id=party_id,
        bank_id=bank,
        issuance_id=issuance,
        granted_at=work.now,
        expires_at=expires_at.astimezone(dt.UTC),
        revoked_at=None,
    )
    work.session.add(row)
    work.record(
        ev.ConsentGranted(
            consent=row.id,
            party=party_id,
            bank=bank,
            issuance=issuance,
            expires_at=_ledger_time(row.expires_at),
        ),
        actor=actor.party_id,
    )
    return view(row, work.now)


async def revoke(work: c.Work, actor: c.Actor, *, party_id: str, consent_id: str) -> Consent:
    """The party's manager withdraws a consent: its bank may no longer ask, from this moment on."""
    actor.require(*GRANTORS)
    actor.require_sight_of(party_id)
    row = await work.session.get(ConsentRow, consent_id, with_for_update=True)
    if row is None or row.party_id != party_id:
        raise UnknownConsent("consent", consent=consent_id)
    status = _status(row, work.now)
    if status != ConsentStatus.IN_FORCE:
        raise ConsentNotInForce("consent", consent=consent_id, status=status)
    row.revoked_at = work.now
    work.record(ev.ConsentRevoked(consent=row.id, party=party_id, bank=row.bank_id), actor=actor.party_id)
    return view(row, work.now)


async def given(
    session: AsyncSession, actor: c.Actor, party_id: str, *, now: dt.datetime, after: str | None, limit: int
) -> list[Consent]:
    """The consents a party gave, in force or not, for the party and its supervisors."""
    actor.require_sight_of(party_id)
    return await _listed(session, ConsentRow.party_id == party_id, now=now, after=after, limit=limit)


async def held(
    session: AsyncSession, actor: c.Actor, *, now: dt.datetime, after: str | None, limit: int
) -> list[Consent]:
    """The consents naming the actor's bank, in force or not."""
    actor.require(c.PartyKind.BANK, write=False)
    return await _listed(session, ConsentRow.bank_id == actor.party_id, now=now, after=after, limit=limit)


async def _listed(
    session: AsyncSession, whose: ColumnElement[bool], *, now: dt.datetime, after: str | None, limit: int
) -> list[Consent]:
    query = select(ConsentRow).where(whose).order_by(ConsentRow.id).limit(limit)
    if after is not None:
        query = query.where(ConsentRow.id > after)
    return [view(row, now) for row in (await session.execute(query)).scalars()]


def _in_force(bank: str, now: dt.datetime) -> ColumnElement[bool]:
    return and_(ConsentRow.bank_id == bank, ConsentRow.revoked_at.is_(None), ConsentRow.expires_at > now)


def _open_pledge(bank: str, issuance: int) -> ColumnElement[bool]:
    """A pledge over the right naming the bank, requested or registered: neither closed (released,
    withdrawn, enforced) nor anything else."""
    return and_(PledgeRow.bank_id == bank, PledgeRow.issuance_id == issuance, PledgeRow.closed_at.is_(None))


def require_consent(
    connection: Connection, *, actor: c.Actor, owner_credit_code: str, issuance: int, now: dt.datetime
) -> dt.datetime:
    """Until when the actor may ask about the holding of ``issuance`` by the owner with that credit
    code: for a bank, the latest expiry of its consents in force from the owner, or ``FOREVER`` while
    a pledge request of the owner names it; regulators may always. Refused otherwise, and in the same
    words when no party has that code. Synchronous, on a connection: the attestor reads it as one call
    (``settlement.attestor``)."""
    if actor.kind != c.PartyKind.BANK:
        return FOREVER
    refusal = ConsentRequired("owner_credit_code", owner_credit_code=owner_credit_code, issuance=issuance)
    owner = connection.execute(select(PartyRow.id).where(PartyRow.credit_code == owner_credit_code)).scalar()
    if owner is None or connection.execute(_holds(owner, issuance)).first() is None:
        raise refusal  # a consent covers the owner's own rights, never another's (their evidence)
    bank = actor.party_id
    pledge = select(PledgeRow.id).where(_open_pledge(bank, issuance), PledgeRow.owner_id == owner)
    if connection.execute(pledge.limit(1)).first() is not None:
        return FOREVER
    query = select(ConsentRow.expires_at).where(
        _in_force(bank, now),
        ConsentRow.party_id == owner,
        or_(ConsentRow.issuance_id == issuance, ConsentRow.issuance_id.is_(None)),
    )
    until = max(connection.execute(query).scalars(), default=None)
    if until is None:
        raise refusal
    return until


def _holds(party: str, issuance: int) -> Select[int]:
    return select(BlockRow.id).where(BlockRow.issuance_id == issuance, BlockRow.owner_id == party).limit(1)


async def may_ask_about_right(session: AsyncSession, bank: str, issuance: int, now: dt.datetime) -> bool:
    """Whether ``bank`` may see the right itself (its valuations) and record an appraisal of it: a
    holder of it consented (for it, or for all its rights), asked the bank for a pledge of it, or
    the bank holds units of it. A consent from a party that holds none of it counts for nothing."""
    holds = select(BlockRow.id).where(
        BlockRow.issuance_id == issuance, BlockRow.owner_id == ConsentRow.party_id
    )
    consent = select(ConsentRow.id).where(
        _in_force(bank, now),
        or_(ConsentRow.issuance_id == issuance, ConsentRow.issuance_id.is_(None)),
        exists(holds),
    )
    pledge = select(PledgeRow.id).where(_open_pledge(bank, issuance))
    for query in (consent, pledge):
        if (await session.execute(query.limit(1))).first() is not None:
            return True
    return (await session.execute(_holds(bank, issuance))).first() is not None


async def require_for_right(session: AsyncSession, actor: c.Actor, issuance: int, now: dt.datetime) -> None:
    """Refuse a bank an appraisal of a right no holder let it ask about."""
    if actor.kind == c.PartyKind.BANK and not await may_ask_about_right(
        session, actor.party_id, issuance, now
    ):
        raise ConsentForRightRequired("issuance", issuance=issuance)
