"""Bearer API keys: each key belongs to one user of one party with one role."""

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from api.work import Services
from registry.context import Actor
from registry.parties import authenticate


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


async def current_actor(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("send the header Authorization: Bearer <API key>")
    async with services.database.reads() as session:
        actor = await authenticate(session, token.strip())
    if actor is None:
        raise NotAuthorizedException("unknown or revoked API key")
    return actor


ServicesDep = NamedDependency[Services]
ActorDep = NamedDependency[Actor]
