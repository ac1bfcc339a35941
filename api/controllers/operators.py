"""``/operators``: an operator's (两山银行) inventory report, with CSV export."""

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from api.access import SUPERVISORS, ActorDep, party_to, reads
from api.openapi import offers_csv
from api.platform import PlatformDep
from api.schemas import Format, PathId
from api.spreadsheets import as_csv
from market import inventory
from registry import context as c


class InventoryController(Controller):
    path = "/api/v1/operators"
    tags = ["operators"]

    @get(
        "/{operator:str}/inventory",
        summary="Holdings and mandates by kind, county and vintage; cost, mark, encumbrances, contracts due",
        description="The operator itself and regulators; `?format=csv` for a spreadsheet.",
        opt={
            **reads(
                c.PartyKind.OPERATOR,
                *SUPERVISORS,
                subject=party_to("party", "operator", "self", supervisors=True),
            ),
            **offers_csv(),
        },
    )
    async def report(
        self,
        operator: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        due_days: Annotated[
            int, QueryParameter(ge=0, le=3650, description="contracts falling due within")
        ] = 90,
        format: Format = "json",  # noqa: A002  (the query parameter's name)
    ) -> Response[inventory.Report] | Response[str]:
        async with platform.database.reads() as session:
            found = await inventory.report(
                session, platform.ledger, actor, operator, today=platform.now().date(), due_days=due_days
            )
        if format == "json":
            return Response(found)
        return as_csv(found.lines, inventory.Line, "inventory.csv")
