"""The audit has no blind spots: a state built through the API (orders partly filled, a pledge, a
contract, a freeze of units and of a party, a retirement, an issuance with decimals) audits clean,
and each change made behind the platform's back, one table at a time, is reported as a finding that
names the table and the row — a corrupt ledger row too, never a traceback."""

import asyncio
import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.cli import main
from api.config import Settings
from api.database import connect
from market.audit import audit
from settlement.audit import Finding
from settlement.ledger import Ledger
from tests.conftest import BACKEND, TEST_DB, Migrated, Template, _postgres, _restore
from tests.platform import START, Member, Platform, credit_code

TODAY = START.date()


@dataclass
class Demo:
    url: str
    key: Path
    ids: dict[str, Any]
    files: Path | None = None  # SQLite: the database's files as the demo left them
    rows: Migrated | None = None  # PostgreSQL: its rows and sequences

    def restore(self) -> None:
        if self.rows is not None:
            asyncio.run(_restore(self.rows))
            return
        assert self.files is not None
        database = Path(make_url(self.url).database or "")
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()
        for saved in self.files.iterdir():
            shutil.copy(saved, database.parent / saved.name)


async def _entered(platform: Platform, member: Member, body: dict[str, Any]) -> dict[str, Any]:
    made = await platform.post("/api/v1/orders", member, body)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def _ok(platform: Platform, path: str, member: Member, body: Any = None) -> dict[str, Any]:
    made = await platform.post(path, member, body)
    assert made.status_code in (200, 201, 202), made.text
    result: dict[str, Any] = made.json()
    return result


async def _build(platform: Platform) -> dict[str, Any]:
    """A little of everything, through the API as its users would."""
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    sink = await platform.confirmed(seller, "CS", "1000")
    await platform.open_market(sink["instrument"], "43.00")  # ±10%: 38.70 to 47.30
    await platform.deposit(buyer, "100000.00")
    ask = await _entered(
        platform,
        seller,
        {"instrument": sink["instrument"], "side": "sell", "quantity": "300", "price": "45.00"},
    )
    bid = await _entered(
        platform,
        buyer,
        {"instrument": sink["instrument"], "side": "buy", "quantity": "200", "price": "46.00"},
    )
    resting = await _entered(
        platform, buyer, {"instrument": sink["instrument"], "side": "buy", "quantity": "50", "price": "40.00"}
    )
    await _ok(
        platform,
        "/api/v1/retirements",
        buyer,
        {"issuance": sink["id"], "quantity": "20", "beneficiary": "碳中和", "purpose": "voluntary"},
    )
    emitter = await platform.onboard("enterprise")
    permit = await platform.confirmed(emitter, "EP", "96.000")
    frozen = await platform.freeze(
        {"issuance": permit["id"], "owner": emitter.party, "quantity": "10.500", "reason": "核查"}
    )
    assert frozen.status_code == 200, frozen.text
    offers = []
    for quantity in ("20.000", "5.000"):
        offers.append(
            await _ok(
                platform,
                "/api/v1/offers",
                emitter,
                {
                    "buyer": buyer.party,
                    "issuance": permit["id"],
                    "quantity": quantity,
                    "price": "389.00",
                    "deadline": platform.later(hours=1),
                },
            )
        )
    await _ok(platform, f"/api/v1/offers/{offers[0]['id']}/accept", buyer)
    await _ok(platform, f"/api/v1/offers/{offers[1]['id']}/withdraw", emitter)
    listings = []
    for quantity in ("100", "50"):
        listings.append(
            await _ok(
                platform,
                "/api/v1/listings",
                seller,
                {
                    "items": [{"issuance": sink["id"], "quantity": quantity}],
                    "ends_at": platform.later(hours=1),
                    "mode": "fixed",
                    "price": "50.00",
                },
            )
        )
    await _ok(platform, f"/api/v1/listings/{listings[0]['id']}/buy", buyer)
    await _ok(platform, f"/api/v1/listings/{listings[1]['id']}/cancel", seller)
    bank = await platform.bank()
    pledge = await _ok(
        platform,
        "/api/v1/pledges",
        seller,
        {
            "issuance": sink["id"],
            "bank": bank.party,
            "quantity": "400",
            "loan": "10000.00",
            "loan_term_end": (TODAY + dt.timedelta(days=365)).isoformat(),
        },
    )
    await _ok(
        platform,
        "/api/v1/valuations",
        bank,
        {
            "issuance": sink["id"],
            "appraiser": "江西中磊资产评估有限公司",
            "appraiser_credit_code": credit_code("91", "360100", 777),
            "method": "market",
            "value": "100000.00",
            "valued_on": TODAY.isoformat(),
            "valid_until": (TODAY + dt.timedelta(days=365)).isoformat(),
        },
    )
    await _ok(platform, f"/api/v1/pledges/{pledge['id']}/register", bank, {})
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    await platform.deposit(operator, "500000.00")
    offered = await _ok(
        platform,
        "/api/v1/contracts",
        operator,
        {
            "depositor": household.party,
            "issuance": forest["id"],
            "quantity": "156.35",
            "mode": "buyout",
            "price": "180000.00",
            "term_start": TODAY.isoformat(),
            "term_end": (TODAY + dt.timedelta(days=60)).isoformat(),
        },
    )
    contract = await _ok(platform, f"/api/v1/contracts/{offered['id']}/sign", household)
    suspect = await platform.onboard("enterprise")
    proposed = await _ok(
        platform,
        f"/api/v1/parties/{suspect.party}/freeze",
        await platform.regulator(),
        {"reason": "涉嫌虚假申报"},
    )
    await _ok(platform, f"/api/v1/proposals/{proposed['id']}/approve", await platform.colleague())
    assert await platform.audit() == []
    ids: dict[str, Any] = {
        "ask": ask["id"],
        "bid": bid["id"],
        "resting": resting["id"],
        "buyer": buyer.party,
        "suspect": suspect.party,
        "permit": permit["id"],
        "pledge": pledge["id"],
        "contract": contract["id"],
        "offer": offers[0]["id"],
        "withdrawn_offer": offers[1]["id"],
        "listing": listings[1]["id"],
    }
    async with platform.core.database.reads() as session:
        for name, query in {
            "trade": "SELECT trade_id FROM fills",
            "retired_line": "SELECT id FROM movements WHERE kind = 'retired'",
            "trade_line": "SELECT min(id) FROM cash_movements WHERE kind = 'trade'",
            "permit_block": f"SELECT min(id) FROM serial_blocks WHERE issuance_id = {permit['id']}",
            "freeze": "SELECT id FROM freezes",
            "application": f"SELECT id FROM applications WHERE issuance_id = {permit['id']}",
            "valuation": "SELECT id FROM valuations",
            "certificate": "SELECT id FROM retirements",
            "deposit_seq": "SELECT min(seq) FROM ledger_entries WHERE kind = 'cash.deposited'",
            "middle_seq": "SELECT max(seq) / 2 FROM ledger_entries",
        }.items():
            ids[name] = (await session.execute(text(query))).scalar_one()
    return ids


@pytest.fixture(scope="module")
def demo(template: Template, ledger_key: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo state, built once; each test starts from a fresh copy of it."""
    if template.migrated is not None:
        asyncio.run(_restore(template.migrated))
    else:
        assert template.path is not None
        database = Path(make_url(template.url).database or "")
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()
        shutil.copy(template.path, database)

    async def build() -> dict[str, Any]:
        async with Platform.start(template.url, ledger_key) as platform:
            return await _build(platform)

    ids = asyncio.run(build())
    if template.migrated is not None:
        yield Demo(template.url, ledger_key, ids, rows=asyncio.run(_read()))
        return
    saved = tmp_path_factory.mktemp("demo")
    database = Path(make_url(template.url).database or "")
    for part in database.parent.glob(database.name + "*"):
        shutil.copy(part, saved / part.name)
    yield Demo(template.url, ledger_key, ids, files=saved)


async def _read() -> Migrated:
    connection = await _postgres(TEST_DB)
    try:
        return await Migrated.read(connection)
    finally:
        await connection.close()


async def _audit_after(demo: Demo, statement: str, params: dict[str, Any]) -> list[Finding]:
    """Change the database behind the platform's back, then audit it as a fresh process would."""
    database = connect(demo.url)
    try:
        async with database.reads() as session:
            if statement:
                await session.execute(text(statement), params)
                await session.commit()
        async with database.reads() as session:
            return await audit(
                session, Ledger(Settings(demo.url, demo.key).ledger_origin, Ed25519PrivateKey.generate())
            )
    finally:
        await database.dispose()


@dataclass(frozen=True)
class Tamper:
    name: str
    table: str
    row: str  # the key in ``Demo.ids`` of the row the finding must name
    sql: str
    engines: tuple[str, ...] = ("sqlite", "postgres")


TAMPERS = [
    Tamper("order remainder", "orders", "ask", "UPDATE orders SET remaining = remaining + 1 WHERE id = :ask"),
    Tamper("order status", "orders", "ask", "UPDATE orders SET status = 'cancelled' WHERE id = :ask"),
    Tamper("buy order filled", "orders", "bid", "UPDATE orders SET filled = filled - 1 WHERE id = :bid"),
    Tamper(
        "buy order remainder",
        "orders",
        "resting",
        "UPDATE orders SET remaining = remaining - 1 WHERE id = :resting",
    ),
    Tamper("fill price", "fills", "trade", "UPDATE fills SET price = price + 100 WHERE trade_id = :trade"),
    Tamper(
        "fill quantity", "fills", "trade", "UPDATE fills SET quantity = quantity - 1 WHERE trade_id = :trade"
    ),
    Tamper("fill deleted", "fills", "trade", "DELETE FROM fills WHERE trade_id = :trade"),
    Tamper(
        "unit statement line",
        "movements",
        "retired_line",
        "UPDATE movements SET quantity = quantity + 1 WHERE id = :retired_line",
    ),
    Tamper(
        "cash statement line",
        "cash_movements",
        "trade_line",
        "UPDATE cash_movements SET amount = amount + 1 WHERE id = :trade_line",
    ),
    Tamper("pledge terms", "pledges", "pledge", "UPDATE pledges SET loan = loan + 100 WHERE id = :pledge"),
    Tamper("pledge status", "pledges", "pledge", "UPDATE pledges SET status = 'released' WHERE id = :pledge"),
    Tamper(
        "contract terms",
        "contracts",
        "contract",
        "UPDATE contracts SET price = price - 100 WHERE id = :contract",
    ),
    Tamper(
        "issuance total",
        "issuances",
        "permit",
        "UPDATE issuances SET quantity = quantity + 1000 WHERE id = :permit",
    ),
    Tamper("party kind", "parties", "buyer", "UPDATE parties SET kind = 'bank' WHERE id = :buyer"),
    Tamper("party freeze", "parties", "suspect", "UPDATE parties SET frozen_at = NULL WHERE id = :suspect"),
    Tamper("offer value", "offers", "offer", "UPDATE offers SET value = value + 1 WHERE id = :offer"),
    Tamper(
        "offer status",
        "offers",
        "withdrawn_offer",
        "UPDATE offers SET status = 'declined' WHERE id = :withdrawn_offer",
    ),
    Tamper(
        "listing status", "listings", "listing", "UPDATE listings SET status = 'open' WHERE id = :listing"
    ),
    Tamper(
        "application",
        "applications",
        "application",
        "UPDATE applications SET quantity = quantity - 1 WHERE id = :application",
    ),
    Tamper(
        "valuation",
        "valuations",
        "valuation",
        "UPDATE valuations SET value = value * 2 WHERE id = :valuation",
    ),
    Tamper(
        "unit freeze", "freezes", "freeze", "UPDATE freezes SET quantity = quantity - 1 WHERE id = :freeze"
    ),
    Tamper(
        "retirement",
        "retirements",
        "certificate",
        "UPDATE retirements SET quantity = quantity + 1 WHERE id = :certificate",
    ),
    Tamper(
        "block owner",
        "serial_blocks",
        "permit_block",
        "UPDATE serial_blocks SET owner_id = :buyer WHERE id = :permit_block",
    ),
    Tamper(
        "cash balance",
        "cash_accounts",
        "buyer",
        "UPDATE cash_accounts SET balance = balance + 100 WHERE party_id = :buyer",
    ),
    Tamper(
        "cash reservation",
        "cash_accounts",
        "buyer",
        "UPDATE cash_accounts SET reserved = reserved + 100 WHERE party_id = :buyer",
    ),
    Tamper(
        "ledger row kind",
        "ledger_entries",
        "deposit_seq",
        "UPDATE ledger_entries SET kind = 'units.transferred' WHERE seq = :deposit_seq",
    ),
    Tamper(
        "ledger row bytes",
        "ledger_entries",
        "deposit_seq",
        "UPDATE ledger_entries SET canonical = :richer WHERE seq = :deposit_seq",
    ),
    Tamper(
        "ledger row not JSON",
        "ledger_entries",
        "middle_seq",
        "UPDATE ledger_entries SET canonical = :junk WHERE seq = :middle_seq",
    ),
    Tamper(
        "ledger row deleted",
        "ledger_entries",
        "middle_seq",
        "DELETE FROM ledger_entries WHERE seq = :middle_seq",
    ),
    Tamper(
        "ledger row of the wrong type",
        "ledger_entries",
        "middle_seq",
        "UPDATE ledger_entries SET canonical = CAST(canonical AS TEXT) WHERE seq = :middle_seq",
        engines=("sqlite",),
    ),
    Tamper(
        "ledger seq of the wrong type",
        "ledger_entries",
        "middle_seq",
        "UPDATE ledger_entries SET seq = 'x' || seq WHERE seq = :middle_seq",
        engines=("sqlite",),
    ),
]


async def _richer_deposit(demo: Demo) -> bytes:
    """The first deposit's stored bytes with a bigger amount: still a canonical entry."""
    database = connect(demo.url)
    try:
        async with database.reads() as session:
            query = text("SELECT canonical FROM ledger_entries WHERE seq = :seq")
            raw = bytes((await session.execute(query, {"seq": demo.ids["deposit_seq"]})).scalar_one())
    finally:
        await database.dispose()
    assert b'"amount":"100000.00"' in raw
    return raw.replace(b'"amount":"100000.00"', b'"amount":"900000.00"')


def test_the_demo_state_audits_clean(demo: Demo) -> None:
    demo.restore()
    assert asyncio.run(_audit_after(demo, "", {})) == []


# a tamper that stores a value of the wrong type only where the engine lets it (PostgreSQL keeps
# the column's type): on the other engine it is not a case at all
POSSIBLE = [tamper for tamper in TAMPERS if BACKEND in tamper.engines]


@pytest.mark.parametrize("tamper", POSSIBLE, ids=[t.name for t in POSSIBLE])
def test_every_tampered_table_is_reported_naming_the_row(demo: Demo, tamper: Tamper) -> None:
    demo.restore()
    params = {**demo.ids, "junk": b"{not json", "richer": asyncio.run(_richer_deposit(demo))}
    used = {name: value for name, value in params.items() if f":{name}" in tamper.sql}
    findings = asyncio.run(_audit_after(demo, tamper.sql, used))
    row = str(demo.ids[tamper.row])
    assert any(f.table == tamper.table and row in f.row for f in findings), "\n".join(map(str, findings))


def test_the_command_line_lists_the_findings_and_fails(
    demo: Demo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.restore()
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", demo.url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(demo.key))
    assert main(["ledger", "audit"]) == 0
    assert "agrees with the ledger" in capsys.readouterr().err
    statement = "UPDATE ledger_entries SET kind = 'no.such.kind' WHERE seq = :deposit_seq"
    asyncio.run(_audit_after(demo, statement, {"deposit_seq": demo.ids["deposit_seq"]}))
    statement = "UPDATE orders SET remaining = remaining + 1 WHERE id = :ask"
    asyncio.run(_audit_after(demo, statement, {"ask": demo.ids["ask"]}))
    assert main(["ledger", "audit"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"ledger_entries {demo.ids['deposit_seq']}: kind is 'no.such.kind'" in err
    assert f"orders {demo.ids['ask']}: remaining" in err
