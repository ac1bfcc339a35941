"""What a bank is told when it verifies collateral: does the right exist, does the claimed owner hold
it, how much of the owner's holding is free, pledged, frozen, reserved or retired, when its term
ends, its latest valid valuation, and the liens on it with their priority.

The answer is plain JSON values (decimal strings, ids, ISO dates) so that settlement can sign it as
it is. It is given to a bank only about an owner that let it ask (``registry.consents``, checked by
the attestor before any answer is read or remembered); an owner that does not hold the right it
consented about is told so and nothing more.

It is read in one call (``Connection``, synchronous: the attestor runs it with the rest of its
evidence as one read, see ``api.database``), by statements built once: the issuance with its asset
class and the owner, the owner's blocks, the valuation, the pledges and the freezes.
"""

import datetime as dt

from sqlalchemy import Connection, bindparam, select

from registry import blocks as b
from registry import context as c
from registry.errors import InvalidInput
from registry.events import JSONValue
from registry.identifiers import validate_credit_code
from registry.pledges import PledgeStatus
from registry.quantities import Money, Quantity
from registry.rights import serial_of
from registry.tables import AssetClassRow, BlockRow, FreezeRow, IssuanceRow, PartyRow, PledgeRow
from registry.valuations import LATEST_VALID

STATES = (b.ACTIVE, b.PLEDGED, b.FROZEN, b.RESERVED, b.RETIRED, b.EXPIRED, b.CANCELLED)

_ISSUANCE = (
    select(
        IssuanceRow.id,
        IssuanceRow.asset_class,
        IssuanceRow.division,
        IssuanceRow.vintage,
        IssuanceRow.quantity,
        IssuanceRow.term_end,
        AssetClassRow.unit,
        AssetClassRow.scale,
        select(PartyRow.id).where(PartyRow.credit_code == bindparam("code")).scalar_subquery().label("owner"),
    )
    .join(AssetClassRow, AssetClassRow.code == IssuanceRow.asset_class)
    .where(IssuanceRow.id == bindparam("issuance"))
)
_HELD = select(BlockRow.state, BlockRow.first, BlockRow.last).where(
    BlockRow.issuance_id == bindparam("issuance"),
    BlockRow.owner_id == bindparam("owner"),
    BlockRow.last >= bindparam("first"),
    BlockRow.first <= bindparam("last"),
)
_PLEDGES = (
    select(
        PledgeRow.id,
        PledgeRow.bank_id,
        PledgeRow.rank,
        PledgeRow.quantity,
        PledgeRow.loan,
        PledgeRow.loan_term_end,
    )
    .where(
        PledgeRow.issuance_id == bindparam("issuance"),
        PledgeRow.owner_id == bindparam("owner"),
        PledgeRow.status == PledgeStatus.REGISTERED,
    )
    .order_by(PledgeRow.rank, PledgeRow.registered_at)
)
_FREEZES = (
    select(FreezeRow.id, FreezeRow.quantity)
    .where(
        FreezeRow.issuance_id == bindparam("issuance"),
        FreezeRow.owner_id == bindparam("owner"),
        FreezeRow.released_at.is_(None),
    )
    .order_by(FreezeRow.at)
)


class SerialsOutsideIssuance(InvalidInput):
    title = "Serials outside the issuance"
    template = "serials run from 1 to {size} in issuance {issuance}; {first}-{last} is not within them"


def answer(
    connection: Connection,
    actor: c.Actor,
    *,
    issuance_id: int,
    owner_credit_code: str,
    serials: tuple[int, int] | None,
    today: dt.date,
) -> dict[str, JSONValue]:
    actor.require(c.PartyKind.BANK, c.PartyKind.REGULATOR, write=False)
    code = validate_credit_code(owner_credit_code, field="owner_credit_code")
    issuance = connection.execute(_ISSUANCE, {"issuance": issuance_id, "code": code}).first()
    if issuance is None:
        return {"issuance": issuance_id, "exists": False, "as_of": today.isoformat()}
    first, last = serials or (1, issuance.quantity)
    if not 1 <= first <= last <= issuance.quantity:
        raise SerialsOutsideIssuance(
            "serials", size=issuance.quantity, issuance=issuance.id, first=first, last=last
        )
    owner: str | None = issuance.owner
    held = _held(connection, issuance.id, owner, first, last) if owner is not None else {}
    base: dict[str, JSONValue] = {
        "issuance": issuance.id,
        "exists": True,
        "serials": serial_of(
            issuance.asset_class, issuance.division, issuance.vintage, issuance.id, first=first, last=last
        ),
        "asset_class": issuance.asset_class,
        "unit": issuance.unit,
        "owner_credit_code": code,
        "owner_holds": bool(held),
        "as_of": today.isoformat(),
    }
    if owner is None or not held:
        return base
    scale: int = issuance.scale
    valuation = connection.execute(LATEST_VALID, {"issuance": issuance.id, "today": today}).first()
    return {
        **base,
        "owner": owner,
        "quantities": {state: str(Quantity(held.get(state, 0), scale)) for state in STATES},
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
        "liens": _liens(connection, issuance.id, owner, scale),
    }


def _held(connection: Connection, issuance_id: int, owner: str, first: int, last: int) -> dict[str, int]:
    """The owner's units within ``first``–``last``, by state."""
    blocks = connection.execute(
        _HELD, {"issuance": issuance_id, "owner": owner, "first": first, "last": last}
    )
    held: dict[str, int] = {}
    for state, start, end in blocks:
        overlap = min(end, last) - max(start, first) + 1
        held[state] = held.get(state, 0) + overlap
    return held


def _liens(connection: Connection, issuance_id: int, owner: str, scale: int) -> list[JSONValue]:
    """Registered pledges, by priority, then freezes in force."""
    whose = {"issuance": issuance_id, "owner": owner}
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
        for p in connection.execute(_PLEDGES, whose)
    ]
    liens += [
        {"kind": "freeze", "freeze": f.id, "quantity": str(Quantity(f.quantity, scale))}
        for f in connection.execute(_FREEZES, whose)
    ]
    return liens
