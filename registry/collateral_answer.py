"""What a bank is told when it verifies collateral: does the right exist, does the claimed owner hold
it, how much of the owner's holding is free, pledged, frozen, reserved or retired, when its term
ends, its latest valid valuation, and the liens on it with their priority.

The answer is plain JSON values (decimal strings, ids, ISO dates) so that settlement can sign it as
it is. It is given to a bank only about an owner that let it ask (``registry.consents``, checked by
the attestor before any answer is read or remembered); an owner that does not hold the right it
consented about is told so and nothing more.

It is read on a ``Connection`` (synchronous: the attestor reads it with the rest of its evidence as
one call, see ``api.database``) by two statements built once: the right (the issuance with its
asset class, the owner, the owner's blocks and the latest valid valuation), then its liens.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Connection,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from registry import blocks as b
from registry import context as c
from registry.errors import InvalidInput
from registry.events import JSONValue
from registry.identifiers import validate_credit_code
from registry.pledges import PledgeStatus
from registry.quantities import Money, Quantity
from registry.rights import serial_of
from registry.tables import (
    AssetClassRow,
    BlockRow,
    FreezeRow,
    IssuanceRow,
    PartyRow,
    PledgeRow,
    ValuationRow,
)
from registry.valuations import LATEST_VALID

STATES = (b.ACTIVE, b.PLEDGED, b.FROZEN, b.RESERVED, b.RETIRED, b.EXPIRED, b.CANCELLED)

_OWNER = select(PartyRow.id).where(PartyRow.credit_code == bindparam("code")).scalar_subquery()
# The issuance with its asset class, the owner, the latest valid valuation and the owner's blocks
# within the serials asked about (all of the issuance when none were): one row per block, or one
# row without a block; none when there is no such issuance.
_RIGHT = (
    select(
        IssuanceRow.id,
        IssuanceRow.asset_class,
        IssuanceRow.division,
        IssuanceRow.vintage,
        IssuanceRow.quantity,
        IssuanceRow.term_end,
        AssetClassRow.unit,
        AssetClassRow.scale,
        _OWNER.label("owner"),
        ValuationRow.id.label("valuation"),
        ValuationRow.value,
        ValuationRow.method,
        ValuationRow.appraiser_credit_code,
        ValuationRow.valued_on,
        ValuationRow.valid_until,
        BlockRow.state,
        BlockRow.first,
        BlockRow.last,
    )
    .join(AssetClassRow, AssetClassRow.code == IssuanceRow.asset_class)
    .outerjoin(
        ValuationRow, ValuationRow.id == LATEST_VALID.with_only_columns(ValuationRow.id).scalar_subquery()
    )
    .outerjoin(
        BlockRow,
        and_(
            BlockRow.issuance_id == IssuanceRow.id,
            BlockRow.owner_id == _OWNER,
            BlockRow.last >= func.coalesce(bindparam("first", type_=BigInteger), 1),
            BlockRow.first <= func.coalesce(bindparam("last", type_=BigInteger), IssuanceRow.quantity),
        ),
    )
    .where(IssuanceRow.id == bindparam("issuance"))
)
# Registered pledges by priority, then freezes in force: the liens on the owner's holding
_LIENS: CompoundSelect[*tuple[Any, ...]] = union_all(
    select(
        literal_column("0").label("freeze"),
        PledgeRow.id,
        PledgeRow.bank_id,
        PledgeRow.rank,
        PledgeRow.quantity,
        PledgeRow.loan,
        PledgeRow.loan_term_end,
        PledgeRow.registered_at.label("at"),
    ).where(
        PledgeRow.issuance_id == bindparam("issuance"),
        PledgeRow.owner_id == bindparam("owner"),
        PledgeRow.status == PledgeStatus.REGISTERED,
    ),
    select(
        literal_column("1"),
        FreezeRow.id,
        null(),
        null(),
        FreezeRow.quantity,
        null(),
        null(),
        FreezeRow.at,
    ).where(
        FreezeRow.issuance_id == bindparam("issuance"),
        FreezeRow.owner_id == bindparam("owner"),
        FreezeRow.released_at.is_(None),
    ),
).order_by("freeze", "rank", "at")


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
    first, last = serials or (None, None)
    rows = connection.execute(
        _RIGHT, {"issuance": issuance_id, "code": code, "today": today, "first": first, "last": last}
    ).all()
    if not rows:
        return {"issuance": issuance_id, "exists": False, "as_of": today.isoformat()}
    issuance = rows[0]
    first, last = serials or (1, issuance.quantity)
    if not 1 <= first <= last <= issuance.quantity:
        raise SerialsOutsideIssuance(
            "serials", size=issuance.quantity, issuance=issuance.id, first=first, last=last
        )
    owner: str | None = issuance.owner
    held: dict[str, int] = {}
    for row in rows:
        if row.state is not None:
            overlap = min(row.last, last) - max(row.first, first) + 1
            held[row.state] = held.get(row.state, 0) + overlap
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
    return {
        **base,
        "owner": owner,
        "quantities": {state: str(Quantity(held.get(state, 0), scale)) for state in STATES},
        "term_end": None if issuance.term_end is None else issuance.term_end.isoformat(),
        "valuation": None
        if issuance.valuation is None
        else {
            "valuation": issuance.valuation,
            "value": str(Money(issuance.value)),
            "currency": "CNY",
            "method": issuance.method,
            "appraiser_credit_code": issuance.appraiser_credit_code,
            "valued_on": issuance.valued_on.isoformat(),
            "valid_until": issuance.valid_until.isoformat(),
        },
        "liens": _liens(connection, issuance.id, owner, scale),
    }


def _liens(connection: Connection, issuance_id: int, owner: str, scale: int) -> list[JSONValue]:
    """Registered pledges, by priority, then freezes in force."""
    return [
        {"kind": "freeze", "freeze": lien.id, "quantity": str(Quantity(lien.quantity, scale))}
        if lien.freeze
        else {
            "kind": "pledge",
            "pledge": lien.id,
            "bank": lien.bank_id,
            "rank": lien.rank,
            "quantity": str(Quantity(lien.quantity, scale)),
            "loan": str(Money(lien.loan)),
            "loan_term_end": lien.loan_term_end.isoformat(),
        }
        for lien in connection.execute(_LIENS, {"issuance": issuance_id, "owner": owner})
    ]
