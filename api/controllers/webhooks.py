"""``/webhooks``: a party's subscriptions to its ledger entries, POSTed to an endpoint of its own and
signed per Standard Webhooks (``settlement.webhooks``), and each subscription's delivery log."""

from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import JSONBody, PathParameter

from api.access import ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after_int, page
from api.platform import PlatformDep
from api.schemas import WebhookIn
from api.work import ActDep
from settlement import webhooks

WebhookPath = Annotated[str, PathParameter(min_length=1, max_length=36, description="a webhook's id")]
OWN = party_to("webhook", "webhook_id", "party")


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["notifications"]

    @post(
        "",
        summary="Subscribe an endpoint to the entries naming your party; the secret is shown once",
        description=(
            "Every ledger entry naming your party from now on (or of `kinds`) is POSTed to `url` as JSON, "
            "signed per Standard Webhooks with the secret (`whsec_…`) this answer alone carries."
        ),
        opt=writes(),
    )
    async def subscribe(self, data: JSONBody[WebhookIn], act: ActDep) -> Response[webhooks.NewWebhook]:
        return await act(
            lambda call: webhooks.subscribe(
                call.work,
                call.actor,
                url=data.url,
                kinds=data.kinds,
                sealer=call.platform.ledger.sealer,
                endpoints=call.platform.webhook_endpoints,
            )
        )

    @get("", summary="Your party's webhook subscriptions (never their secrets)", opt=reads())
    async def list_webhooks(self, platform: PlatformDep, actor: ActorDep) -> list[webhooks.Webhook]:
        async with platform.database.reads() as session:
            return await webhooks.of_party(session, actor)

    @delete(
        "/{webhook_id:str}",
        status_code=200,
        summary="Stop a subscription at once; its delivery log goes with it",
        opt=writes(subject=OWN),
    )
    async def unsubscribe(self, webhook_id: WebhookPath, act: ActDep) -> Response[webhooks.Webhook]:
        return await act(lambda call: webhooks.unsubscribe(call.work, call.actor, webhook_id))

    @get(
        "/{webhook_id:str}/deliveries",
        summary="A subscription's delivery log, newest entry first: each entry's attempts and last answer",
        opt=reads(subject=OWN),
    )
    async def deliveries(
        self,
        webhook_id: WebhookPath,
        platform: PlatformDep,
        actor: ActorDep,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[webhooks.Delivery]:
        async with platform.database.reads() as session:
            found = await webhooks.deliveries(
                session, actor, webhook_id, before=after_int(cursor), limit=limit
            )
        return page(found, limit, lambda delivery: delivery.seq)
