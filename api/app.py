"""The Litestar application factory: one process serves the API and runs the platform's scheduler.

Every request crosses one edge: parameters and body are checked (``api.inputs``), the route's declared
access is enforced (``api.access``), the body is parsed strictly into the route's schema
(``api.schemas``), the use case runs (``api.work``) and any error becomes one problem document
(``api.errors``). Before any of that, the client's rate limits are checked (``api.rate_limits``), and
every answer, whatever produced it, carries the security headers and CORS policy (``api.headers``).
The console's pages (``api.console``) are served at ``/`` across the same edge.
Start is crash-only: every start applies migrations, opens the ledger (refusing to
run without the key that signed it) and catches up on expiries, by the same code path as a first
start.
"""

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import HeaderParameter
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.pydantic import PydanticPlugin
from litestar.routes import HTTPRoute

from api import console
from api.access import guard, note_key_use, public
from api.config import Settings
from api.controllers import CONTROLLERS
from api.docs import openapi_config
from api.errors import HANDLERS
from api.headers import SecurityHeaders, cors
from api.idempotency import MAX_KEY_LENGTH
from api.inputs import MAX_BODY_BYTES, check_body
from api.openapi import document
from api.platform import Platform, PlatformDep, build_platform
from api.rate_limits import Limiter, rate_limit
from api.schedule import open_books, scheduled
from api.work import Act
from registry.context import Actor
from settlement.ledger import current_size
from settlement.unit_of_work import Clock, system_clock


@get("/health", tags=["system"], summary="Liveness, database reachability and ledger size", opt=public())
async def health(platform: PlatformDep) -> dict[str, Any]:
    async with platform.database.reads() as session:
        size = await current_size(session)
    return {"status": "ok", "ledger_size": size}


def provide_platform(state: State) -> Platform:
    platform: Platform = state.platform
    return platform


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The caller the access guard authenticated (routes that take ``actor`` need a key)."""
    actor: Actor = request.scope["state"]["actor"]
    return actor


def provide_reader(request: Request[Any, Any, Any]) -> Actor | None:
    """The caller of a public route that identifies, if it sent a key (``api.access.public``)."""
    reader: Actor | None = request.scope["state"].get("actor")
    return reader


def provide_act(
    request: Request[Any, Any, Any],
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="A retry with the same key and body returns the first answer and does nothing twice",
        ),
    ] = None,
) -> Act:
    """A write route's runner. It takes the platform and the caller from the request rather than as
    dependencies of its own: two dependencies resolved side by side cost Litestar a task group on
    every request, one a plain call."""
    return Act(request, provide_platform(request.app.state), provide_actor(request), idempotency_key)


def declare_inputs(app: Litestar) -> None:
    """Note on each route the query parameters it takes and whether it takes a body, so that others
    are refused (``api.inputs``) and the document lists 413 and 415 where a body is read."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler, kwargs in route.route_handler_map.values():
                handler.opt["query"] = frozenset(p.field_alias for p in kwargs.expected_query_params)
                handler.opt["body"] = "data" in kwargs.expected_reserved_kwargs


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Litestar:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with build_platform(settings, clock) as platform:
            await open_books(platform)
            app.state.platform = platform
            app.state.limiter = Limiter(settings.limits, lambda: platform.now().timestamp())
            async with scheduled(
                platform,
                expiry_interval_s=settings.expiry_interval_s,
                market_interval_s=settings.market_interval_s,
                surveillance_interval_s=settings.surveillance_interval_s,
                webhook_interval_s=settings.webhook_interval_s,
            ):
                yield

    app = Litestar(
        route_handlers=[health, *CONTROLLERS, console.router()],
        lifespan=[lifespan],
        guards=[guard],
        before_request=check_body,
        before_send=[SecurityHeaders(settings.hsts_max_age), note_key_use],
        middleware=[rate_limit],
        cors_config=cors(settings.cors_origins),
        dependencies={
            "platform": Provide(provide_platform, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "reader": Provide(provide_reader, sync_to_thread=False),
            "act": Provide(provide_act, sync_to_thread=False),
        },
        exception_handlers=HANDLERS,
        plugins=[PydanticPlugin(validate_strict=True), HTMXPlugin()],
        template_config=console.templates(),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=openapi_config(),
        state=State({}),
    )
    declare_inputs(app)
    document(app)
    return app
