"""The freezes (冻结) regulators have placed, as their supervisors read them: a freeze of an owner's
units (``registry.units.freeze``), live until released, and the parties frozen whole
(``registry.parties``); both were decided with four eyes (``registry.decisions``)."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.assets import get_asset_class
from registry.quantities import Quantity
from registry.tables import FreezeRow, IssuanceRow, PartyRow
from registry.units import UnknownFreeze


class FreezeStatus(StrEnum):
    LIVE = "live"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class Freeze:
    id: str
    issuance: int
    owner: str
    quantity: str
    reason: str
    regulator: str
    at: dt.datetime
    released_at: dt.datetime | None


async def list_freezes(
    session: AsyncSession,
    actor: c.Actor,
    *,
    owner: str | None,
    status: FreezeStatus | None,
    after: str | None,
    limit: int,
) -> list[Freeze]:
    """Freezes of units, by id; only an ``owner``'s, only those live or released (``status``)."""
    actor.require(c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR, write=False)
    query = (
        select(FreezeRow, IssuanceRow.asset_class)
        .join(IssuanceRow, IssuanceRow.id == FreezeRow.issuance_id)
        .order_by(FreezeRow.id)
        .limit(limit)
    )
    if owner is not None:
        query = query.where(FreezeRow.owner_id == owner)
    if status is not None:
        released = FreezeRow.released_at.is_not(None)
        query = query.where(released if status == FreezeStatus.RELEASED else ~released)
    if after is not None:
        query = query.where(FreezeRow.id > after)
    return [
        await _freeze(session, row, asset_class) for row, asset_class in (await session.execute(query)).all()
    ]


async def owner_of(session: AsyncSession, actor: c.Actor, freeze_id: str) -> str:
    """Whose units a freeze holds."""
    actor.require(c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR, write=False)
    row = await session.get(FreezeRow, freeze_id)
    if row is None:
        raise UnknownFreeze("freeze", freeze=freeze_id)
    return row.owner_id


async def _freeze(session: AsyncSession, row: FreezeRow, asset_class: str) -> Freeze:
    scale = (await get_asset_class(session, asset_class)).scale
    quantity = str(Quantity(row.quantity, scale))
    return Freeze(
        row.id, row.issuance_id, row.owner_id, quantity, row.reason, row.regulator_id, row.at, row.released_at
    )


async def frozen_parties(session: AsyncSession, actor: c.Actor, ids: set[str]) -> dict[str, dt.datetime]:
    """When each of ``ids`` that is frozen whole was frozen."""
    actor.require(c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR, write=False)
    if not ids:
        return {}
    query = select(PartyRow.id, PartyRow.frozen_at).where(
        PartyRow.id.in_(ids), PartyRow.frozen_at.is_not(None)
    )
    return {party: at for party, at in (await session.execute(query)).all() if at is not None}
