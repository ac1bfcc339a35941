"""The register of confirmed rights (登记簿): search, and the public view anyone may read.

Every confirmed right (an issuance) is in the register, ``live`` while its term has not ended and some
units are not retired, cancelled or expired, ``ended`` after (``registry.claims.live``). What a
public registry publishes anyone reads, without a key: the right's class, serials, place, vintage,
quantity, attributes, term and status, and its holder where the holder's record is public — an
organisation's; a natural person's or a village collective's only to those who may read its record
(``registry.party_sight``). Regulators and the registrar see every holder, and who owns the units now.
"""

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import context as c
from registry.assets import get_asset_class
from registry.claims import live
from registry.divisions import all_divisions
from registry.identity import canonical_text
from registry.party_sight import readable
from registry.quantities import Quantity
from registry.rights import Issuance, serial
from registry.tables import BlockRow, IssuanceRow, PartyRow


class RightStatus(StrEnum):
    """A right in the register: live (its term runs and some units are not in a final state) or ended."""

    LIVE = "live"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Owned:
    party: str
    state: str
    quantity: str


@dataclass(frozen=True, slots=True)
class RegisteredRight:
    id: int  # the issuance
    serial: str
    asset_class: str
    instrument: str | None
    division: str
    vintage: int
    quantity: str
    unit: str
    attributes: dict[str, Any]
    term_end: dt.date | None
    confirmed_at: dt.datetime
    status: RightStatus
    holder: str | None  # the party it was confirmed to; null where its record is not the reader's to see
    holder_name: str | None
    owners: list[Owned] | None  # regulators and the registrar: who holds its units now, in which state


@dataclass(frozen=True, slots=True)
class Search:
    asset_class: str | None = None
    division: str | None = None
    holder: str | None = None
    status: RightStatus | None = None
    vintage: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()  # (name, value): permit_no, unit_no, project_id


def within(code: str) -> frozenset[str]:
    """A division code and every code under it, past ones too: a city's counties, the province's all
    (township codes are not issued here: a county's rights name the county). A code that names no
    division has nothing under it, as ``/divisions?parent=`` answers."""
    divisions = all_divisions()
    if code not in divisions:
        return frozenset()
    found, frontier = {code}, {code}
    while frontier:
        frontier = {d.code for d in divisions.values() if d.parent in frontier} - found
        found |= frontier
    return frozenset(found)


async def search(
    session: AsyncSession,
    reader: c.Actor | None,
    wanted: Search,
    *,
    today: dt.date,
    after: int | None,
    limit: int,
) -> list[RegisteredRight]:
    """The rights that match ``wanted``, by issuance number, as ``reader`` (None: anyone) may see them."""
    if wanted.holder is not None and not await _may_name(session, reader, wanted.holder):
        return []
    conditions = _conditions(
        wanted,
        today,
        holdings=reader is not None and wanted.holder is not None and reader.may_see(wanted.holder),
    )
    if after is not None:
        conditions.append(IssuanceRow.id > after)
    query = (
        select(IssuanceRow, PartyRow.kind, PartyRow.name, live(today).label("live"))
        .join(PartyRow, PartyRow.id == IssuanceRow.holder_id)
        .where(*conditions)
        .order_by(IssuanceRow.id)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    shown = await readable(session, reader, {row.holder_id: kind for row, kind, _, _ in rows})
    everything = reader is not None and reader.supervises
    owners = await _owners(session, [row for row, *_ in rows]) if everything else {}
    result = []
    for row, _, name, is_live in rows:
        cls = await get_asset_class(session, row.asset_class)
        visible = row.holder_id in shown
        result.append(
            RegisteredRight(
                row.id,
                serial(row, 1, row.quantity),
                row.asset_class,
                row.instrument_id,
                row.division,
                row.vintage,
                str(Quantity(row.quantity, cls.scale)),
                cls.unit,
                row.attributes,
                row.term_end,
                row.confirmed_at,
                RightStatus.LIVE if is_live else RightStatus.ENDED,
                row.holder_id if visible else None,
                name if visible else None,
                [Owned(p, s, str(Quantity(q, cls.scale))) for p, s, q in owners.get(row.id, [])]
                if everything
                else None,
            )
        )
    return result


def _conditions(wanted: Search, today: dt.date, *, holdings: bool) -> list[ColumnElement[bool]]:
    """The search as SQL; ``holdings``: a holder's current holdings count too (only for the holder
    itself and its supervisors: what a party holds now is its own business)."""
    conditions = [
        IssuanceRow.attributes[name].as_string() == canonical_text(value) for name, value in wanted.attributes
    ]
    if wanted.asset_class is not None:
        conditions.append(IssuanceRow.asset_class == wanted.asset_class)
    if wanted.division is not None:
        conditions.append(IssuanceRow.division.in_(sorted(within(wanted.division))))
    if wanted.vintage is not None:
        conditions.append(IssuanceRow.vintage == wanted.vintage)
    if wanted.status is not None:
        conditions.append(live(today) if wanted.status == RightStatus.LIVE else ~live(today))
    if wanted.holder is not None:
        holds = select(BlockRow.id).where(
            BlockRow.issuance_id == IssuanceRow.id,
            BlockRow.owner_id == wanted.holder,
            BlockRow.state.not_in(b.FINAL_STATES),
        )
        confirmed_to = IssuanceRow.holder_id == wanted.holder
        conditions.append(or_(confirmed_to, holds.exists()) if holdings else confirmed_to)
    return conditions


async def as_seen(session: AsyncSession, reader: c.Actor, issuance: Issuance) -> Issuance:
    """An issuance as ``reader`` may see it: its holder only where the holder's record is readable."""
    if issuance.holder is None or await _may_name(session, reader, issuance.holder):
        return issuance
    return replace(issuance, holder=None)


async def _may_name(session: AsyncSession, reader: c.Actor | None, party_id: str) -> bool:
    """A search by holder answers only about a party whose record the reader may read: no one learns
    a household's rights by its id."""
    kind = (await session.execute(select(PartyRow.kind).where(PartyRow.id == party_id))).scalar()
    return kind is not None and party_id in await readable(session, reader, {party_id: kind})


async def _owners(session: AsyncSession, rows: list[IssuanceRow]) -> dict[int, list[tuple[str, str, int]]]:
    units = func.sum(BlockRow.last - BlockRow.first + 1)
    query = (
        select(BlockRow.issuance_id, BlockRow.owner_id, BlockRow.state, units)
        .where(BlockRow.issuance_id.in_([row.id for row in rows]))
        .group_by(BlockRow.issuance_id, BlockRow.owner_id, BlockRow.state)
        .order_by(BlockRow.issuance_id, BlockRow.owner_id, BlockRow.state)
    )
    found: dict[int, list[tuple[str, str, int]]] = {}
    for issuance, owner, state, quantity in await session.execute(query):
        found.setdefault(issuance, []).append((owner, state, int(quantity)))
    return found
