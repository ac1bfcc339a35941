"""Read models of units: holdings, a party's statement and the provenance of a serial.

A statement reads like a bank statement — every movement with the running balance of units held
(active, reserved, pledged or frozen); provenance answers "where did this unit come from": its
issuance and parcel or project, and every owner it had, in order.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.assets import get_asset_class
from registry.errors import NotFound
from registry.quantities import Quantity
from registry.rights import Issuance, get_issuance, serial
from registry.tables import BlockRow, IssuanceRow, MovementRow


class UnknownSerial(NotFound):
    title = "Unknown serial"
    template = "issuance {issuance} has no serial {serial}"


@dataclass(frozen=True, slots=True)
class Holding:
    issuance: int
    asset_class: str
    instrument: str | None
    state: str
    quantity: str
    unit: str
    serials: list[str]


@dataclass(frozen=True, slots=True)
class StatementLine:
    id: int
    issuance: int
    kind: str
    quantity: str
    balance: str
    serials: str
    counterparty: str | None
    reference: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Provenance:
    issuance: Issuance
    serial: int
    state: str
    owner: str
    owners: list[dict[str, Any]]


async def holdings(session: AsyncSession, actor: c.Actor, party_id: str) -> list[Holding]:
    actor.require_sight_of(party_id)
    query = (
        select(BlockRow, IssuanceRow)
        .join(IssuanceRow, IssuanceRow.id == BlockRow.issuance_id)
        .where(BlockRow.owner_id == party_id)
        .order_by(BlockRow.issuance_id, BlockRow.state, BlockRow.first)
    )
    grouped: dict[tuple[int, str], tuple[IssuanceRow, list[BlockRow]]] = {}
    for block, issuance in await session.execute(query):
        grouped.setdefault((issuance.id, block.state), (issuance, []))[1].append(block)
    result = []
    for (_, state), (issuance, blocks) in grouped.items():
        cls = await get_asset_class(session, issuance.asset_class)
        result.append(
            Holding(
                issuance.id,
                cls.code,
                issuance.instrument_id,
                state,
                str(Quantity(sum(x.last - x.first + 1 for x in blocks), cls.scale)),
                cls.unit,
                [serial(issuance, x.first, x.last) for x in blocks],
            )
        )
    return result


async def statement(
    session: AsyncSession,
    actor: c.Actor,
    party_id: str,
    *,
    issuance_id: int | None,
    after: int | None,
    limit: int,
) -> list[StatementLine]:
    """Movements oldest first, each with the running balance of its issuance."""
    actor.require_sight_of(party_id)
    running = cast(  # PostgreSQL sums BIGINT into NUMERIC; base units are integers
        func.sum(MovementRow.quantity).over(partition_by=MovementRow.issuance_id, order_by=MovementRow.id),
        BigInteger,
    )
    inner = select(MovementRow, running.label("balance")).where(MovementRow.party_id == party_id)
    if issuance_id is not None:
        inner = inner.where(MovementRow.issuance_id == issuance_id)
    lines = inner.subquery()
    query = select(lines).order_by(lines.c.id).limit(limit)
    if after is not None:
        query = query.where(lines.c.id > after)
    rows = (await session.execute(query)).mappings().all()
    result = []
    for row in rows:
        issuance = await session.get(IssuanceRow, row["issuance_id"])
        assert issuance is not None
        scale = (await get_asset_class(session, issuance.asset_class)).scale
        result.append(
            StatementLine(
                row["id"],
                row["issuance_id"],
                row["kind"],
                str(Quantity(row["quantity"], scale)),
                str(Quantity(row["balance"], scale)),
                serial(issuance, row["first"], row["last"]),
                row["counterparty_id"],
                row["reference"],
                row["at"],
            )
        )
    return result


async def provenance(session: AsyncSession, actor: c.Actor, issuance_id: int, unit: int) -> Provenance:
    """The issuance a serial belongs to, its state now, and each owner it had, oldest first: its chain
    of title, for its owner and supervisors. To anyone else the serial is unknown, since who holds
    a unit, and whether it is pledged or frozen, are the owner's secrets (serial by serial, they
    would add up to its position and liens)."""
    issuance = await get_issuance(session, issuance_id)
    block = (
        await session.execute(
            select(BlockRow).where(
                BlockRow.issuance_id == issuance_id, BlockRow.first <= unit, BlockRow.last >= unit
            )
        )
    ).scalar()
    if block is None or not actor.may_see(block.owner_id):
        raise UnknownSerial("serial", issuance=issuance_id, serial=unit)
    arrivals = await session.execute(
        select(MovementRow.party_id, MovementRow.kind, MovementRow.at)
        .where(
            MovementRow.issuance_id == issuance_id,
            MovementRow.kind.in_(("issued", "transfer_in")),
            MovementRow.first <= unit,
            MovementRow.last >= unit,
        )
        .order_by(MovementRow.id)
    )
    owners = [{"party": party, "how": kind, "since": at} for party, kind, at in arrivals]
    return Provenance(issuance, unit, block.state, block.owner_id, owners)
