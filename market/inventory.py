"""An operator's (两山银行) inventory: what it owns and what it holds under mandate, by kind, county and
vintage — with cost basis, a mark to market, encumbrances and contracts falling due — rolled up
county → city → province (三级), for the operator and its regulators.

Cost basis is what the operator paid: buy-out prices and the value of trades it bought in (a
package's price is not split among its rights, so packages bought are left out of cost). The mark
is the instrument's last trade price, else the latest valid valuation of the right, pro rata.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market import data, surveillance
from market.errors import NotTheOperator, UnknownOperator
from market.pricing import term_of, trade_value, years_left
from registry import blocks as b
from registry import context as c
from registry import contracts
from registry.assets import get_asset_class
from registry.quantities import Money, Quantity
from registry.tables import BlockRow, ContractRow, IssuanceRow, PartyRow
from registry.valuations import latest_valid
from settlement.ledger import Ledger

ENCUMBERED = (b.PLEDGED, b.FROZEN, b.RESERVED)


@dataclass(frozen=True, slots=True)
class Line:
    issuance: int
    asset_class: str
    unit: str
    county: str
    vintage: int
    owned: str
    mandated: str  # a depositor's units the operator may sell under a contract
    encumbered: str  # of those owned: pledged, frozen or reserved
    cost: str
    market_value: str
    marked_by: str  # last trade, valuation, or none


@dataclass(frozen=True, slots=True)
class Rollup:
    level: str  # county, city, province
    division: str
    asset_class: str
    owned: str
    mandated: str
    cost: str
    market_value: str


@dataclass(frozen=True, slots=True)
class Report:
    operator: str
    as_of: dt.date
    lines: list[Line]
    rollups: list[Rollup]
    contracts_due: list[contracts.Contract]


@dataclass(frozen=True, slots=True)
class _Figures:
    """A line's figures as values: rollups add these, never the strings written out."""

    owned: Quantity
    mandated: Quantity
    cost: Money
    market_value: Money

    def __add__(self, other: "_Figures") -> "_Figures":
        return _Figures(
            self.owned + other.owned,
            self.mandated + other.mandated,
            self.cost + other.cost,
            self.market_value + other.market_value,
        )


@dataclass
class _Position:
    issuance: IssuanceRow
    owned: int = 0
    mandated: int = 0
    encumbered: int = 0


async def report(
    session: AsyncSession, ledger: Ledger, actor: c.Actor, operator: str, *, today: dt.date, due_days: int
) -> Report:
    if not (actor.party_id == operator or actor.supervises):
        raise NotTheOperator("operator")
    party = await session.get(PartyRow, operator)
    if party is None or party.kind != c.PartyKind.OPERATOR:
        raise UnknownOperator("operator", operator=operator)
    positions = await _positions(session, operator)
    costs = await _costs(session, ledger, operator)
    priced = [await _line(session, p, costs.get(p.issuance.id, 0), today) for p in positions.values()]
    due = select(ContractRow).where(
        ContractRow.operator_id == operator,
        ContractRow.status == contracts.ContractStatus.ACTIVE,
        ContractRow.mode != contracts.ContractMode.BUYOUT,  # settled at signing: nothing falls due
        ContractRow.term_end <= today + dt.timedelta(days=due_days),
    )
    falling_due = [await contracts.view(session, row) for row in (await session.execute(due)).scalars()]
    return Report(operator, today, [line for line, _ in priced], _rollups(priced), falling_due)


async def _positions(session: AsyncSession, operator: str) -> dict[int, _Position]:
    positions: dict[int, _Position] = {}
    owned = select(BlockRow, IssuanceRow).join(IssuanceRow, IssuanceRow.id == BlockRow.issuance_id)
    for block, issuance in (await session.execute(owned.where(BlockRow.owner_id == operator))).all():
        if block.state in (b.RETIRED, b.CANCELLED, b.EXPIRED):
            continue
        position = positions.setdefault(issuance.id, _Position(issuance))
        quantity = block.last - block.first + 1
        position.owned += quantity
        position.encumbered += quantity if block.state in ENCUMBERED else 0
    mandates = select(ContractRow, IssuanceRow).join(IssuanceRow, IssuanceRow.id == ContractRow.issuance_id)
    mandates = mandates.where(
        ContractRow.operator_id == operator,
        ContractRow.status == contracts.ContractStatus.ACTIVE,
        ContractRow.mode != contracts.ContractMode.BUYOUT,
    )
    for contract, issuance in (await session.execute(mandates)).all():
        positions.setdefault(issuance.id, _Position(issuance)).mandated += contract.quantity
    return positions


async def _costs(session: AsyncSession, ledger: Ledger, operator: str) -> dict[int, int]:
    costs: dict[int, int] = defaultdict(int)
    buyouts = select(ContractRow).where(
        ContractRow.operator_id == operator,
        ContractRow.mode == contracts.ContractMode.BUYOUT,
        ContractRow.status == contracts.ContractStatus.ACTIVE,
    )
    for row in (await session.execute(buyouts)).scalars():
        costs[row.issuance_id] += row.price
    for trade in await surveillance.trades(session, ledger, party=operator):
        if trade.buyer == operator and trade.price is not None:
            costs[trade.issuance] += Money.read(trade.value).fen
    return costs


async def _line(
    session: AsyncSession, position: _Position, cost: int, today: dt.date
) -> tuple[Line, _Figures]:
    issuance = position.issuance
    cls = await get_asset_class(session, issuance.asset_class)
    held = position.owned + position.mandated
    value, marked_by = 0, "none"
    last = await data.last_price(session, issuance.instrument_id) if issuance.instrument_id else None
    if last is not None:
        years = years_left(term_of(cls.price_basis, issuance.attributes), today)  # none once over
        value = trade_value(last, held, cls.scale, years)
        marked_by = "last trade"
    else:
        valuation = await latest_valid(session, issuance.id, today)
        if valuation is not None:
            value, marked_by = int(Fraction(valuation.value * held, issuance.quantity)), "valuation"
    figures = _Figures(
        Quantity(position.owned, cls.scale), Quantity(position.mandated, cls.scale), Money(cost), Money(value)
    )
    line = Line(
        issuance.id,
        cls.code,
        cls.unit,
        issuance.division,
        issuance.vintage,
        str(figures.owned),
        str(figures.mandated),
        str(Quantity(position.encumbered, cls.scale)),
        str(figures.cost),
        str(figures.market_value),
        marked_by,
    )
    return line, figures


def _rollups(priced: list[tuple[Line, _Figures]]) -> list[Rollup]:
    """Sums per asset class at each level: county, its city (GB/T 2260 ``xxxx00``), the province."""
    totals: dict[tuple[str, str, str], _Figures] = {}
    for line, figures in priced:
        for level, division in (
            ("county", line.county),
            ("city", line.county[:4] + "00"),
            ("province", line.county[:2] + "0000"),
        ):
            key = (level, division, line.asset_class)
            totals[key] = totals[key] + figures if key in totals else figures
    order = {"county": 0, "city": 1, "province": 2}
    return [
        Rollup(
            level,
            division,
            asset_class,
            str(sums.owned),
            str(sums.mandated),
            str(sums.cost),
            str(sums.market_value),
        )
        for (level, division, asset_class), sums in sorted(
            totals.items(), key=lambda item: (order[item[0][0]], item[0][1:])
        )
    ]
