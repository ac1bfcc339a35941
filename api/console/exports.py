"""The console's spreadsheet downloads: a party's holdings, its statement of unit movements and its
fills, an operator's inventory and the regulators' surveillance alerts (cases), as CSV in UTF-8 with
a byte order mark (``api.spreadsheets``), so that spreadsheet programs on Chinese Windows read the
names. Each reads what the API's own read serves the same user; a download holds at most ``ROWS``
rows, the oldest first."""

import datetime as dt
from dataclasses import dataclass

from litestar import Response, get

from api.access import HOLDERS, reads
from api.console.operations import own_inventory
from api.console.view import View, ViewDep
from api.spreadsheets import as_csv
from market import cases, data, inventory
from registry import context as c
from registry import holdings

ROWS = 10_000


def _named(view: View, what: str) -> str:
    return f"{what}-{view.platform.now().date().isoformat()}.csv"


@get("/holdings.csv", name="console-holdings-csv", opt=reads(*HOLDERS))
async def holdings_csv(view: ViewDep) -> Response[str]:
    async with view.platform.database.reads() as session:
        found = await holdings.holdings(session, view.actor, view.actor.party_id)
    return as_csv(found, holdings.Holding, _named(view, "holdings"), bom=True)


@get("/statement.csv", name="console-statement-csv", opt=reads(*HOLDERS))
async def statement_csv(view: ViewDep) -> Response[str]:
    async with view.platform.database.reads() as session:
        found = await holdings.statement(
            session, view.actor, view.actor.party_id, issuance_id=None, after=None, limit=ROWS
        )
    return as_csv(found, holdings.StatementLine, _named(view, "statement"), bom=True)


@get("/trade/fills.csv", name="console-fills-csv", opt=reads(*HOLDERS))
async def fills_csv(view: ViewDep) -> Response[str]:
    async with view.platform.database.reads() as session:
        found = await data.own_fills(session, view.actor, after=None, limit=ROWS)
    return as_csv(found, data.OwnFill, _named(view, "fills"), bom=True)


@get("/inventory.csv", name="console-inventory-csv", opt=reads(c.PartyKind.OPERATOR))
async def inventory_csv(view: ViewDep) -> Response[str]:
    async with view.platform.database.reads() as session:
        report = await own_inventory(view, session)
    return as_csv(report.lines, inventory.Line, _named(view, "inventory"), bom=True)


@dataclass(frozen=True, slots=True)
class Alert:
    """A surveillance case as a spreadsheet row: its trades and parties listed in their cells."""

    case: int
    kind: str
    severity: str
    status: str
    market: str
    detail: str
    opened_at: dt.datetime
    trades: list[str]
    parties: list[str]
    closed_at: dt.datetime | None
    note: str | None


@get("/cases.csv", name="console-cases-csv", opt=reads(c.PartyKind.REGULATOR))
async def alerts_csv(view: ViewDep) -> Response[str]:
    """Every surveillance case, oldest first, as the cases page shows them: a regulator's worklist to
    keep or pass on."""
    async with view.platform.database.reads() as session:
        found = await cases.list_cases(session, status=None, kind=None, market=None, after=None, limit=ROWS)
    rows = [
        Alert(
            case.id,
            case.kind,
            case.severity,
            case.status,
            case.symbol or case.market,
            case.detail,
            case.opened_at,
            [_traded(trade) for trade in case.trades],
            [f"{party.name} {party.id}" for party in case.parties],
            case.closed.at if case.closed else None,
            case.note,
        )
        for case in found
    ]
    return as_csv(rows, Alert, _named(view, "alerts"), bom=True)


def _traded(trade: cases.CaseTrade) -> str:
    parties = f"{trade.seller.name} → {trade.buyer.name}"
    return f"{trade.trade} {trade.at.isoformat()} {parties} {trade.quantity} @ {trade.price}"
