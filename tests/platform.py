"""The platform as a test sees it: the real app over HTTP (Litestar's test client), plus helpers
that onboard parties and confirm rights the way their users would, through the API."""

import asyncio
import datetime as dt
import functools
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, inspect, select, text

import api.platform
from api.app import create_app
from api.cli import main
from api.config import Settings
from api.dispatch import run_webhooks
from api.rate_limits import UNLIMITED, Limits
from api.schedule import run_expiries, run_lapses
from market.audit import audit
from registry.context import PartyKind
from registry.events import ACTING_USER
from registry.identifiers import credit_code_check_char, resident_id_check_char
from registry.parties import bootstrap
from settlement.audit import Finding
from settlement.tables import LedgerHeadRow

ATTRIBUTES: dict[str, dict[str, Any]] = {
    "CS": {
        "project_id": "JX-FC-361028-001",
        "standard": "JX-FCER",
        "methodology": "AR-CM-001-V01",
        "project_type": "afforestation",
        "monitoring_start": "2024-01-01",
        "monitoring_end": "2024-12-31",
        "verifier": "中环联合（北京）认证中心有限公司",
    },
    "EP": {
        "pollutant": "SO2",
        "medium": "air",
        "permit_no": "91360100PW0001SO",
        "term_start": "2024-01-01",
        "term_end": "2028-12-31",
    },
    "FR": {
        "unit_no": "361028001002JL00001L00000001",
        "right_kind": "林地使用权",
        "lin_ban": "12",
        "xiao_ban": "3",
        "place": "嵩市镇草坪村5组后山",
        "species": "杉木",
        "forest_type": "商品林",
        "term_end": "2060-12-31",
    },
    "WL": {
        "form": "indicator",
        "wetland_type": "湖泊湿地",
        "quality_grade": "II",
        "acceptance_date": "2024-10-15",
    },
}
ATTRIBUTES["EPHM"] = {
    **ATTRIBUTES["EP"],
    "pollutant": "Pb",
    "medium": "water",
    "permit_no": "91360100PW2026PB",
}
QUANTITY = {"CS": "1000", "EP": "96.000", "EPHM": "12.500", "FR": "156.35", "WL": "120.00"}


def fresh(template: str, n: int) -> dict[str, Any]:
    """The template's attributes naming a right of its own (``registry.identity``): a permit, project or
    unit number of the ``n``-th application, so that a test's rights never claim one another's. The
    numbers differ from the templates' own, which tests that mean to claim a right again name."""
    attributes = dict(ATTRIBUTES[template])
    if "permit_no" in attributes:
        attributes["permit_no"] += f"-T{n}"
    if "project_id" in attributes:
        attributes["project_id"] += f"-T{n}"
    if "unit_no" in attributes:
        attributes["unit_no"] = attributes["unit_no"][:-8] + f"{90_000_000 + n:08d}"
    return attributes


# The platform's time in every test: fixed, so that no test depends on the day it runs; 10:00 in Jiangxi,
# within the terms of the rights the templates above describe.
START = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


class Clock:
    """The app's clock in tests: it moves when the test moves it (``Platform.advance``), and by one
    microsecond each time it is read, so that no two events share an instant, as on a real clock."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.now = START
        self._ticks = itertools.count(1)  # next() is atomic: the app's thread reads it too

    def __call__(self) -> dt.datetime:
        return self.now + dt.timedelta(microseconds=next(self._ticks))


class _FromThread(httpx.AsyncBaseTransport):
    """Send each request from a worker thread: see ``OverlappingClient``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> Response:
        result: Response = await anyio.to_thread.run_sync(self.inner.handle_request, request)
        return result


class OverlappingClient(AsyncTestClient[Litestar]):
    """Litestar's async test client, with requests that really run at the same time.

    The stock client hands each request to the app's event loop and blocks the test's loop until the
    answer is back, so requests a test gathers run one after another, and a race never races. This one
    sends each from a worker thread: requests sent at once are in the app at once, as from several
    clients."""

    def __init__(self, app: Litestar) -> None:
        super().__init__(app)
        self._transport = _FromThread(self._transport)  # httpx sends through it


@functools.cache
def _app(
    database_url: str,
    key_path: Path,
    fee_bps: int,
    limits: Limits,
    witnesses: tuple[str, ...] = (),
    private_webhooks: bool = True,
) -> tuple[Litestar, Clock, Settings]:
    """The app for these settings, built once: building it (Litestar registers and inspects every
    route) costs more than a test's requests. Each test runs its own lifespan on it (a fresh platform,
    ledger and books) on a database reset to the migrated state, with the clock set back to START.

    The scheduler runs its jobs once at start and then not again within a test: a test moves the
    clock and runs them itself (``Platform.advance``), so that nothing waits on the wall clock.

    Rate limits are off unless a test sets them: every test's requests come from one address, many
    with the clock standing still. Webhooks may deliver to addresses that are not public, unlike a
    deployment's by default, since the tests' receivers listen on http://127.0.0.1; a test that says
    so gets a deployment's rule (``private_webhooks=False``)."""
    clock = Clock()
    settings = Settings(
        database_url=database_url,
        ledger_key=key_path,
        fee_bps=fee_bps,
        expiry_interval_s=3600,
        market_interval_s=3600,
        webhook_interval_s=3600,
        webhook_plain_http=True,
        webhook_private_addresses=private_webhooks,
        limits=limits,
        witnesses=witnesses,
    )
    return create_app(settings, clock), clock, settings


@dataclass(frozen=True)
class Member:
    party: str
    key: str
    kind: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


class Platform:
    def __init__(
        self, client: OverlappingClient, core: api.platform.Platform, clock: Clock, registrar: Member
    ) -> None:
        self.client = client
        self.core = core
        self.clock = clock
        self.registrar = registrar
        self._numbers = itertools.count(1)
        self._rights = itertools.count(1)
        self._regulator: Member | None = None
        self._colleague: Member | None = None
        self._bank: Member | None = None

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        database_url: str,
        key_path: Path,
        fee_bps: int = 0,
        limits: Limits = UNLIMITED,
        witnesses: tuple[str, ...] = (),
        private_webhooks: bool = True,
    ) -> AsyncIterator["Platform"]:
        app, clock, settings = _app(database_url, key_path, fee_bps, limits, witnesses, private_webhooks)
        clock.reset()
        # The test client runs the app on its own event loop; the test reads and writes the database
        # through a platform of its own, built the same way, on the test's loop.
        async with OverlappingClient(app) as client, api.platform.build_platform(settings, clock) as core:
            async with core.unit_of_work() as work:
                issued = await bootstrap(
                    work,
                    kind=PartyKind.REGISTRAR,
                    name="江西省公共资源交易中心",
                    credit_code=credit_code("91", "360100", 0),
                    division_code="360100",
                    user_name="登记员",
                )
                await work.commit()
            yield cls(client, core, clock, Member(issued.party_id, issued.key, "registrar"))

    @property
    def now(self) -> dt.datetime:
        return self.clock.now

    def later(self, **delta: float) -> str:
        """The platform's time ``delta`` from now, as a request carries it."""
        return (self.clock.now + dt.timedelta(**delta)).isoformat()

    async def advance(self, **delta: float) -> None:
        """Move the clock on by ``delta`` and run the scheduler's jobs, as its next tick would: in the
        app, on its event loop, with its platform (its order books are there)."""
        self.clock.now += dt.timedelta(**delta)
        served = self.client.app.state.platform
        for job in (run_expiries, run_lapses):
            await anyio.to_thread.run_sync(self.client.blocking_portal.call, job, served)

    async def deliver(self) -> None:
        """Run the webhook dispatcher, as its next tick would: in the app, with its platform."""
        served = self.client.app.state.platform
        await anyio.to_thread.run_sync(self.client.blocking_portal.call, run_webhooks, served)

    async def post(self, path: str, member: Member | None, body: Any = None, **headers: str) -> Response:
        auth = member.auth if member else {}
        return await self.client.post(path, json=body, headers={**auth, **headers})

    async def get(self, path: str, member: Member | None = None, **params: Any) -> Response:
        return await self.client.get(path, params=params, headers=member.auth if member else {})

    async def at_once(self, *requests: Awaitable[Response]) -> list[Response]:
        """Send ``requests`` together, and make sure they reach the app's sequencer together.

        On PostgreSQL the ledger's head (which every batch that writes entries takes last, to append
        them) is held until every request has been queued, so they are sequenced as one burst, as
        from clients racing; it fails if they never are. SQLite runs one writer at a time by design
        (``BEGIN IMMEDIATE``)."""
        if not self.core.database.writer.url.get_backend_name().startswith("postgresql"):
            return list(await asyncio.gather(*requests))
        sequencer = self.client.app.state.platform.sequencer
        before = sequencer.submitted
        async with self.core.database.writer.connect() as holder:
            await holder.execute(select(LedgerHeadRow.size).with_for_update())
            sent = [asyncio.ensure_future(request) for request in requests]
            with anyio.fail_after(30):
                while sequencer.submitted - before < len(sent):  # noqa: ASYNC110  (the app's loop is another thread's)
                    await asyncio.sleep(0.01)
            await holder.rollback()
        return list(await asyncio.gather(*sent))

    async def onboard(self, kind: str, division: str = "360100", role: str = "manager") -> Member:
        """A party onboarded by the registrar with its first user; a regulator's, a registrar's or a
        bank's with four eyes: the registrar proposes, the first regulator approves."""
        n = next(self._numbers)
        identifier = (
            {"resident_id": resident_id(division, n)}
            if kind == "person"
            else {"credit_code": credit_code("N1" if kind == "collective" else "91", division, n)}
        )
        party = await self.post(
            "/api/v1/parties",
            self.registrar,
            {"kind": kind, "name": f"测试{kind}{n}", "division": division, **identifier},
        )
        assert party.status_code == 201, party.text
        return await self.add_user(self.registrar, party.json()["id"], kind, role)

    async def add_user(
        self, by: Member, party: str, kind: str, role: str = "manager", approver: Member | None = None
    ) -> Member:
        """A user added to ``party`` by ``by``; where it takes four eyes, approved by ``approver``
        (the first regulator unless named)."""
        n = next(self._numbers)
        user = await self.post(f"/api/v1/parties/{party}/users", by, {"name": f"用户{n}", "role": role})
        if user.status_code == 202:
            approved = await self.post(
                f"/api/v1/proposals/{user.json()['proposal']['id']}/approve",
                approver or await self.regulator(),
            )
            assert approved.status_code == 200, approved.text
        else:
            assert user.status_code == 201, user.text
        return Member(party, user.json()["key"], kind)

    async def regulator(self) -> Member:
        """The first regulator, which the platform creates itself (``liangshan regulator create``)."""
        if self._regulator is None:
            n = next(self._numbers)
            async with self.core.unit_of_work() as work:
                issued = await bootstrap(
                    work,
                    kind=PartyKind.REGULATOR,
                    name="江西省生态环境厅",
                    credit_code=credit_code("11", "360000", n),
                    division_code="360000",
                    user_name="监管员",
                )
                await work.commit()
            self._regulator = Member(issued.party_id, issued.key or "", "regulator")
        return self._regulator

    async def colleague(self) -> Member:
        """A second user of the regulator: the other pair of eyes for freezes and large issuances,
        proposed by the regulator (its own manager) and approved by the registrar."""
        if self._colleague is None:
            regulator = await self.regulator()
            self._colleague = await self.add_user(
                regulator, regulator.party, "regulator", approver=self.registrar
            )
        return self._colleague

    async def freeze(self, body: dict[str, Any]) -> Response:
        """Freeze with four eyes: the regulator proposes, its colleague approves."""
        proposed = await self.post("/api/v1/freezes", await self.regulator(), body)
        if proposed.status_code != 202:
            return proposed
        return await self.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", await self.colleague())

    async def bank(self) -> Member:
        if self._bank is None:
            self._bank = await self.onboard("bank")
        return self._bank

    async def apply(
        self, member: Member, template: str = "CS", quantity: str | None = None, **overrides: Any
    ) -> Response:
        """File an application for a right of the ``template`` class, a right of its own unless
        ``overrides`` name its attributes; ``overrides`` replace body fields."""
        body = {
            "asset_class": template,
            "division": "361028",
            "vintage": 2024,
            "quantity": quantity or QUANTITY[template],
            "attributes": fresh(template, next(self._rights)),
        }
        body.update(overrides)
        return await self.post("/api/v1/applications", member, body)

    async def confirmed(
        self, member: Member, template: str = "CS", quantity: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        filed = await self.apply(member, template, quantity, **overrides)
        assert filed.status_code == 201, filed.text
        issued = await self.post(f"/api/v1/applications/{filed.json()['id']}/confirm", await self.regulator())
        assert issued.status_code == 201, issued.text
        result: dict[str, Any] = issued.json()
        return result

    async def served(self, member: Member, bank: Member | None = None) -> None:
        """The member's party names ``bank`` (the platform's test bank by default) its settlement bank."""
        bank = bank or await self.bank()
        named = await self.client.put(
            f"/api/v1/parties/{member.party}/settlement-bank", json={"bank": bank.party}, headers=member.auth
        )
        assert named.status_code == 200, named.text

    async def retire_all(self, member: Member, issued: dict[str, Any]) -> Response:
        """The member retires every unit of the right ``issued`` (as confirmed), voluntarily."""
        body = {
            "issuance": issued["id"],
            "quantity": issued["quantity"],
            "beneficiary": "南昌",
            "purpose": "voluntary",
        }
        return await self.post("/api/v1/retirements", member, body)

    async def deposit(self, member: Member, amount: str) -> Response:
        """The test bank confirms a deposit for the member's party, having been named its bank."""
        await self.served(member)
        reference = f"REF{next(self._numbers)}"
        return await self.post(
            "/api/v1/cash/deposits",
            await self.bank(),
            {"party": member.party, "amount": amount, "reference": reference},
        )

    async def open_market(self, instrument: str, reference: str, band_bps: int | None = None) -> None:
        """The registrar sets a new instrument's reference price (and its band, if given): an
        instrument takes no orders before it has one."""
        rules: dict[str, Any] = {"reference_price": reference}
        if band_bps is not None:
            rules["band_bps"] = band_bps
        changed = await self.client.put(
            f"/api/v1/market/{instrument}/rules", json=rules, headers=self.registrar.auth
        )
        assert changed.status_code == 200, changed.text

    async def holdings(self, member: Member) -> dict[tuple[int, str], str]:
        found = await self.get(f"/api/v1/parties/{member.party}/holdings", member)
        assert found.status_code == 200, found.text
        return {(h["issuance"], h["state"]): h["quantity"] for h in found.json()}

    async def bodies(self, kind: str) -> list[dict[str, Any]]:
        """The bodies of the ledger's entries of ``kind``, in order, as stored, without the acting user
        beside the kind's own fields (``registry.events.ACTING_USER``)."""
        async with self.core.database.reads() as session:
            rows = await session.execute(
                text("SELECT canonical FROM ledger_entries WHERE kind = :kind ORDER BY seq"), {"kind": kind}
            )
            bodies = [json.loads(raw)["body"] for raw in rows.scalars()]
        return [{name: value for name, value in body.items() if name != ACTING_USER} for body in bodies]

    async def audit(self) -> list[Finding]:
        async with self.core.database.reads() as session:
            return await audit(session, self.core.ledger)

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        """The SQL statements the app sends to its database meanwhile (a SQLite ``BEGIN`` among them;
        COMMIT is no statement, nor PostgreSQL's COPY), counted at the driver's cursor."""
        seen: list[str] = []

        def note(_connection: object, _cursor: object, statement: str, *_: object) -> None:
            seen.append(statement)

        database = self.client.app.state.platform.database
        engines = {
            id(e.sync_engine): e.sync_engine for e in (database.writer, database.reader, database.sequencer)
        }.values()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", note)

    async def fingerprint(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table the migrated schema holds, so that a new table cannot be left out:
        equal fingerprints mean that a request changed nothing. No table is exempt: a refused request
        leaves no trace anywhere (not even a used key's timestamp)."""
        result = {}
        async with self.core.database.reads() as session:
            connection = await session.connection()
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            for table in tables:
                rows = await session.execute(text(f'SELECT * FROM "{table}"'))
                result[table] = sorted(tuple(map(repr, row)) for row in rows)
        assert "ledger_entries" in result  # the schema was read, not an empty one
        return result


def credit_code(head: str, division: str, n: int) -> str:
    body = f"{head}{division}{n:09d}"
    return body + credit_code_check_char(body)


def resident_id(division: str, n: int) -> str:
    body = f"{division}19800101{n % 1000:03d}"
    return body + resident_id_check_char(body)


async def cli(*args: str) -> int:
    """Run the command line as a user would: it starts its own event loop, so off the test's one."""
    return await anyio.to_thread.run_sync(partial(main, list(args)))


APPRAISER = {
    "appraiser": "江西中磊资产评估有限公司",
    "appraiser_credit_code": credit_code("91", "360100", 777),
}


def appraisal(issuance: int, value: str = "45000.00") -> dict[str, Any]:
    """A valuation's body: a market appraisal valid for a year from the platform's start."""
    today = START.date()
    return {
        "issuance": issuance,
        **APPRAISER,
        "method": "market",
        "value": value,
        "valued_on": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=365)).isoformat(),
    }
