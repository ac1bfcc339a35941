"""The console's spreadsheet downloads: a party's holdings, its statement of unit movements and its
fills, and an operator's inventory, as CSV in UTF-8 with a byte order mark (``api.spreadsheets``), so
that spreadsheet programs on Chinese Windows read the names. Each reads what the API's own read
serves the same user; a download holds at most ``ROWS`` rows, the oldest first."""

from litestar import Response, get

from api.access import HOLDERS, reads
from api.console.operations import own_inventory
from api.console.view import View, ViewDep
from api.spreadsheets import as_csv
from market import data, inventory
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
