"""Regulators: related-party links, market surveillance alerts, trade search with CSV export, and
the ledger audit on demand."""

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.schemas import LinkIn
from api.work import perform
from market import surveillance
from registry import context as c
from registry import relations
from registry.errors import InvalidInput
from settlement.audit import differences, stored_entries
from settlement.verify import VerificationFailed, verify


def _window(since: dt.datetime | None, until: dt.datetime | None) -> None:
    for field, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(field, "give a time zone, e.g. 2026-11-01T00:00:00+08:00")
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until", "the window must end after it starts")


class SupervisionController(Controller):
    path = "/api/v1/supervision"
    tags = ["supervision"]

    @post("/links", summary="Declare that two parties are related (regulator or registrar)")
    async def declare(
        self, request: Request[Any, Any, Any], data: JSONBody[LinkIn], services: ServicesDep, actor: ActorDep
    ) -> Response[relations.Link]:
        return await perform(
            request,
            services,
            actor,
            lambda work: relations.declare(
                work, actor, party_a=data.party_a, party_b=data.party_b, kind=data.kind
            ),
        )

    @get("/links", summary="Declared related-party links")
    async def links(self, services: ServicesDep, actor: ActorDep) -> list[relations.Link]:
        actor.require(c.REGULATOR, c.REGISTRAR, write=False)
        async with services.database.reads() as session:
            return await relations.links(session)

    @get("/alerts", summary="Wash, circular, price and concentration alerts over a window")
    async def alerts(
        self,
        services: ServicesDep,
        actor: ActorDep,
        since: FromQuery[dt.datetime | None] = None,
        until: FromQuery[dt.datetime | None] = None,
        tolerance_bps: FromQuery[int] = 1000,
    ) -> list[surveillance.Alert]:
        actor.require(c.REGULATOR, write=False)
        _window(since, until)
        if not 1 <= tolerance_bps <= 10_000:
            raise InvalidInput("tolerance_bps", "the tolerance is 1 to 10000 basis points")
        async with services.database.reads() as session:
            history = await surveillance.trades(session, services.ledger, until=until)
            window = [t for t in history if since is None or t.at >= since]
            groups = relations.groups(await relations.links(session))
            bands = await surveillance.references(session)
            lots = await surveillance.lot_concentration(session, since=since, until=until)
        return [*surveillance.analyse(window, history, groups, bands, tolerance_bps=tolerance_bps), *lots]

    @get("/trades", summary="Settled trades, filtered; ?format=csv for a spreadsheet")
    async def trades(
        self,
        services: ServicesDep,
        actor: ActorDep,
        since: FromQuery[dt.datetime | None] = None,
        until: FromQuery[dt.datetime | None] = None,
        party: FromQuery[str | None] = None,
        market: FromQuery[str | None] = None,
        format: FromQuery[str] = "json",  # noqa: A002  (the query parameter's name)
    ) -> Response[Any]:
        actor.require(c.REGULATOR, write=False)
        _window(since, until)
        if format not in ("json", "csv"):
            raise InvalidInput("format", "format is json or csv")
        async with services.database.reads() as session:
            found = await surveillance.trades(
                session, services.ledger, since=since, until=until, party=party, market=market
            )
        if format == "json":
            return Response([dataclasses.asdict(t) for t in found])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([f.name for f in dataclasses.fields(surveillance.TradeRecord)])
        writer.writerows(dataclasses.astuple(t) for t in found)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="trades.csv"'},
        )

    @get("/audit", summary="Verify the stored ledger end to end and replay it against the database")
    async def audit(self, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
        actor.require(c.REGULATOR, c.REGISTRAR, write=False)
        async with services.database.reads() as session:
            note = await services.ledger.checkpoint(session)
            size = int(note.split("\n")[1])
            raw = [line async for line in stored_entries(session, services.ledger, size)]
            try:  # one read and one replay serve both the verification and the audit
                found = await differences(session, verify(raw, note, services.ledger.verifier_key).state)
                verification = "ok: canonical, chained, root and signature match, replays"
            except VerificationFailed as exc:
                found, verification = [f"the ledger does not verify: {exc}"], f"FAILED: {exc}"
        return {
            "ledger_size": size,
            "checkpoint": note,
            "verification": verification,
            "replay_differences": found,
        }
