"""Every route of the app, called anonymously and as every kind of party × manager or viewer × frozen
or not × its own object or another's, answers what the route declares (``api.access``).

The routes come from the app's own route table, so a new route cannot escape: one without a
declaration fails here. A call the declaration allows carries an unknown query parameter, so the
edge refuses it (400) just after the guard, without running the use case; a call it refuses is sent
as is, so that a guard letting it through would show as a write. No viewer and no frozen party
changes the ledger.
"""

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import column, select, table

from api import subjects
from api.access import SUPERVISORS, Access, Subject, access_of
from api.app import create_app
from api.config import Settings
from api.demo import Demo
from api.platform import Platform, build_platform
from api.rate_limits import UNLIMITED
from settlement.ledger import current_size

pytestmark = pytest.mark.anyio
PROBE = {"zz_probe": "1"}
HOLDING_KINDS = ("enterprise", "collective", "person", "operator", "bank")
TABLES = {"party": "parties", "user": "users"}


@dataclass(frozen=True)
class Caller:
    kind: str
    party: str
    key: str
    viewer: bool = False
    frozen: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: Access


@dataclass
class World:
    client: AsyncTestClient[Litestar]
    core: Platform
    managers: dict[str, Caller]
    reviewer: Caller
    objects: dict[str, dict[object, dict[str, str]]]  # subject kind → id → {role: party}


def app_routes(app: Litestar) -> list[Route]:
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and not route.path.startswith("/schema"):
            for method, (handler, _) in route.route_handler_map.items():
                if method not in ("HEAD", "OPTIONS"):
                    found.append(Route(method, route.path, access_of(handler)))
    return found


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    # no rate limits: the matrix sends hundreds of requests from one address in a few seconds
    settings = Settings(
        database_url=database_url,
        ledger_key=tmp_path / "ledger.key",
        limits=UNLIMITED,
        webhook_interval_s=3600,  # the world's webhook leads nowhere: no dispatcher runs after start
    )
    async with build_platform(settings) as core:
        cast = await Demo(core).seed()
        async with AsyncTestClient(create_app(settings)) as client:
            managers = {"registrar": Caller("registrar", cast.registrar.party_id, cast.registrar.key)}
            for kind in (*HOLDING_KINDS, "regulator"):
                managers[kind] = Caller(kind, cast.keys[kind].party_id, cast.keys[kind].key)
            reviewer = Caller("regulator", cast.keys["reviewer"].party_id, cast.keys["reviewer"].key)
            await _pledge_and_contract(client, managers)
            await _consent(client, managers)
            await _webhook(client, managers)
            yield World(client, core, managers, reviewer, await _objects(core))


async def _objects(core: Platform) -> dict[str, dict[object, dict[str, str]]]:
    found: dict[str, dict[object, dict[str, str]]] = {}
    async with core.database.reads() as session:
        for kind, resolve in subjects.RESOLVERS.items():
            ids = (
                await session.execute(select(table(TABLES.get(kind, kind + "s"), column("id")).c.id))
            ).scalars()
            found[kind] = {
                i: parties for i in list(ids) if (parties := await resolve(session, i)) is not None
            }
    return found


async def _pledge_and_contract(client: AsyncTestClient[Litestar], managers: dict[str, Caller]) -> None:
    """The demo has no pledges or contracts: an enterprise asks a bank for one, an operator offers one."""
    year = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    for owner, body in (
        ("enterprise", {"bank": managers["bank"].party, "loan": "1000.00", "loan_term_end": year}),
        ("collective", None),
    ):
        held = (
            await client.get(
                f"/api/v1/parties/{managers[owner].party}/holdings", headers=managers[owner].headers
            )
        ).json()
        active = next(h for h in held if h["state"] == "active")
        if body is not None:
            made = await client.post(
                "/api/v1/pledges",
                json={"issuance": active["issuance"], "quantity": _some(active["quantity"]), **body},
                headers=managers[owner].headers,
            )
        else:
            made = await client.post(
                "/api/v1/contracts",
                json={
                    "depositor": managers[owner].party,
                    "issuance": active["issuance"],
                    "quantity": _some(active["quantity"]),
                    "mode": "custody",
                    "term_start": dt.date.today().isoformat(),
                    "term_end": year,
                    "minimum_dividend": "10.00",
                },
                headers=managers["operator"].headers,
            )
        assert made.status_code == 201, made.text


async def _consent(client: AsyncTestClient[Litestar], managers: dict[str, Caller]) -> None:
    """The enterprise lets the bank ask about all its rights: the consent routes have one to list."""
    owner = managers["enterprise"]
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    made = await client.post(
        f"/api/v1/parties/{owner.party}/consents",
        json={"bank": managers["bank"].party, "expires_at": expires},
        headers=owner.headers,
    )
    assert made.status_code == 201, made.text


async def _webhook(client: AsyncTestClient[Litestar], managers: dict[str, Caller]) -> None:
    """The bank subscribes an endpoint: the webhook routes have one to read and delete."""
    made = await client.post(
        "/api/v1/webhooks", json={"url": "https://loans.example.cn/hooks"}, headers=managers["bank"].headers
    )
    assert made.status_code == 201, made.text


def _some(quantity: str) -> str:
    """The smallest quantity of the holding's scale: 1, 0.01, 0.001…"""
    fraction = quantity.partition(".")[2]
    return f"0.{'0' * (len(fraction) - 1)}1" if fraction else "1"


def expected(route: Route, caller: Caller | None, own: bool) -> int:
    """The answer the declaration promises; 400 means the guard let the (probing) call through."""
    access = route.access
    if access.public:
        return 400
    if caller is None:
        return 401
    refused_as = access.write and not access.self_service and (caller.viewer or caller.frozen)
    if caller.kind not in access.kinds or refused_as:
        return 403
    subject = access.subject
    if subject is not None and not own and not (subject.supervisors and caller.kind in SUPERVISORS):
        return 404
    return 400


def fill(path: str, subject: Subject | None, identifier: object) -> str:
    """The route's path with its parameters: the subject's object, and placeholders elsewhere."""

    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if subject is not None and name == subject.parameter:
            return str(identifier)
        return "1" if kind == "int" else str(uuid.uuid4())

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


def cases(world: World, route: Route, caller: Caller | None) -> list[tuple[str, bool]]:
    """(path, whether the caller is party to its object) for an object of the caller's, if there is
    one, and one of another party's."""
    subject = route.access.subject
    if subject is None:
        return [(fill(route.path, None, None), False)]
    found: list[tuple[str, bool]] = []
    for own in (True, False):
        for identifier, parties in world.objects[subject.kind].items():
            plays = caller is not None and any(parties.get(role) == caller.party for role in subject.roles)
            if plays == own:
                found.append((fill(route.path, subject, identifier), own))
                break
    return found


async def call(world: World, route: Route, caller: Caller | None, path: str, allowed: bool) -> int:
    headers = caller.headers if caller else {}
    params = PROBE if allowed else {}
    answer = await world.client.request(route.method, path, params=params, headers=headers, json={})
    return answer.status_code


async def sweep(world: World, callers: list[Caller | None]) -> int:
    checked = 0
    for route in app_routes(world.client.app):
        for caller in callers:
            for path, own in cases(world, route, caller):
                promise = expected(route, caller, own)
                got = await call(world, route, caller, path, allowed=promise == 400)
                assert got == promise, f"{route.method} {path} as {caller}: {got}, declared {promise}"
                checked += 1
    return checked


async def _ledger_size(world: World) -> int:
    async with world.core.database.reads() as session:
        return await current_size(session)


async def _add_user(world: World, manager: Caller, role: str) -> str:
    """A user added by the party's own manager; where that takes four eyes, approved by a user
    independent of it: the registrar for the regulator's, the regulator for the others."""
    made = await world.client.post(
        f"/api/v1/parties/{manager.party}/users",
        json={"name": f"{role}用户", "role": role},
        headers=manager.headers,
    )
    if made.status_code == 202:
        approver = world.managers["registrar" if manager.kind == "regulator" else "regulator"]
        approved = await world.client.post(
            f"/api/v1/proposals/{made.json()['proposal']['id']}/approve", headers=approver.headers
        )
        assert approved.status_code == 200, approved.text
    else:
        assert made.status_code == 201, made.text
    return str(made.json()["key"])


async def _freeze(world: World, party: str) -> None:
    regulator = world.managers["regulator"]
    proposed = await world.client.post(
        f"/api/v1/parties/{party}/freeze", json={"reason": "核查"}, headers=regulator.headers
    )
    assert proposed.status_code == 202, proposed.text
    approved = await world.client.post(
        f"/api/v1/proposals/{proposed.json()['id']}/approve", headers=world.reviewer.headers
    )
    assert approved.status_code == 200, approved.text


async def test_every_route_answers_as_declared_for_every_caller(world: World) -> None:
    managers = list(world.managers.values())
    viewers = [Caller(m.kind, m.party, await _add_user(world, m, "viewer"), viewer=True) for m in managers]
    before = await _ledger_size(world)
    checked = await sweep(world, [None, *managers, *viewers])
    assert await _ledger_size(world) == before  # nothing a viewer or the guard refused was written

    frozen = [m for m in managers if m.kind in HOLDING_KINDS]
    for member in frozen:
        await _freeze(world, member.party)
    after_freezing = await _ledger_size(world)
    checked += await sweep(world, [Caller(m.kind, m.party, m.key, frozen=True) for m in frozen])
    assert await _ledger_size(world) == after_freezing  # a frozen party wrote nothing
    assert checked > 1000


async def test_every_route_declares_its_access(world: World) -> None:
    """Each route is public or names who may call it; a subject names a parameter of its path."""
    for route in app_routes(world.client.app):
        subject = route.access.subject
        if subject is not None:
            assert f"{{{subject.parameter}:" in route.path, route
            assert subject.kind in subjects.RESOLVERS, route
        assert route.access.public or route.access.kinds, route


async def test_a_public_route_that_identifies_refuses_an_unknown_key(world: World) -> None:
    """``/ledger/entries``, the register (``/issuances``) and retirement certificates read a key if one
    is sent: a wrong one is a 401, not an anonymous answer."""
    identifying = [route for route in app_routes(world.client.app) if route.access.identifies]
    assert {(r.method, r.path) for r in identifying} == {
        ("GET", "/api/v1/issuances"),
        ("GET", "/api/v1/ledger/entries"),
        ("GET", "/api/v1/retirements/{certificate:str}"),
    }
    for route in identifying:
        path = fill(route.path, None, None)
        for headers, status in [
            ({"Authorization": "Bearer ls_not-a-key"}, 401),
            ({}, 400),
            (world.managers["enterprise"].headers, 400),
        ]:
            answer = await world.client.request(route.method, path, params=PROBE, headers=headers)
            assert answer.status_code == status, (route, headers, answer.text)


async def test_only_a_partys_own_managers_add_its_users(world: World) -> None:
    """Beyond the guard, the rule of bounded powers for every kind of party: a user is added to a
    party by its own managers (at once, or by a four-eyes proposal where its users hold powers),
    never by another party's — the registrar's and regulators' included, once the party has a user."""
    before = await _ledger_size(world)
    for caller in world.managers.values():
        for other in world.managers.values():
            if other.party == caller.party:
                continue
            answer = await world.client.post(
                f"/api/v1/parties/{other.party}/users",
                json={"name": "外人", "role": "manager"},
                headers=caller.headers,
            )
            assert answer.status_code in (403, 404), (caller.kind, other.kind, answer.text)
    assert await _ledger_size(world) == before
    for caller in world.managers.values():
        answer = await world.client.post(
            f"/api/v1/parties/{caller.party}/users",
            json={"name": "同事", "role": "viewer"},
            headers=caller.headers,
        )
        four_eyes = caller.kind in ("regulator", "registrar", "bank")
        assert answer.status_code == (202 if four_eyes else 201), (caller.kind, answer.text)
