"""One right, one record: an application that claims a live right is shown to the regulator, and its
confirmation is refused.

A right is **live** while its issuance's term (if it has one) has not ended and some of its units are
not retired, cancelled or expired (``live``: the one definition, which search uses too). Its identity
stays **claimed** a little longer: retired units were used, not undone, so a carbon sink's project and
monitoring period, once retired, are never issued again (that would be double issuance); only a term
that has ended, or units all cancelled or expired, release the identity (a permit renewed under its
number for a new term, a forest unit registered anew after cancellation).

Confirmation takes a lock on the identity's row (``right_identities``, created on first use) before it
looks for a live right, and holds it until the commit: two confirmations of the same right at the same
moment run one after the other, and the second finds the first's issuance. On SQLite writers are
serialised anyway; on PostgreSQL the row lock does it.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry.assets import AssetClass, get_asset_class
from registry.tables import ApplicationRow, BlockRow, IssuanceRow, RightIdentityRow

PENDING = "pending"  # registry.rights.ApplicationStatus.PENDING (rights imports this module)
RELEASING_STATES = b.FINAL_STATES - {b.RETIRED}  # the states that give an identity back


@dataclass(frozen=True, slots=True)
class Claimant:
    """A live right or another pending application that claims the same right as an application:
    its application, its issuance (None while pending) and its holder."""

    application: str
    issuance: IssuanceRow | None
    holder: str


def live(today: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    """An issuance is live on ``today``: its term has not ended and some units are in no final state."""
    return _in_term_with_units_not(b.FINAL_STATES, today)


def claimed(today: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    """An issuance holds its identity on ``today``: its term has not ended and some units were neither
    cancelled nor expired (retired units still claim it)."""
    return _in_term_with_units_not(RELEASING_STATES, today)


def _in_term_with_units_not(
    states: frozenset[str], today: dt.date | ColumnElement[dt.date]
) -> ColumnElement[bool]:
    return and_(
        or_(IssuanceRow.term_end.is_(None), IssuanceRow.term_end >= today),
        exists().where(BlockRow.issuance_id == IssuanceRow.id, BlockRow.state.not_in(states)),
    )


async def claim(
    session: AsyncSession, cls: AssetClass, application: ApplicationRow, today: dt.date
) -> IssuanceRow | None:
    """Lock the application's identity until the commit, and return the live right that has it, if any."""
    if cls.identity is None or application.identity is None:
        return None
    values = {"asset_class": cls.code, "key": application.identity}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(dialect.insert(RightIdentityRow).values(**values).on_conflict_do_nothing())
    await session.execute(  # waits for a concurrent claim of the same identity to commit
        select(RightIdentityRow.key).filter_by(**values).with_for_update()
    )
    query = select(IssuanceRow).where(
        IssuanceRow.asset_class == cls.code, IssuanceRow.identity == application.identity, claimed(today)
    )
    rows = (await session.execute(query.order_by(IssuanceRow.id))).scalars()
    return next((r for r in rows if cls.identity.same_right(application.attributes, r.attributes)), None)


async def claimants(
    session: AsyncSession, applications: Sequence[ApplicationRow], today: dt.date
) -> dict[str, list[Claimant]]:
    """For each application, the live rights and other pending applications that claim the same
    right (an application's own issuance is not among them)."""
    found: dict[str, list[Claimant]] = {a.id: [] for a in applications}
    mine = [a for a in applications if a.identity is not None]
    keys = sorted({a.identity for a in mine if a.identity is not None})
    if not keys:
        return found
    live_rights = select(IssuanceRow).where(IssuanceRow.identity.in_(keys), claimed(today))
    issued = (await session.execute(live_rights)).scalars()
    pending = (
        await session.execute(
            select(ApplicationRow).where(ApplicationRow.identity.in_(keys), ApplicationRow.status == PENDING)
        )
    ).scalars()
    others = [
        *(
            (i.asset_class, i.identity, i.attributes, Claimant(i.application_id, i, i.holder_id))
            for i in issued
        ),
        *((p.asset_class, p.identity, p.attributes, Claimant(p.id, None, p.holder_id)) for p in pending),
    ]
    for application in mine:
        identity = (await get_asset_class(session, application.asset_class)).identity
        found[application.id] = [
            other
            for cls, key, attributes, other in others
            if (cls, key) == (application.asset_class, application.identity)
            and other.application != application.id
            and identity is not None
            and identity.same_right(application.attributes, attributes)
        ]
    return found
