"""What a bank is told when it verifies collateral: does the right exist, does the claimed owner hold
it, how much of the owner's holding is free, pledged, frozen, reserved or retired, when its term
ends, its latest valid valuation, and the liens on it with their priority.

The answer is plain JSON values (decimal strings, ids, ISO dates) so that settlement can sign it as
it is. It is given to a bank only about an owner that let it ask (``registry.consents``, checked by
the attestor before any answer is read or remembered); an owner that does not hold the right it
consented about is told so and nothing more.
"""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import blocks as b
from registry import context as c
from registry.assets import get_asset_class
from registry.errors import InvalidInput
from registry.events import JSONValue
from registry.identifiers import validate_credit_code
from registry.pledges import PledgeStatus
from registry.quantities import Money, Quantity
from registry.rights import serial
from registry.tables import BlockRow, FreezeRow, IssuanceRow, PartyRow, PledgeRow
from registry.valuations import latest_valid

STATES = (b.ACTIVE, b.PLEDGED, b.FROZEN, b.RESERVED, b.RETIRED, b.EXPIRED, b.CANCELLED)


class SerialsOutsideIssuance(InvalidInput):
    title = "Serials outside the issuance"
    template = "serials run from 1 to {size} in issuance {issuance}; {first}-{last} is not within them"


async def answer(
    session: AsyncSession,
    actor: c.Actor,
    *,
    issuance_id: int,
    owner_credit_code: str,
    serials: tuple[int, int] | None,
    today: dt.date,
) -> dict[str, JSONValue]:
    actor.require(c.PartyKind.BANK, c.PartyKind.REGULATOR, write=False)
    code = validate_credit_code(owner_credit_code, field="owner_credit_code")
    issuance = await session.get(IssuanceRow, issuance_id)
    if issuance is None:
        return {"issuance": issuance_id, "exists": False, "as_of": today.isoformat()}
    cls = await get_asset_class(session, issuance.asset_class)
    first, last = serials or (1, issuance.quantity)
    if not 1 <= first <= last <= issuance.quantity:
        raise SerialsOutsideIssuance(
            "serials", size=issuance.quantity, issuance=issuance.id, first=first, last=last
        )
    owner = (await session.execute(select(PartyRow).where(PartyRow.credit_code == code))).scalar()
    held = await _held(session, issuance.id, owner.id, first, last) if owner is not None else {}
    base: dict[str, JSONValue] = {
        "issuance": issuance.id,
        "exists": True,
        "serials": serial(issuance, first, last),
        "asset_class": cls.code,
        "unit": cls.unit,
        "owner_credit_code": code,
        "owner_holds": bool(held),
        "as_of": today.isoformat(),
    }
    if owner is None or not held:
        return base
    valuation = await latest_valid(session, issuance.id, today)
    return {
        **base,
        "owner": owner.id,
        "quantities": {state: str(Quantity(held.get(state, 0), cls.scale)) for state in STATES},
        "term_end": None if issuance.term_end is None else issuance.term_end.isoformat(),
        "valuation": None
        if valuation is None
        else {
            "valuation": valuation.id,
            "value": str(Money(valuation.value)),
            "currency": "CNY",
            "method": valuation.method,
            "appraiser_credit_code": valuation.appraiser_credit_code,
            "valued_on": valuation.valued_on.isoformat(),
            "valid_until": valuation.valid_until.isoformat(),
        },
        "liens": await _liens(session, issuance.id, owner.id, cls.scale),
    }


async def _held(session: AsyncSession, issuance_id: int, owner: str, first: int, last: int) -> dict[str, int]:
    """The owner's units within ``first``–``last``, by state."""
    query = select(BlockRow).where(
        BlockRow.issuance_id == issuance_id,
        BlockRow.owner_id == owner,
        BlockRow.last >= first,
        BlockRow.first <= last,
    )
    held: dict[str, int] = {}
    for block in (await session.execute(query)).scalars():
        overlap = min(block.last, last) - max(block.first, first) + 1
        held[block.state] = held.get(block.state, 0) + overlap
    return held


async def _liens(session: AsyncSession, issuance_id: int, owner: str, scale: int) -> list[JSONValue]:
    """Registered pledges, by priority, then freezes in force."""
    pledges = await session.execute(
        select(PledgeRow)
        .where(
            PledgeRow.issuance_id == issuance_id,
            PledgeRow.owner_id == owner,
            PledgeRow.status == PledgeStatus.REGISTERED,
        )
        .order_by(PledgeRow.rank, PledgeRow.registered_at)
    )
    liens: list[JSONValue] = [
        {
            "kind": "pledge",
            "pledge": p.id,
            "bank": p.bank_id,
            "rank": p.rank,
            "quantity": str(Quantity(p.quantity, scale)),
            "loan": str(Money(p.loan)),
            "loan_term_end": p.loan_term_end.isoformat(),
        }
        for p in pledges.scalars()
    ]
    freezes = await session.execute(
        select(FreezeRow)
        .where(
            FreezeRow.issuance_id == issuance_id, FreezeRow.owner_id == owner, FreezeRow.released_at.is_(None)
        )
        .order_by(FreezeRow.at)
    )
    liens += [
        {"kind": "freeze", "freeze": f.id, "quantity": str(Quantity(f.quantity, scale))}
        for f in freezes.scalars()
    ]
    return liens
