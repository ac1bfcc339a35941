"""Every read route of the app answers over rights of every asset class — whatever their scale — on
both engines, for the party itself and for a regulator (a statement once failed on PostgreSQL only,
for classes with decimals).

The routes come from the app's route table and the status each caller should get from the route's
own access declaration (``api.access``, as ``test_access_matrix`` reads it), so a new read route is
called here without anyone listing it. A path parameter the route declares as its subject names the
holder's object of that kind; one that names something else, or a required query parameter this test
has no value for, fails until the test is taught the name. An answer that the declaration admits must be a 200
whose body matches the OpenAPI document's schema for it, with no float anywhere.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from litestar.routes import HTTPRoute
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import column, select, table

from api import subjects
from api.access import SUPERVISORS, Access, access_of
from api.app import create_app
from api.config import Settings
from registry.quantities import Quantity
from tests.platform import ATTRIBUTES, QUANTITY, START, Member, Platform

pytestmark = pytest.mark.anyio
TABLES = {"party": "parties"}  # a subject kind's table, where not its name + s
TODAY = START.date()
YEAR_ON = (TODAY + dt.timedelta(days=365)).isoformat()
REQUIRED_QUERY = {  # values for query parameters some routes require, given the ledger's size
    "start": lambda size: 0,
    "end": lambda size: size,
    "first": lambda size: 1,
    "second": lambda size: size,
    "seq": lambda size: 0,
    "size": lambda size: size,
    "side": lambda size: "buy",  # a quote's order
    "price": lambda size: "1.50",
    "quantity": lambda size: "1",
}


@dataclass(frozen=True)
class Read:
    path: str  # as the route table has it, with typed parameters: /api/v1/orders/{order_id:str}
    access: Access
    query: tuple[str, ...]  # the handler's query parameters
    required: tuple[str, ...]  # … of which these have no default

    @property
    def documented(self) -> str:
        return re.sub(r"\{(\w+):\w+\}", r"{\1}", self.path)


def reads_of(platform: Platform) -> list[Read]:
    """Every GET route of the API, with its query parameters: every route the OpenAPI document
    describes (not the document's own, nor the console's pages, ``tests/console``)."""
    found = []
    for route in platform.client.app.routes:
        if isinstance(route, HTTPRoute) and not route.path.startswith("/schema"):
            for method, (handler, kwargs) in route.route_handler_map.items():
                if method == "GET" and handler.resolve_include_in_schema():
                    query = sorted(kwargs.expected_query_params, key=lambda p: p.field_alias)
                    found.append(
                        Read(
                            route.path,
                            access_of(handler),
                            tuple(p.field_alias for p in query),
                            tuple(p.field_alias for p in query if p.is_required),
                        )
                    )
    return found


@dataclass
class World:
    """One party's rights of one asset class, in every state a read can show, and the objects that
    name them: the party's application, orders, offer, listing, pledge, retirement, contract."""

    cls: dict[str, Any]
    holder: Member
    operator: Member
    objects: dict[str, Any]  # path parameter → value


def smallest(asset_class: str) -> str:
    scale = len(QUANTITY[asset_class].partition(".")[2])
    return str(Quantity(1, scale))


def ok(answer: Any) -> Any:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def world_of(platform: Platform, asset_class: str) -> World:
    holder, other = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    operator = await platform.onboard("operator")
    cls = ok(await platform.get(f"/api/v1/asset-classes/{asset_class}"))
    filed = ok(await platform.apply(holder, asset_class))
    issued = ok(
        await platform.post(f"/api/v1/applications/{filed['id']}/confirm", await platform.regulator())
    )
    world = World(cls, holder, operator, {"code": asset_class, "application_id": filed["id"],
                  "issuance_id": issued["id"], "serial": 1, "operator": operator.party})  # fmt: skip
    for party in (holder, other):
        await platform.deposit(party, "100000.00")
    await _moved(platform, world, other)
    await _encumbered(platform, world, other)
    if issued["instrument"]:
        await _traded(platform, world, other, issued["instrument"])
    return world


async def _moved(platform: Platform, world: World, other: Member) -> None:
    """The smallest quantity transferred, and retired where the class may be."""
    issuance, unit = world.objects["issuance_id"], smallest(world.cls["code"])
    body = {"issuance": issuance, "to": other.party, "quantity": unit}
    ok(await platform.post("/api/v1/transfers", world.holder, body))
    if world.cls["retirable"]:
        body = {"issuance": issuance, "quantity": unit, "beneficiary": "资溪县", "purpose": "voluntary"}
        world.objects["certificate"] = ok(await platform.post("/api/v1/retirements", world.holder, body))[
            "certificate"
        ]


async def _encumbered(platform: Platform, world: World, other: Member) -> None:
    """The smallest quantity pledged (the bank, asked, values the right), offered, listed and put
    under an operator's custody."""
    issuance, unit, holder = world.objects["issuance_id"], smallest(world.cls["code"]), world.holder
    pledge = {"issuance": issuance, "bank": (await platform.bank()).party, "quantity": unit,
              "loan": "10.00", "loan_term_end": YEAR_ON}  # fmt: skip
    world.objects["pledge_id"] = ok(await platform.post("/api/v1/pledges", holder, pledge))["id"]
    valuation = {"issuance": issuance, "appraiser": "江西中磊资产评估有限公司",
                 "appraiser_credit_code": "91360100MA3ABCDE1C", "method": "market", "value": "100000.00",
                 "valued_on": TODAY.isoformat(), "valid_until": YEAR_ON}  # fmt: skip
    ok(await platform.post("/api/v1/valuations", await platform.bank(), valuation))
    offer = {"buyer": other.party, "issuance": issuance, "quantity": unit, "price": "1.00",
             "deadline": platform.later(hours=1)}  # fmt: skip
    world.objects["offer_id"] = ok(await platform.post("/api/v1/offers", holder, offer))["id"]
    listing = {"items": [{"issuance": issuance, "quantity": unit}], "mode": "fixed", "price": "1.00",
               "ends_at": platform.later(hours=1)}  # fmt: skip
    world.objects["listing_id"] = ok(await platform.post("/api/v1/listings", holder, listing))["id"]
    hook = {"url": "https://loans.example.com/liangshan"}
    world.objects["webhook_id"] = ok(await platform.post("/api/v1/webhooks", holder, hook))["webhook"]["id"]
    contract = {"depositor": holder.party, "issuance": issuance, "quantity": unit, "mode": "custody",
                "term_start": TODAY.isoformat(), "term_end": YEAR_ON}  # fmt: skip
    offered = ok(await platform.post("/api/v1/contracts", world.operator, contract))
    ok(await platform.post(f"/api/v1/contracts/{offered['id']}/sign", holder))


async def _traded(platform: Platform, world: World, other: Member, instrument: str) -> None:
    """A trade on the class's instrument, and an order of the holder's left resting."""
    await platform.open_market(instrument, "1.50", band_bps=5000)
    sell = {
        "instrument": instrument,
        "side": "sell",
        "quantity": smallest(world.cls["code"]),
        "price": "1.00",
    }
    ok(await platform.post("/api/v1/orders", world.holder, sell))
    ok(await platform.post("/api/v1/orders", other, {**sell, "side": "buy"}))
    world.objects["instrument"] = instrument
    world.objects["order_id"] = ok(
        await platform.post("/api/v1/orders", world.holder, {**sell, "price": "2.00"})
    )["id"]


def expected(read: Read, caller: Member | None, parties: dict[str, str] | None) -> int:
    """What the route's declaration promises this caller: 200 where it admits the call."""
    access = read.access
    if access.public:
        return 200
    if caller is None:
        return 401
    if caller.kind not in access.kinds:
        return 403
    subject = access.subject
    if subject is None or (subject.supervisors and caller.kind in SUPERVISORS):
        return 200
    party_to = parties is not None and any(parties.get(role) == caller.party for role in subject.roles)
    return 200 if party_to else 404


def names(world: World, caller: Member | None) -> dict[str, Any]:
    """What each path parameter names: the world's objects, and the caller's own party where a route
    names a party (a regulator reads the holder's)."""
    own = caller is not None and caller.kind not in SUPERVISORS
    return {**world.objects, "party_id": caller.party if own and caller else world.holder.party}


def filled(read: Read, values: dict[str, Any]) -> str | None:
    """The route's path naming ``values``; None if the class has no such object (a right that is
    not retirable has no certificate)."""
    parameters = re.findall(r"\{(\w+):\w+\}", read.path)
    unknown = [name for name in parameters if name not in values and name not in OPTIONAL_OBJECTS]
    assert not unknown, f"{read.path}: teach this test what {unknown} should name"
    if any(name not in values for name in parameters):
        return None
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(values[m.group(1)]), read.path)


async def holders_object(platform: Platform, world: World, read: Read) -> dict[str, Any]:
    """For a route whose declared subject this test does not build, the first object of that kind
    the holder plays a part in, found as the access guard finds parties (``api.subjects``)."""
    subject = read.access.subject
    if subject is None or subject.parameter in world.objects or subject.parameter == "party_id":
        return {}
    rows = table(TABLES.get(subject.kind, subject.kind + "s"), column("id"))
    async with platform.core.database.reads() as session:
        for identifier in (await session.execute(select(rows.c.id))).scalars():
            parties = await subjects.RESOLVERS[subject.kind](session, identifier)
            if parties and world.holder.party in (parties.get(role) for role in subject.roles):
                return {subject.parameter: identifier}
    return {}


# not every class is retirable or traded, and the world may raise no surveillance case
OPTIONAL_OBJECTS = {"certificate", "instrument", "order_id", "case_id"}


def queries(read: Read, world: World, size: int) -> list[dict[str, Any]]:
    """The route called with what it requires, and once more with every filter it takes that names
    the world's rights (so a statement is read for the issuance too)."""
    unknown = [name for name in read.required if name not in REQUIRED_QUERY]
    assert not unknown, f"{read.path}: teach this test a value for {unknown}"
    required = {name: REQUIRED_QUERY[name](size) for name in read.required}
    filters = {"issuance": world.objects["issuance_id"], "asset_class": world.cls["code"],
               "party": world.holder.party, "market": world.objects.get("instrument")}  # fmt: skip
    narrowed = {name: value for name, value in filters.items() if name in read.query and value is not None}
    return [required, {**required, **narrowed}] if narrowed else [required]


def floats_in(body: Any) -> list[Any]:
    if isinstance(body, float):
        return [body]
    if isinstance(body, dict):
        return [f for value in body.values() for f in floats_in(value)]
    if isinstance(body, list):
        return [f for value in body for f in floats_in(value)]
    return []


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    schema: dict[str, Any] = create_app(Settings()).openapi_schema.to_schema()
    return schema


def check_body(document: dict[str, Any], read: Read, answer: Any) -> None:
    """A 200 is what the OpenAPI document says it is: its media type, and for JSON its schema."""
    content = document["paths"][read.documented]["get"]["responses"]["200"]["content"]
    media = answer.headers["content-type"].split(";")[0]
    documented = {name.split(";")[0] for name in content}
    assert media in documented, f"{read.path}: {media}, documented {list(content)}"
    if media != "application/json":
        assert answer.content, read.path
        return
    body = answer.json()
    assert floats_in(body) == [], f"{read.path}: floats on the wire {floats_in(body)}"
    pointer = "/".join(["#", "paths", read.documented.replace("/", "~1"), "get", "responses", "200",
                        "content", "application~1json", "schema"])  # fmt: skip
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, DRAFT202012))
    errors = list(Draft202012Validator({"$ref": f"urn:api{pointer}"}, registry=registry).iter_errors(body))
    assert errors == [], f"{read.path}: {[e.message for e in errors][:3]}"


def test_the_classes_read_here_are_every_class_the_platform_defines() -> None:
    """A new asset class needs its template in ``tests.platform`` and so is read here too."""
    assert set(QUANTITY) == set(ATTRIBUTES)


@pytest.mark.parametrize("asset_class", sorted(QUANTITY))
async def test_every_read_answers_for_every_asset_class(
    platform: Platform, document: dict[str, Any], asset_class: str
) -> None:
    classes = {c["code"] for c in (await platform.get("/api/v1/asset-classes")).json()}
    assert classes == set(QUANTITY), "every class the platform defines is read here"
    world = await world_of(platform, asset_class)
    size = int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1])
    world.objects["tile"] = "0/000" if size >= 256 else f"0/000.p/{size}"  # the leaf hashes' first tile
    callers = [world.holder, await platform.regulator(), None]
    called = 0
    for read in reads_of(platform):
        for caller in callers:
            values = names(world, caller) | await holders_object(platform, world, read)
            path = filled(read, values)
            if path is None:
                continue
            parties = await _parties(platform, read, values)
            for query in queries(read, world, size):
                answer = await platform.get(path, caller, **query)
                promise = expected(read, caller, parties)
                who = caller.kind if caller else "anonymous"
                assert answer.status_code < 500, f"{path} {query} as {who}: {answer.text}"
                assert answer.status_code == promise, (
                    f"{path} {query} as {who}: {answer.text}, declared {promise}"
                )
                if promise == 200:
                    check_body(document, read, answer)
                called += 1
    assert called > 100
    lines = (await platform.get(f"/api/v1/parties/{world.holder.party}/statement", world.holder)).json()[
        "items"
    ]
    scale = world.cls["scale"]
    left = str(Quantity(Quantity.read(QUANTITY[asset_class]).units - 1, scale))
    assert [line["balance"] for line in lines][:2] == [QUANTITY[asset_class], left]


async def _parties(platform: Platform, read: Read, values: dict[str, Any]) -> dict[str, str] | None:
    """The parties of the object the path names, as the access guard resolves them."""
    subject = read.access.subject
    if subject is None:
        return None
    async with platform.core.database.reads() as session:
        return await subjects.RESOLVERS[subject.kind](session, values[subject.parameter])
