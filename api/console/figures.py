"""What the public pages show of the registry as a whole: per asset class, the rights confirmed, the
units issued and those retired (注销/核销), and who is named in public entries, by name.

These are aggregates of facts already public through the ledger's public kinds (confirmed issuances,
retirements): the API has no read for them yet, so they are read here, by the console alone. When
the public register (issue 11) brings one, the home page should read that instead.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.party_sight import readable
from registry.quantities import Quantity
from registry.tables import AssetClassRow, IssuanceRow, PartyRow, RetirementRow


@dataclass(frozen=True, slots=True)
class ClassTotal:
    code: str
    name: str
    name_zh: str
    unit: str
    rights: int
    issued: str  # decimal strings at the class's scale
    retired: str


async def totals(session: AsyncSession) -> list[ClassTotal]:
    """Every asset class with its confirmed rights, units issued and units retired."""
    confirmed = await session.execute(
        select(
            IssuanceRow.asset_class, func.count(), func.coalesce(func.sum(IssuanceRow.quantity), 0)
        ).group_by(IssuanceRow.asset_class)
    )
    issued = {code: (int(count), int(units)) for code, count, units in confirmed.all()}
    retirements = await session.execute(
        select(IssuanceRow.asset_class, func.coalesce(func.sum(RetirementRow.quantity), 0))
        .join(IssuanceRow, IssuanceRow.id == RetirementRow.issuance_id)
        .group_by(IssuanceRow.asset_class)
    )
    retired = {code: int(units) for code, units in retirements.all()}
    classes = (await session.execute(select(AssetClassRow).order_by(AssetClassRow.code))).scalars()
    return [
        ClassTotal(
            row.code,
            row.name,
            row.name_zh,
            row.unit,
            issued.get(row.code, (0, 0))[0],
            str(Quantity(issued.get(row.code, (0, 0))[1], row.scale)),
            str(Quantity(retired.get(row.code, 0), row.scale)),
        )
        for row in classes
    ]


async def party_names(session: AsyncSession, ids: set[str], reader: c.Actor | None = None) -> dict[str, str]:
    """The names of those of ``ids`` whose records ``reader`` may read (``registry.party_sight``); for
    the public (no reader), organisations: a natural person (农户) or a village collective is never
    named on a public page."""
    if not ids:
        return {}
    rows = (
        await session.execute(select(PartyRow.id, PartyRow.kind, PartyRow.name).where(PartyRow.id.in_(ids)))
    ).all()
    seen = await readable(session, reader, {party: kind for party, kind, _ in rows})
    return {party: name for party, _, name in rows if party in seen}


async def class_names(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """Each asset class's English and Chinese name, by code."""
    rows = await session.execute(select(AssetClassRow.code, AssetClassRow.name, AssetClassRow.name_zh))
    return {code: (name, name_zh) for code, name, name_zh in rows.all()}


async def organisations(session: AsyncSession, *kinds: c.PartyKind) -> list[tuple[str, str]]:
    """The id and name of every party of ``kinds`` (organisations, whose names are public), by name:
    the banks an owner may pledge to, the buyers a seller may offer units to."""
    query = select(PartyRow.id, PartyRow.name).where(PartyRow.kind.in_(kinds)).order_by(PartyRow.name)
    return [(party, name) for party, name in (await session.execute(query)).all()]
