"""The console's notifications and webhooks: the inbox lists, beside what waits on the user, what
happened to its party (``settlement.notifications``: the ledger's entries naming it, names beside
ids), new ones marked until the user marks them read; ``/webhooks`` holds the party's subscriptions
(``settlement.webhooks``), made there with their secret shown once, and each one's delivery log.
Each action runs the API's use case through its runner, its form checked by the API's schema."""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import reads, writes, writes_own
from api.console import figures
from api.console.forms import Done, Plain, checked, runner, whole_number
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.controllers.webhooks import OWN, WebhookPath
from api.paging import Cursor, after_int, page
from api.schemas import ReadIn, WebhookIn
from registry import events as ev
from settlement import notifications, webhooks

SHOWN = 20  # notifications a page
LOGGED = 50  # deliveries a page


@dataclass(frozen=True, slots=True)
class Named:
    field: str
    party: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification as the inbox shows it: its entry's parties by name."""

    item: notifications.Notification
    actor_name: str | None
    parties: list[Named]


@dataclass(frozen=True)
class Read:
    csrf_token: str
    through: str


@dataclass(frozen=True)
class Subscription:
    csrf_token: str
    form_key: str
    url: str
    kinds: str = ""  # entry kinds separated by commas or spaces; empty for every kind


@get("/inbox", name="console-inbox", opt=reads())
async def inbox_page(view: ViewDep, cursor: Cursor = None) -> Template:
    """What waits on the user, each kind with how many, and what happened to its party, newest first."""
    async with view.platform.database.reads() as session:
        found = await notifications.of_user(session, view.actor, before=after_int(cursor), limit=SHOWN)
        notices = await _named(view, session, found)
    following = page(found, SHOWN, lambda n: n.seq).next_cursor
    newest = found[0].seq if found and not cursor else None  # what "mark read" marks: the first page's
    return view.render("inbox.html", notices=notices, following=following, newest=newest)


async def _named(view: View, session: AsyncSession, found: list[notifications.Notification]) -> list[Notice]:
    """The notifications with their actor and the parties their bodies name, by name where the user
    may read it (``figures.party_names``), all read at once."""
    kinds = ev.kinds()
    named = {
        n.seq: [(f, str(n.body[f])) for f in kinds[n.kind].party_fields if n.body.get(f)]
        for n in found
        if n.kind in kinds
    }
    ids = {n.actor for n in found} | {party for pairs in named.values() for _, party in pairs}
    names = await figures.party_names(session, ids, view.actor)
    return [
        Notice(n, names.get(n.actor), [Named(f, p, names.get(p)) for f, p in named.get(n.seq, [])])
        for n in found
    ]


@post("/inbox/read", name="console-read", opt=writes_own())
async def mark_read(view: ViewDep, data: Annotated[Read, FORM]) -> Redirect:
    """Mark what the page showed read, as ``POST /api/v1/notifications/read`` does."""
    through = checked(ReadIn, {"through": whole_number(data.through)}).through
    await runner(view)(lambda call: notifications.mark_read(call.work, call.actor, through), status=200)
    return Redirect("/inbox", status_code=303)


@get("/webhooks", name="console-webhooks", opt=reads())
async def webhook_list(view: ViewDep, done: Done = None) -> Template:
    return await _webhooks(view, done=done)


async def _webhooks(view: View, *, done: str | None = None, created: Any = None) -> Template:
    """The party's subscriptions, with what was just deleted (``done``) or made (``created``, the API's
    answer: its secret, or null on a replay)."""
    async with view.platform.database.reads() as session:
        found = await webhooks.of_party(session, view.actor)
    kinds = sorted(ev.kinds())
    return view.render("webhooks.html", webhooks=found, kinds=kinds, done=done, created=created)


@post("/webhooks", name="console-subscribe", opt=writes())
async def subscribe(view: ViewDep, data: Annotated[Subscription, FORM]) -> Template:
    """Subscribe an endpoint, as ``POST /api/v1/webhooks`` does, and show its secret this once (a
    reload replays the answer without it)."""
    kinds = data.kinds.replace(",", " ").split()
    asked = checked(WebhookIn, {"url": data.url, "kinds": kinds or None})
    answer = await runner(view, data.form_key)(
        lambda call: webhooks.subscribe(
            call.work,
            call.actor,
            url=asked.url,
            kinds=asked.kinds,
            sealer=call.platform.ledger.sealer,
            endpoints=call.platform.webhook_endpoints,
        ),
        status=201,
    )
    return await _webhooks(view, created=json.loads(answer.content))


@post("/webhooks/{webhook_id:str}/delete", name="console-unsubscribe", opt=writes(subject=OWN))
async def unsubscribe(view: ViewDep, webhook_id: WebhookPath, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(lambda call: webhooks.unsubscribe(call.work, call.actor, webhook_id), status=200)
    return Redirect(f"/webhooks?done={webhook_id}", status_code=303)


@get("/webhooks/{webhook_id:str}", name="console-deliveries", opt=reads(subject=OWN))
async def delivery_log(view: ViewDep, webhook_id: WebhookPath, cursor: Cursor = None) -> Template:
    """A subscription's delivery log, as ``GET /api/v1/webhooks/{id}/deliveries`` serves it."""
    async with view.platform.database.reads() as session:
        found = await webhooks.deliveries(
            session, view.actor, webhook_id, before=after_int(cursor), limit=LOGGED
        )
        subscription = next(w for w in await webhooks.of_party(session, view.actor) if w.id == webhook_id)
    following = page(found, LOGGED, lambda d: d.seq).next_cursor
    return view.render("deliveries.html", webhook=subscription, deliveries=found, following=following)
