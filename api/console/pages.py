"""The console's public pages: the home page (totals by asset class, the latest public entries, the
latest checkpoint) and the
ledger explorer (the checkpoint with its cosignatures, recent public entries, one entry with its
proof checked in the browser). Anyone may read them; they read through the same calls as the API."""

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter
from litestar.response import Template

from api.access import public
from api.console import explorer, figures
from api.console.view import ViewDep
from api.schemas import MAX_SEQ


@get("/", name="console-home", opt=public())
async def home(view: ViewDep) -> Template:
    async with view.platform.database.reads() as session:
        totals = await figures.totals(session)
        checkpoint = await explorer.checkpoint(session, view.platform)
        recent = await explorer.recent(session, view.platform, checkpoint.size)
    return view.render("home.html", totals=totals, checkpoint=checkpoint, recent=recent)


@get("/ledger", name="console-ledger", opt=public())
async def ledger(view: ViewDep) -> Template:
    async with view.platform.database.reads() as session:
        checkpoint = await explorer.checkpoint(session, view.platform)
        recent = await explorer.recent(session, view.platform, checkpoint.size)
    return view.render(
        "ledger.html", checkpoint=checkpoint, recent=recent, verifier_key=view.platform.ledger.verifier_key
    )


@get("/ledger/entry", name="console-entry", opt=public())
async def entry(
    view: ViewDep,
    seq: Annotated[int, QueryParameter(name="seq", ge=0, le=MAX_SEQ, description="sequence number")],
) -> Template:
    async with view.platform.database.reads() as session:
        found = await explorer.entry(session, view.platform, seq)
    return view.render("entry.html", entry=found, verifier_key=view.platform.ledger.verifier_key)
