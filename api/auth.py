"""Bearer API keys: each key belongs to one user of one party with one role.

Who a key is gets looked up once and kept until the ledger next grows: every change that can alter
it (a party frozen or unfrozen, a user added) is a ledgered write, so a kept answer is never staler
than the last acknowledged write.
"""

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from api.work import Services
from registry.context import Actor
from registry.parties import authenticate, hash_key

KEPT_KEYS = 10_000


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


async def current_actor(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("send the header Authorization: Bearer <API key>")
    key = hash_key(token)
    kept = services.actors.get(key)
    if kept is not None and kept[0] == services.ledger.appends:
        return kept[1]
    appends = services.ledger.appends  # read first: a write landing meanwhile makes this entry stale
    async with services.database.reads() as session:
        actor = await authenticate(session, token)
    if actor is None:
        raise NotAuthorizedException("unknown or revoked API key")
    if len(services.actors) >= KEPT_KEYS:
        services.actors.clear()
    services.actors[key] = (appends, actor)
    return actor


ServicesDep = NamedDependency[Services]
ActorDep = NamedDependency[Actor]
