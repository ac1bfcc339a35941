"""``/notifications``: what happened to the caller's party — the ledger entries naming it, less what
the calling user did itself — newest first, each read or not, and the user's mark of what it has read
(``settlement.notifications``)."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import ActorDep, reads, writes_own
from api.paging import Cursor, Limit, Page, after_int, page
from api.platform import PlatformDep
from api.schemas import ReadIn
from api.work import ActDep
from settlement import notifications


class NotificationController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get("", summary="Your notifications, newest first: the ledger entries naming your party", opt=reads())
    async def list_notifications(
        self, platform: PlatformDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[notifications.Notification]:
        async with platform.database.reads() as session:
            found = await notifications.of_user(session, actor, before=after_int(cursor), limit=limit)
        return page(found, limit, lambda notification: notification.seq)

    @get("/unread", summary="How many of your notifications are unread (up to 100)", opt=reads())
    async def unread(self, platform: PlatformDep, actor: ActorDep) -> notifications.Mark:
        async with platform.database.reads() as session:
            mark = await notifications.read_through(session, actor)
            return notifications.Mark(mark, await notifications.unread(session, actor))

    @post(
        "/read",
        status_code=200,
        summary="Mark every notification up to a ledger position read (a viewer's too)",
        opt=writes_own(),
    )
    async def mark_read(self, data: JSONBody[ReadIn], act: ActDep) -> Response[notifications.Mark]:
        return await act(lambda call: notifications.mark_read(call.work, call.actor, data.through))
