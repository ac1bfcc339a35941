"""Who may call a route, declared on the route and enforced by one guard.

Every route handler carries an ``Access`` in its ``opt``: whether it is public, which kinds of party
may call it, whether it writes (then no ``viewer`` key and no frozen party may), and the object named
in its path that the caller must be party to. ``guard`` checks them in a fixed order, so the answer
depends only on what the caller may know:

1. no key, or an unknown one, on a route that needs one: 401;
2. a party kind the route is not for, a viewer or a frozen party on a write: 403 (the route's rule,
   the same whatever object the path names);
3. an object that does not exist **or that the caller may not see**: 404, never a 403 that confirms
   it exists.

Use cases still check the objects their inputs name (the units of a transfer, the buyer of an
offer); the guard makes sure no route forgets the caller's role, and the route-table test checks
every declaration against the app.
"""

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope
from sqlalchemy.exc import SQLAlchemyError

from api import subjects
from api.inputs import check_path, check_query
from api.platform import Platform
from registry import context as c
from registry.credentials import LAST_USED_EVERY, Credential, authenticate, hash_key, note_use
from registry.errors import Forbidden, NotFound

KEPT_KEYS = 10_000
HOLDERS = (c.PartyKind.ENTERPRISE, c.PartyKind.COLLECTIVE, c.PartyKind.PERSON, c.PartyKind.OPERATOR)
SUPERVISORS = (c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR)
EVERYONE = (*HOLDERS, c.PartyKind.BANK, *SUPERVISORS)


class RouteNotForPartyKind(Forbidden):
    title = "Not for your kind of party"
    template = "this route is for {allowed}; your party is {kind}"


class ViewerMayOnlyRead(Forbidden):
    title = "Viewer keys only read"
    template = "a viewer key may only read"


class PartyFrozen(Forbidden):
    title = "Party frozen"
    template = "your party is frozen by a regulator (冻结); it may only read"


class UnknownObject(NotFound):
    title = "Not found"
    template = "no {subject} {id}"


@dataclass(frozen=True, slots=True)
class Subject:
    """The object a path names, and which of its parties may use the route: ``roles`` are names the
    resolver gives (``seller``, ``buyer``, ``owner``…); supervisors (regulators, the registrar) pass
    too when ``supervisors`` is set."""

    kind: str
    parameter: str
    roles: tuple[str, ...]
    supervisors: bool = False


@dataclass(frozen=True, slots=True)
class Access:
    public: bool = False
    identifies: bool = False  # public, but a key, if sent, says who reads (and a bad one is a 401)
    kinds: tuple[str, ...] = EVERYONE
    write: bool = False
    subject: Subject | None = None
    self_service: bool = False  # a user's write about its own keys or reading: viewers, frozen parties too


# Litestar's own answer to OPTIONS (the allowed methods; CORS preflights when origins are
# configured): it reads and writes nothing, so anyone may ask
PREFLIGHT = Access(public=True)


def access_of(handler: BaseRouteHandler) -> Access:
    access = handler.opt.get("access")
    if access is None and getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return PREFLIGHT
    if not isinstance(access, Access):
        raise TypeError(f"route {handler} declares no Access")  # the route-table test catches this
    return access


async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    access = access_of(handler)
    platform: Platform = connection.app.state.platform
    check_path(connection)
    if not access.public:
        await _admit(connection, platform, access)
    elif access.identifies and "authorization" in connection.headers:
        credential = await _authenticate(connection, platform)
        connection.scope["state"]["actor"] = credential.actor
        connection.scope["state"]["credential"] = credential
    check_query(connection, handler)


async def _admit(connection: ASGIConnection[Any, Any, Any, Any], platform: Platform, access: Access) -> None:
    credential = await _authenticate(connection, platform)
    actor = credential.actor
    connection.scope["state"]["actor"] = actor
    connection.scope["state"]["credential"] = credential
    if (refused := refusal(access, actor)) is not None:
        raise refused
    if access.subject is not None:
        await _require_party_to(platform, actor, access.subject, connection.path_params)


def refusal(access: Access, actor: c.Actor) -> Forbidden | None:
    """Why the route's rule refuses ``actor`` (its kind of party, a viewer or a frozen party on a
    write), whatever object the path names; None if it admits it. The console shows a user only
    the pages this admits (``api.console.view``)."""
    if actor.kind not in access.kinds:
        return RouteNotForPartyKind(None, allowed=", ".join(access.kinds), kind=actor.kind)
    if access.write and not access.self_service and actor.role != c.Role.MANAGER:
        return ViewerMayOnlyRead(None)
    if access.write and not access.self_service and actor.frozen:
        return PartyFrozen(None)
    return None


async def _authenticate(connection: ASGIConnection[Any, Any, Any, Any], platform: Platform) -> Credential:
    """The bearer of the request's ``Authorization: Bearer`` key."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("send the header Authorization: Bearer <API key>")
    return await credential_of(platform, token)


async def credential_of(platform: Platform, token: str) -> Credential:
    """The live credential of the API key ``token``, or a 401: the one lookup behind every bearer
    header and every console sign-in (``api.console``). It is kept until a change that can alter who
    a key is (a key issued, rotated or revoked; a user added, disabled or given another role; a party
    frozen or unfrozen) is written and again once it lands: the ledger's ``credentials`` epoch
    (``registry.epochs``), which orders, trades and deposits leave alone. A rotated key's end is
    checked against the clock on every request."""
    key, now = hash_key(token), platform.now()
    seen = platform.ledger.credentials.value  # read first: a change written meanwhile makes it stale
    kept = platform.credentials.get(key)
    if kept is not None and kept[0] == seen:
        credential: Credential | None = kept[1]
    else:
        async with platform.database.reads() as session:
            credential = await authenticate(session, token, now)
        if credential is not None:
            if len(platform.credentials) >= KEPT_KEYS:
                platform.credentials.clear()
            platform.credentials[key] = (seen, credential)
    if credential is None or (credential.expires_at is not None and credential.expires_at <= now):
        raise NotAuthorizedException("unknown, revoked or expired API key")
    return credential


async def note_key_use(message: Message, scope: Scope) -> None:
    """Before a successful answer leaves, write when its key was used, if not within the last minute:
    "last used" without a write on every request, and no trace of a refused one."""
    if message["type"] != "http.response.start" or message["status"] >= 400:
        return
    credential: Credential | None = scope.get("state", {}).get("credential")
    if credential is None:
        return
    platform: Platform = scope["app"].state.platform
    now = platform.now()
    last = platform.key_uses.get(credential.key_id, credential.last_used_at)
    if last is not None and now - last < LAST_USED_EVERY:
        return
    if len(platform.key_uses) >= KEPT_KEYS:
        platform.key_uses.clear()
    platform.key_uses[credential.key_id] = now
    with contextlib.suppress(SQLAlchemyError):  # a busy database costs a timestamp, not the answer
        async with platform.database.writes() as session, session.begin():
            await note_use(session, credential.key_id, now)


async def _require_party_to(
    platform: Platform, actor: c.Actor, subject: Subject, path: Mapping[str, Any]
) -> None:
    if subject.supervisors and actor.kind in SUPERVISORS:
        return
    identifier = path[subject.parameter]
    parties: dict[str, str] | None = None
    if subjects.well_formed(identifier):  # anything else names nothing, and never reaches the database
        async with platform.database.reads() as session:
            parties = await subjects.RESOLVERS[subject.kind](session, identifier)
    if parties is None or not any(parties.get(role) == actor.party_id for role in subject.roles):
        raise UnknownObject(subject.kind, subject=subject.kind, id=str(identifier))


def public(*, write: bool = False, identifies: bool = False) -> dict[str, Any]:
    """A route anyone may call, without a key; ``write`` if it may store something (what it stores
    stands on its own checks, a signature, not on who sent it); if it ``identifies``, a caller who
    sends a key is answered as its party (the route takes ``reader``)."""
    return {"access": Access(public=True, write=write, identifies=identifies)}


def reads(*kinds: str, subject: Subject | None = None) -> dict[str, Any]:
    """A route that changes nothing, for parties of ``kinds`` (any, if none are named)."""
    return {"access": Access(kinds=kinds or EVERYONE, subject=subject)}


def writes(*kinds: str, subject: Subject | None = None) -> dict[str, Any]:
    """A route that changes something: for managers of unfrozen parties of ``kinds``."""
    return {"access": Access(kinds=kinds or EVERYONE, write=True, subject=subject)}


def writes_own(subject: Subject | None = None) -> dict[str, Any]:
    """A write about a user's own credentials (a new key, a rotation, a revocation, disabling) or its
    own reading (notifications marked read): any user, a viewer or of a frozen party too, for itself;
    the use case decides who else may."""
    return {"access": Access(write=True, subject=subject, self_service=True)}


def party_to(kind: str, parameter: str, *roles: str, supervisors: bool = False) -> Subject:
    """The caller must play one of ``roles`` in the ``kind`` object the path's ``parameter`` names."""
    return Subject(kind, parameter, roles, supervisors)


ActorDep = NamedDependency[c.Actor]
ReaderDep = NamedDependency[c.Actor | None]  # on a route that identifies: the caller, if it sent a key
