"""The storage-and-operation company's workplace (生态资源储蓄运营, 两山银行), and its depositors':
acquisition contracts (收储) offered by the operator — buy-out, lease, custody or co-operation — and
signed or declined by the depositor, with the payments made under it, the units under a mandate
listed by the operator for the depositor; the operator's inventory by right, with its county, city and
province roll-ups, cost and mark; and a package (资产包) of its rights listed at a fixed price or by
auction.

Every form is the API's own body (``ContractIn``, ``ListingIn``), checked by its schema, and every
action the API's use case through its runner.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import HOLDERS, reads, writes
from api.console import figures
from api.console.forms import (
    Done,
    Plain,
    SaleForm,
    StatusChoice,
    checked,
    in_cst,
    made_id,
    runner,
    sale_fields,
    status_of,
    whole_number,
)
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.controllers.contracts import AS_DEPOSITOR, AS_OPERATOR, DEPOSITORS, sell_as_asked
from api.platform import Platform
from api.schemas import ContractIn, ListingIn, PathId, SaleIn
from market import inventory, listings
from registry import context as c
from registry import contracts
from registry import events as ev
from registry.divisions import all_divisions
from registry.quantities import Money

OPERATOR = c.PartyKind.OPERATOR
DUE_DAYS = 90  # contracts falling due within, as the API's report counts them by default
PAYMENT_KINDS = {ev.ContractPaid.kind, ev.ContractProceeds.kind, ev.ContractDistributed.kind}
BAR_LENGTH = 400  # the chart's longest bar, in its viewBox
PICK, QUANTITY = "pick-", "quantity-"  # a package's lines: pick-N ticked, quantity-N its units


@dataclass(frozen=True)
class Offer:
    csrf_token: str
    form_key: str
    depositor: str
    issuance: str
    quantity: str
    mode: str
    term_start: str
    term_end: str
    price: str = ""
    annual_rent: str = ""
    minimum_dividend: str = ""


@get("/contracts", name="console-contracts", opt=reads(*HOLDERS))
async def contract_list(view: ViewDep, status: StatusChoice = None, done: Done = None) -> Template:
    """The party's contracts: an operator's offers and mandates, a depositor's offers to sign."""
    async with view.platform.database.reads() as session:
        chosen = status_of(contracts.ContractStatus, status)
        found = await contracts.of_party(session, view.actor, status=chosen)
        names = await figures.party_names(
            session, {p for x in found for p in (x.operator, x.depositor)}, view.actor
        )
        paid = await payments(session, view.platform, found)
    return view.render(
        "contracts.html", contracts=found, names=names, payments=paid, done=done, chosen=status or ""
    )


@dataclass(frozen=True, slots=True)
class Payment:
    """Money that moved under a contract, as its ledger entry says."""

    seq: int
    kind: str  # contract.paid | contract.proceeds | contract.distributed
    amount: str
    at: str


async def payments(
    session: AsyncSession, platform: Platform, found: list[contracts.Contract]
) -> dict[str, list[Payment]]:
    """Each contract's payments, oldest first: the yearly rent or minimum dividend and the end-of-term
    share (operator to depositor), the depositor's payment of the operator's part of a sale, the
    depositor's share of a package — read from the entries about the contracts' rights, which name both
    parties."""
    wanted = {x.id for x in found if x.status != contracts.ContractStatus.OFFERED}
    paid: dict[str, list[Payment]] = {}
    for issuance in sorted({x.issuance for x in found if x.id in wanted}):
        for seq, raw in await platform.ledger.about(session, issuance):
            entry = json.loads(raw)
            if entry["kind"] in PAYMENT_KINDS and entry["body"]["contract"] in wanted:
                payment = Payment(seq, entry["kind"], entry["body"]["amount"], entry["at"])
                paid.setdefault(entry["body"]["contract"], []).append(payment)
    return paid


@post("/contracts", name="console-offer", opt=writes(OPERATOR))
async def offer(view: ViewDep, data: Annotated[Offer, FORM]) -> Redirect:
    """Offer a depositor a contract, as ``POST /api/v1/contracts`` does."""
    fields: dict[str, Any] = {
        "depositor": data.depositor,
        "issuance": whole_number(data.issuance),
        "quantity": data.quantity,
        "mode": data.mode,
        "term_start": data.term_start,
        "term_end": data.term_end,
    }
    for money in ("price", "annual_rent", "minimum_dividend"):
        if value := getattr(data, money):
            fields[money] = value
    terms = contracts.Terms(**checked(ContractIn, fields).model_dump())
    answer = await runner(view, data.form_key)(
        lambda call: contracts.offer(call.work, call.actor, terms), status=201
    )
    return Redirect(f"/contracts?done={made_id(answer)}", status_code=303)


@post("/contracts/{contract_id:str}/sign", name="console-sign", opt=writes(*DEPOSITORS, subject=AS_DEPOSITOR))
async def sign(view: ViewDep, contract_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Sign as the depositor: a buy-out settles delivery versus payment at once, a mandate begins."""
    await runner(view)(lambda call: contracts.sign(call.work, call.actor, contract_id), status=200)
    return Redirect(f"/contracts?done={contract_id}", status_code=303)


@post(
    "/contracts/{contract_id:str}/decline",
    name="console-decline",
    opt=writes(*DEPOSITORS, subject=AS_DEPOSITOR),
)
async def decline(view: ViewDep, contract_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(lambda call: contracts.decline(call.work, call.actor, contract_id), status=200)
    return Redirect(f"/contracts?done={contract_id}", status_code=303)


@post(
    "/contracts/{contract_id:str}/sell",
    name="console-sell-mandate",
    opt=writes(OPERATOR, subject=AS_OPERATOR),
)
async def sell(view: ViewDep, contract_id: PathId, data: Annotated[SaleForm, FORM]) -> Redirect:
    """List the units under a mandate for their depositor, as ``POST /api/v1/contracts/{id}/sell``
    does (no lower than the contract's floor price); the listing's page follows."""
    terms = checked(SaleIn, sale_fields(data.mode, data.price, data.ends_at, data.deposit))
    answer = await sell_as_asked(runner(view), contract_id, terms)
    return Redirect(f"/listings/{made_id(answer)}", status_code=303)


@get("/inventory", name="console-inventory", opt=reads(OPERATOR))
async def inventory_page(view: ViewDep, listed: Done = None) -> Template:
    """The operator's inventory (as ``GET /api/v1/operators/{id}/inventory``), and the package form."""
    async with view.platform.database.reads() as session:
        report = await own_inventory(view, session)
        classes = await figures.class_names(session)
    return view.render(
        "inventory.html",
        report=report,
        bars=city_bars(report.rollups),
        classes=classes,
        divisions=all_divisions(),
        listed=listed,
        pick=PICK,
        quantity=QUANTITY,
    )


@dataclass(frozen=True, slots=True)
class Bar:
    """One city's market value in the inventory's chart, its bar's length scaled to the largest."""

    division: str
    value: Money
    length: int  # of BAR_LENGTH


def city_bars(rollups: list[inventory.Rollup]) -> list[Bar]:
    """Market value by city (地级市), every asset class together, largest first: the chart drawn on the
    server beside the roll-up's table."""
    by_city: dict[str, Money] = {}
    for roll in rollups:
        if roll.level == "city":
            by_city[roll.division] = by_city.get(roll.division, Money(0)) + Money.read(roll.market_value)
    largest = max((value.fen for value in by_city.values()), default=0)
    ranked = sorted(by_city.items(), key=lambda item: -item[1].fen)
    return [Bar(city, value, BAR_LENGTH * value.fen // largest if largest else 0) for city, value in ranked]


async def own_inventory(view: View, session: AsyncSession) -> inventory.Report:
    """The signed-in operator's inventory, as ``GET /api/v1/operators/{id}/inventory`` reports it."""
    return await inventory.report(
        session,
        view.platform.ledger,
        view.actor,
        view.actor.party_id,
        today=view.platform.now().date(),
        due_days=DUE_DAYS,
    )


@post("/inventory/packages", name="console-package", opt=writes(OPERATOR))
async def list_package(view: ViewDep, data: Annotated[dict[str, str], FORM]) -> Redirect:
    """List the ticked rights as one package (资产包), as ``POST /api/v1/listings`` does: the form's
    end time is read in China Standard Time."""
    items = [
        {"issuance": whole_number(name[len(PICK) :]), "quantity": data.get(QUANTITY + name[len(PICK) :], "")}
        for name in data
        if name.startswith(PICK)
    ]
    fields = {
        "items": items,
        "mode": data.get("mode", ""),
        "price": data.get("price", ""),
        "ends_at": in_cst(data.get("ends_at", "")),
    }
    asked = checked(ListingIn, fields)
    spec = listings.ListingSpec(
        items=tuple(listings.Item(i.issuance, i.quantity, i.contract) for i in asked.items),
        **asked.model_dump(exclude={"items"}),
    )
    answer = await runner(view, data.get("form_key"))(
        lambda call: listings.create(call.work, call.actor, spec, fees_bps=call.fees.bps), status=201
    )
    return Redirect(f"/inventory?listed={made_id(answer)}", status_code=303)
