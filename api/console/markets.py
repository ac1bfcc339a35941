"""The public market pages: every instrument with its best prices and last trade, and the listings
and auctions open now with the time left; an instrument's page with its daily closes drawn as a
chart (server-drawn SVG: no script), its depth and its latest trades. Anyone may read them; they read
what ``/api/v1/market`` and ``/api/v1/listings`` serve. A regulator or the registrar halts trading
there, and resumes it with a call auction (集合竞价), as ``/api/v1/market/{instrument}/halt`` and
``/resume`` do.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from litestar import get, post
from litestar.response import Redirect, Template

from api.access import SUPERVISORS, public, writes
from api.console import figures
from api.console.forms import Plain, runner
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.schemas import PathId
from market import data, listings, rules
from market.errors import UnknownInstrument

DAYS_CHARTED = 90
TRADES_SHOWN = 30
LEVELS = 10
LISTINGS_SHOWN = 50
WIDTH, HEIGHT, MARGIN = 600, 180, 24  # the chart's viewBox


@dataclass(frozen=True, slots=True)
class Chart:
    """Prices as an SVG polyline in the chart's box, with the range they span."""

    points: str
    low: str
    high: str


@get("/market", name="console-market", opt=public())
async def market(view: ViewDep) -> Template:
    platform = view.platform
    async with platform.database.reads() as session:
        books = await data.markets(session, platform.exchange, None)
        open_now = await listings.list_listings(
            session,
            status=listings.ListingStatus.OPEN,
            after=None,
            limit=LISTINGS_SHOWN,
            bps=platform.fee_bps,
            now=platform.now(),
        )
        classes = await figures.class_names(session)
    return view.render("market.html", books=books, listings=open_now, classes=classes, now=platform.now())


@get("/market/{instrument:str}", name="console-instrument", opt=public())
async def instrument(view: ViewDep, instrument: PathId) -> Template:
    platform = view.platform
    async with platform.database.reads() as session:
        summary = next(
            (m for m in await data.markets(session, platform.exchange, None) if m.instrument == instrument),
            None,
        )
        if summary is None:
            raise UnknownInstrument("instrument", instrument=instrument)
        since = platform.now().date() - dt.timedelta(days=DAYS_CHARTED)
        bars = await data.daily_bars(session, instrument, since=since, until=None)
        depth = data.published_depth(platform.exchange, instrument, LEVELS) or await data.depth(
            session, instrument, LEVELS
        )
        latest = await data.latest_prints(session, instrument, TRADES_SHOWN)
        classes = await figures.class_names(session)
    return view.render(
        "instrument.html",
        book=summary,
        bars=bars,
        daily=chart([bar.close for bar in bars]),
        intraday=chart([p.price for p in reversed(latest)]),
        depth=depth,
        prints=latest,
        classes=classes,
    )


def chart(prices: list[str]) -> Chart | None:
    """``prices``, oldest first, scaled into the chart's box; none for fewer than two."""
    if len(prices) < 2:  # a line needs two points
        return None
    values = [Decimal(price) for price in prices]
    low, high = min(values), max(values)
    span = high - low or Decimal(1)
    step = Decimal(WIDTH - 2 * MARGIN) / (len(values) - 1)
    points = " ".join(
        f"{MARGIN + step * n:.1f},{MARGIN + (high - value) / span * (HEIGHT - 2 * MARGIN):.1f}"
        for n, value in enumerate(values)
    )
    return Chart(points, str(low), str(high))


@post("/market/{instrument:str}/halt", name="console-halt", opt=writes(*SUPERVISORS))
async def halt(view: ViewDep, instrument: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view).on_book(instrument, lambda call, market: rules.halt(call.work, market, call.actor))
    return Redirect(f"/market/{instrument}", status_code=303)


@post("/market/{instrument:str}/resume", name="console-resume", opt=writes(*SUPERVISORS))
async def resume(view: ViewDep, instrument: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view).on_book(
        instrument, lambda call, market: rules.resume(call.work, market, call.actor, fees=call.fees)
    )
    return Redirect(f"/market/{instrument}", status_code=303)
