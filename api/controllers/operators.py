"""Operators (两山银行): acquisition contracts with depositors, sales under mandate, and the inventory
report (with CSV export)."""

import csv
import dataclasses
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import ActorDep, ServicesDep
from api.schemas import ContractIn, SaleIn
from api.work import perform
from market import inventory, listings
from registry import contracts
from registry.errors import InvalidInput


class ContractController(Controller):
    path = "/api/v1/contracts"
    tags = ["operators"]

    @post("", summary="Offer a depositor an acquisition contract: buy-out, lease, custody or co-operation")
    async def offer(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ContractIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[contracts.Contract]:
        terms = contracts.Terms(**data.model_dump())
        return await perform(request, services, actor, lambda work: contracts.offer(work, actor, terms))

    @get("", summary="Contracts your party offered or signed (regulators: all), by status")
    async def list_contracts(
        self, services: ServicesDep, actor: ActorDep, status: FromQuery[str | None] = None
    ) -> list[contracts.Contract]:
        async with services.database.reads() as session:
            return await contracts.of_party(session, actor, status=status)

    @post("/{contract_id:str}/sign", summary="Sign as the depositor: a buy-out settles DvP, a mandate begins")
    async def sign(
        self,
        request: Request[Any, Any, Any],
        contract_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[contracts.Contract]:
        return await perform(
            request, services, actor, lambda work: contracts.sign(work, actor, contract_id), status=200
        )

    @post("/{contract_id:str}/decline", summary="Decline as the depositor")
    async def decline(
        self,
        request: Request[Any, Any, Any],
        contract_id: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[contracts.Contract]:
        return await perform(
            request, services, actor, lambda work: contracts.decline(work, actor, contract_id), status=200
        )

    @post("/{contract_id:str}/sell", summary="List the units under your mandate for the depositor (operator)")
    async def sell(
        self,
        request: Request[Any, Any, Any],
        contract_id: FromPath[str],
        data: JSONBody[SaleIn],
        services: ServicesDep,
        actor: ActorDep,
    ) -> Response[listings.Listing]:
        spec = listings.ListingSpec(items=(), **data.model_dump())
        return await perform(
            request, services, actor, lambda work: listings.sale_under_mandate(work, actor, contract_id, spec)
        )


class InventoryController(Controller):
    path = "/api/v1/operators"
    tags = ["operators"]

    @get(
        "/{operator:str}/inventory",
        summary="Holdings and mandates by kind, county and vintage; cost, mark, encumbrances, contracts due",
    )
    async def inventory(
        self,
        operator: FromPath[str],
        services: ServicesDep,
        actor: ActorDep,
        due_days: FromQuery[int] = 90,
        format: FromQuery[str] = "json",  # noqa: A002  (the query parameter's name)
    ) -> Response[Any]:
        if not 0 <= due_days <= 3650:
            raise InvalidInput("due_days", "due_days is 0 to 3650")
        if format not in ("json", "csv"):
            raise InvalidInput("format", "format is json or csv")
        async with services.database.reads() as session:
            found = await inventory.report(
                session, services.ledger, actor, operator, today=services.now().date(), due_days=due_days
            )
        if format == "json":
            return Response(found)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([f.name for f in dataclasses.fields(inventory.Line)])
        writer.writerows(dataclasses.astuple(line) for line in found.lines)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="inventory.csv"'},
        )
