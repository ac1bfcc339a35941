"""The console's public pages: the home page (totals by asset class, the latest public entries, the
latest checkpoint), the public register (rights searched, one right with its status history) and the
ledger explorer (the checkpoint with its cosignatures, recent public entries, one entry with its
proof checked in the browser). Anyone may read them; they read through the same calls as the API."""

from typing import Annotated
from urllib.parse import urlencode

from litestar import get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import public
from api.console import explorer, figures
from api.console.view import View, ViewDep
from api.paging import Cursor, after_int, page
from api.schemas import MAX_SEQ, IssuancePath
from registry import register
from registry.divisions import all_divisions
from registry.errors import UnknownIssuance
from settlement.visibility import sight_of

REGISTER_PAGE = 20
IDENTIFYING = ("permit_no", "unit_no", "project_id")  # the numbers the register is searched by
# A plain GET form sends its empty fields as empty values: each filter takes "" for "any".
ClassFilter = Annotated[
    str | None, QueryParameter(pattern=r"^([A-Z]{2,8})?$", description="an asset class's code, or any")
]
DivisionFilter = Annotated[
    str | None, QueryParameter(pattern=r"^([0-9]{6})?$", description="a county, a city or the province")
]
HolderFilter = Annotated[str | None, QueryParameter(max_length=36, description="an organisation's id")]
NumberFilter = Annotated[str | None, QueryParameter(max_length=40, description="an identifying number")]


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
        sight = await sight_of(session, view.who.actor if view.who else None, view.platform.now())
        found = await explorer.entry(session, view.platform, seq, sight)
    return view.render("entry.html", entry=found, verifier_key=view.platform.ledger.verifier_key)


@get("/register", name="console-register", opt=public())
async def register_search(  # noqa: PLR0917 - Litestar injects the filters by name, one per form field
    view: ViewDep,
    asset_class: ClassFilter = None,
    division: DivisionFilter = None,
    holder: HolderFilter = None,
    permit_no: NumberFilter = None,
    unit_no: NumberFilter = None,
    project_id: NumberFilter = None,
    cursor: Cursor = None,
) -> Template:
    """The register searched as ``GET /api/v1/issuances`` searches it for anyone: holders named only
    where their record is public (organisations)."""
    asked = {
        "asset_class": asset_class,
        "division": division,
        "holder": holder,
        "permit_no": permit_no,
        "unit_no": unit_no,
        "project_id": project_id,
    }
    chosen = {name: value for name, value in asked.items() if value}
    wanted = register.Search(
        chosen.get("asset_class"),
        chosen.get("division"),
        chosen.get("holder"),
        attributes=tuple((name, chosen[name]) for name in IDENTIFYING if name in chosen),
    )
    async with view.platform.database.reads() as session:
        found = await register.search(
            session,
            None,
            wanted,
            today=view.platform.now().date(),
            after=after_int(cursor),
            limit=REGISTER_PAGE,
        )
        classes = await figures.class_names(session)
    rights = page(found, REGISTER_PAGE, lambda right: right.id)
    following = f"?{urlencode({**chosen, 'cursor': rights.next_cursor})}" if rights.next_cursor else None
    return view.render(
        "register.html",
        rights=rights.items,
        following=following,
        filters={name: value or "" for name, value in asked.items()},
        classes=classes,
        divisions=all_divisions(),
    )


@get("/register/{issuance_id:int}", name="console-right", opt=public())
async def right(view: ViewDep, issuance_id: IssuancePath) -> Template:
    """One right as the public register shows it (the same search, of this number alone), with the
    ledger entries about it that anyone may read."""
    async with view.platform.database.reads() as session:
        found = await public_right(session, view, issuance_id)
        history = await explorer.history(session, view.platform, issuance_id)
        classes = await figures.class_names(session)
    return view.render("right.html", right=found, history=history, classes=classes, divisions=all_divisions())


async def public_right(session: AsyncSession, view: View, issuance_id: int) -> register.RegisteredRight:
    """One right as the public register shows it: the register's search, of this number alone."""
    found = await register.search(
        session, None, register.Search(), today=view.platform.now().date(), after=issuance_id - 1, limit=1
    )
    if not found or found[0].id != issuance_id:
        raise UnknownIssuance("issuance_id", issuance=issuance_id)
    return found[0]
