"""``/supervision``: related-party links, trade search with CSV export, and the ledger audit on demand
(regulators); surveillance cases are at ``/supervision/cases`` (``api.controllers.cases``)."""

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, QueryParameter

from api.access import SUPERVISORS, reads, writes
from api.openapi import offers_csv
from api.platform import PlatformDep
from api.schemas import Format, LinkIn, QueryId
from api.spreadsheets import as_csv
from api.work import ActDep
from market import audit as market_audit
from market import surveillance
from registry import context as c
from registry import relations
from registry.errors import InvalidInput

Since = Annotated[dt.datetime | None, QueryParameter(description="RFC 3339, with its time zone")]
Until = Annotated[dt.datetime | None, QueryParameter(description="RFC 3339, with its time zone; excluded")]


class NaiveTime(InvalidInput):
    title = "Time without a zone"
    template = "give a time zone, e.g. 2026-11-01T00:00:00+08:00"


class EmptyWindow(InvalidInput):
    title = "Empty window"
    template = "the window must end after it starts"


def _window(since: dt.datetime | None, until: dt.datetime | None) -> None:
    for field, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise NaiveTime(field)
    if since is not None and until is not None and until <= since:
        raise EmptyWindow("until")


class SupervisionController(Controller):
    path = "/api/v1/supervision"
    tags = ["supervision"]

    @post(
        "/links",
        summary="Declare that two parties are related (regulator or registrar)",
        opt=writes(*SUPERVISORS),
    )
    async def declare(self, data: JSONBody[LinkIn], act: ActDep) -> Response[relations.Link]:
        return await act(
            lambda call: relations.declare(
                call.work, call.actor, party_a=data.party_a, party_b=data.party_b, kind=data.kind
            )
        )

    @get("/links", summary="Declared related-party links (regulator or registrar)", opt=reads(*SUPERVISORS))
    async def links(self, platform: PlatformDep) -> list[relations.Link]:
        async with platform.database.reads() as session:
            return await relations.links(session)

    @get(
        "/trades",
        summary="Settled trades, filtered; ?format=csv for a spreadsheet",
        opt={**reads(c.PartyKind.REGULATOR), **offers_csv()},
    )
    async def trades(
        self,
        platform: PlatformDep,
        since: Since = None,
        until: Until = None,
        party: QueryId = None,
        market: QueryId = None,
        format: Format = "json",  # noqa: A002  (the query parameter's name)
    ) -> Response[list[surveillance.TradeRecord]] | Response[str]:
        _window(since, until)
        async with platform.database.reads() as session:
            found = await surveillance.trades(
                session, platform.ledger, since=since, until=until, party=party, market=market
            )
        if format == "json":
            return Response(found)
        return as_csv(found, surveillance.TradeRecord, "trades.csv")

    @get(
        "/audit",
        summary="Verify the stored ledger end to end and replay it against the database",
        opt=reads(*SUPERVISORS),
    )
    async def audit(self, platform: PlatformDep) -> dict[str, Any]:
        async with platform.database.reads() as session:
            return asdict(await market_audit.report(session, platform.ledger))
