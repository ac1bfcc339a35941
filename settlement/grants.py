"""Read-all grants: a regulator lets an auditor read every ledger entry, for a while.

Regulators read the whole ledger; an outside auditor (an accounting firm, another bureau's office…)
reads it only while it holds a grant a regulator issued to its party: until the grant's expiry, or
until a regulator revokes it, effective at once. Each grant and each revocation is a ledger entry
naming the auditor, so the auditor can prove what it was allowed, and the regulator can show who read.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from registry.errors import Conflict, InvalidInput, NotFound, UnknownParty
from registry.tables import PartyRow
from settlement.entries import format_time
from settlement.tables import LedgerGrantRow


class ExpiryNotAfterNow(InvalidInput):
    title = "Expiry not after now"
    template = "a grant expires after it is made: {expires_at} is not after {now}"


class UnknownGrant(NotFound):
    title = "Unknown grant"
    template = "no grant {grant}"


class GrantRevokedAlready(Conflict):
    title = "Grant revoked already"
    template = "grant {grant} is revoked already"


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    auditor: str
    granted_by: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


def _grant(row: LedgerGrantRow) -> Grant:
    return Grant(row.id, row.auditor_id, row.granted_by, row.granted_at, row.expires_at, row.revoked_at)


async def grant(work: c.Work, actor: c.Actor, *, auditor: str, expires_at: dt.datetime) -> Grant:
    """Let ``auditor``'s users read every entry until ``expires_at``."""
    actor.require(c.PartyKind.REGULATOR)
    if await work.session.get(PartyRow, auditor) is None:
        raise UnknownParty("auditor", party=auditor)
    if expires_at <= work.now:
        raise ExpiryNotAfterNow("expires_at", expires_at=expires_at.isoformat(), now=work.now.isoformat())
    row = LedgerGrantRow(
        id=work.new_id(),
        auditor_id=auditor,
        granted_by=actor.party_id,
        granted_at=work.now,
        expires_at=expires_at,
    )
    work.session.add(row)
    work.record(
        ev.ReadAllGranted(grant=row.id, auditor=auditor, expires_at=format_time(expires_at)),
        actor=actor.party_id,
    )
    return _grant(row)


async def revoke(work: c.Work, actor: c.Actor, *, grant_id: str) -> Grant:
    """End a grant now, before its expiry."""
    actor.require(c.PartyKind.REGULATOR)
    row = await work.session.get(LedgerGrantRow, grant_id, with_for_update=True)
    if row is None:
        raise UnknownGrant("grant", grant=grant_id)
    if row.revoked_at is not None:
        raise GrantRevokedAlready("grant", grant=grant_id)
    row.revoked_at, row.revoked_by = work.now, actor.party_id
    work.record(ev.ReadAllRevoked(grant=row.id, auditor=row.auditor_id), actor=actor.party_id)
    return _grant(row)


async def grants(session: AsyncSession, actor: c.Actor) -> list[Grant]:
    """Every grant, for regulators; the grants to its own party, for anyone else."""
    query = select(LedgerGrantRow).order_by(LedgerGrantRow.granted_at, LedgerGrantRow.id)
    if actor.kind != c.PartyKind.REGULATOR:
        query = query.where(LedgerGrantRow.auditor_id == actor.party_id)
    return [_grant(row) for row in (await session.execute(query)).scalars()]


async def holds_grant(session: AsyncSession, party: str, now: dt.datetime) -> bool:
    """Whether ``party`` holds a grant in force at ``now``: not expired, not revoked."""
    query = select(LedgerGrantRow.id).where(
        LedgerGrantRow.auditor_id == party,
        LedgerGrantRow.expires_at > now,
        LedgerGrantRow.revoked_at.is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None
