"""The holder's workplace (enterprises, village collectives, persons and 两山银行 operators): what the
party holds, with serial ranges and how it came by them, and its cash with what is reserved; the
order ticket, which shows what an order comes to (years, value, fee, cash held) before it is sent;
open orders, with cancel; fills, each with its printable trade confirmation (``api.console.documents``).

Reads go through the API's read calls; orders go through the sequencer by the API's own runner
(``api.work.Act``), their form's one-time key standing for the Idempotency-Key header, so a form sent
twice (a double click, a reload) enters one order.
"""

from dataclasses import asdict, dataclass
from typing import Annotated

from litestar import get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from pydantic import ValidationError

from api.access import HOLDERS, reads, writes
from api.console import figures
from api.console.forms import Done, Plain, as_problems, made_id, runner
from api.console.problems import Shown, invalid, shown
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.controllers.orders import OWN_ORDER
from api.paging import Cursor, after_int, page
from api.schemas import IssuancePath, OrderIn, PathId
from market import data, orders, quotes
from market.tables import OrderStatus, Side
from registry import cash, holdings
from registry.errors import RegistryError

FILLS_PAGE = 20
OPEN_SHOWN = 100
LEVELS = 5
Choice = Annotated[str | None, QueryParameter(max_length=36, description="an instrument's id")]
Figure = Annotated[str | None, QueryParameter(max_length=32, description="a decimal, as the API takes it")]
SideChoice = Annotated[str | None, QueryParameter(max_length=4, description="buy or sell")]


@dataclass(frozen=True)
class OrderForm:
    csrf_token: str
    form_key: str  # the form's one-time key: its Idempotency-Key
    instrument: str
    side: str
    quantity: str
    price: str = ""
    time_in_force: str = "GTC"


@get("/holdings", name="console-holdings", opt=reads(*HOLDERS))
async def holdings_page(view: ViewDep) -> Template:
    actor = view.actor
    async with view.platform.database.reads() as session:
        held = await holdings.holdings(session, actor, actor.party_id)
        account = await cash.account(session, actor, actor.party_id)
        classes = await figures.class_names(session)
    return view.render("holdings.html", holdings=held, account=account, classes=classes)


@get("/holdings/{issuance_id:int}", name="console-provenance", opt=reads(*HOLDERS))
async def provenance(view: ViewDep, issuance_id: IssuancePath, cursor: Cursor = None) -> Template:
    """How the party came by its units of one right and what has moved since, oldest first, with the
    other side by name: the right's lines of ``GET /api/v1/parties/{id}/statement``."""
    actor = view.actor
    async with view.platform.database.reads() as session:
        lines = await holdings.statement(
            session, actor, actor.party_id, issuance_id=issuance_id, after=after_int(cursor), limit=FILLS_PAGE
        )
        names = await figures.party_names(session, {x.counterparty for x in lines if x.counterparty}, actor)
    listed = page(lines, FILLS_PAGE, lambda line: line.id)
    return view.render(
        "provenance.html", issuance=issuance_id, lines=listed.items, following=listed.next_cursor, names=names
    )


@get("/trade", name="console-trade", opt=reads(*HOLDERS))
async def trade(
    view: ViewDep,
    instrument: Choice = None,
    cursor: Cursor = None,
    placed: Done = None,
    cancelled: Done = None,
) -> Template:
    return await _trade_page(view, instrument, cursor, placed=placed, cancelled=cancelled)


@get("/trade/quote", name="console-quote", opt=reads(*HOLDERS))
async def quote(
    view: ViewDep,
    instrument: Choice = None,
    side: SideChoice = None,
    quantity: Figure = None,
    price: Figure = None,
) -> Template:
    """What the ticket's order would come to, as ``GET /api/v1/market/{instrument}/quote`` says: an htmx
    fragment under the ticket, redrawn as it is filled in (nothing until it can be priced)."""
    found, problem = None, None
    if instrument and side in (Side.BUY, Side.SELL) and quantity and price:
        try:
            async with view.platform.database.reads() as session:
                found = await quotes.quote(
                    session,
                    instrument,
                    side=Side(side),
                    price=price,
                    quantity=quantity,
                    bps=view.platform.fee_bps,
                    now=view.platform.now(),
                )
        except RegistryError as refused:
            problem = shown(view.request, refused, view.locale)
    return view.render("_quote.html", quote=found, problem=problem)


@post("/trade/orders", name="console-order", opt=writes(*HOLDERS))
async def enter_order(view: ViewDep, data: Annotated[OrderForm, FORM]) -> Template | Redirect:
    """Enter the ticket's order through the sequencer, as ``POST /api/v1/orders`` does; then back to
    the ticket (POST, redirect, GET), or the ticket again with the refusal beside its field."""
    fields = {"instrument": data.instrument, "side": data.side, "quantity": data.quantity}
    fields |= {"time_in_force": data.time_in_force} | ({"price": data.price} if data.price else {})
    try:
        checked = OrderIn.model_validate(fields)
    except ValidationError as refused:
        problem = invalid(as_problems(refused), view.locale)
        return await _trade_page(view, data.instrument, None, form=data, problem=problem)
    entry = orders.Entry(
        side=checked.side, quantity=checked.quantity, price=checked.price, time_in_force=checked.time_in_force
    )
    try:
        answer = await runner(view, data.form_key).on_book(
            checked.instrument,
            lambda call, market: orders.submit(call.work, market, call.actor, entry, fees=call.fees),
        )
    except RegistryError as refused:
        problem = shown(view.request, refused, view.locale)
        return await _trade_page(view, data.instrument, None, form=data, problem=problem)
    return Redirect(f"/trade?instrument={checked.instrument}&placed={made_id(answer)}", status_code=303)


@post("/trade/orders/{order_id:str}/cancel", name="console-cancel", opt=writes(*HOLDERS, subject=OWN_ORDER))
async def cancel_order(view: ViewDep, order_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Cancel what is left of an order, as ``POST /api/v1/orders/{id}/cancel`` does."""
    actor = view.actor
    async with view.platform.database.reads() as session:
        instrument = (await orders.owned_order(session, actor, order_id)).instrument_id
    await runner(view).on_book(
        instrument,
        lambda call, market: orders.cancel(call.work, market, call.actor, order_id, fees=call.fees),
    )
    return Redirect(f"/trade?instrument={instrument}&cancelled={order_id}", status_code=303)


async def _trade_page(
    view: View,
    instrument: str | None,
    cursor: str | None,
    *,
    form: OrderForm | None = None,
    problem: Shown | None = None,
    placed: str | None = None,
    cancelled: str | None = None,
) -> Template:
    """The ticket, the chosen book's depth, the party's cash, open orders and fills."""
    actor, platform = view.actor, view.platform
    async with platform.database.reads() as session:
        markets = await data.markets(session, platform.exchange, None)
        chosen = next((m for m in markets if m.instrument == instrument), markets[0] if markets else None)
        depth = (
            data.published_depth(platform.exchange, chosen.instrument, LEVELS)
            or await data.depth(session, chosen.instrument, LEVELS)
            if chosen
            else None
        )
        open_orders = await orders.list_orders(
            session,
            actor,
            status=OrderStatus.OPEN,
            after=None,
            limit=OPEN_SHOWN,
            bps=platform.fee_bps,
            now=platform.now(),
        )
        found = await data.own_fills(session, actor, after=after_int(cursor), limit=FILLS_PAGE)
        account = await cash.account(session, actor, actor.party_id)
        classes = await figures.class_names(session)
    fills = page(found, FILLS_PAGE, lambda fill: fill.id)
    return view.render(
        "trade.html",
        problem.status if problem else 200,
        markets=markets,
        symbols={m.instrument: m.symbol for m in markets},
        classes=classes,
        chosen=chosen,
        depth=depth,
        open_orders=open_orders,
        fills=fills.items,
        following=fills.next_cursor,
        account=account,
        sent=asdict(form) if form else {},
        problem=problem,
        placed=placed,
        cancelled=cancelled,
    )
