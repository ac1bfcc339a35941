"""The platform as an operator starts and extends it: keys, new kinds of rights, demo data."""

import json
from pathlib import Path

import pytest

from api.app import create_app
from api.config import Settings
from settlement.signing_key import SigningKeyError
from tests.platform import Platform, cli

pytestmark = pytest.mark.anyio

WATER = {
    "code": "WR",
    "name": "Water use right",
    "name_zh": "用水权",
    "unit": "m3/a",
    "scale": 0,
    "price_basis": "unit",
    "retirable": False,
    "fungible_by": ["basin", "division"],
    "term_attribute": "term_end",
    "attribute_schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["basin", "term_end"],
        "properties": {
            "basin": {"enum": ["赣江", "抚河", "信江", "饶河", "修河"]},
            "term_end": {"type": "string", "format": "date"},
        },
    },
}


async def test_a_new_kind_of_right_is_data_plus_a_schema(platform: Platform) -> None:
    assert (
        await platform.post("/api/v1/asset-classes", await platform.regulator(), WATER)
    ).status_code == 403
    defined = await platform.post("/api/v1/asset-classes", platform.registrar, WATER)
    assert defined.status_code == 201, defined.text
    holder = await platform.onboard("enterprise")
    filed = await platform.apply(
        holder,
        "CS",
        asset_class="WR",
        quantity="50000",
        attributes={"basin": "赣江", "term_end": "2035-12-31"},
    )
    assert filed.status_code == 201, filed.text
    issued = await platform.post(
        f"/api/v1/applications/{filed.json()['id']}/confirm", await platform.regulator()
    )
    assert issued.json()["serial"].startswith("WR-361028-2024-")
    again = await platform.post("/api/v1/asset-classes", platform.registrar, WATER)
    assert again.status_code == 409 and again.json()["field"] == "code"
    broken = await platform.post(
        "/api/v1/asset-classes", platform.registrar, {**WATER, "code": "WX", "fungible_by": ["nonsense"]}
    )
    assert broken.status_code == 422 and broken.json()["field"] == "fungible_by"


async def test_reference_data_and_unknown_routes(platform: Platform) -> None:
    cities = (await platform.get("/api/v1/divisions", parent="360000")).json()
    assert len(cities) == 11 and {c["name"] for c in cities} >= {"南昌市", "上饶市"}
    missing = await platform.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_the_server_refuses_to_start_without_the_key_that_signed_its_ledger(
    platform: Platform, database_url: str, tmp_path: Path
) -> None:
    await platform.onboard("enterprise")
    app = create_app(Settings(database_url=database_url, ledger_key=tmp_path / "elsewhere.key"))
    with pytest.raises(BaseExceptionGroup) as refused:
        async with app.lifespan():
            pass
    assert refused.group_contains(SigningKeyError, match="signing key")
    assert not (tmp_path / "elsewhere.key").exists()


async def test_demo_seed_builds_a_ledger_that_verifies(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "demo.key"))
    keys = tmp_path / "demo-keys.env"
    assert await cli("demo", "seed", "--keys-file", str(keys)) == 0
    text = keys.read_text()
    for role in ("REGISTRAR", "REGULATOR", "BANK", "OPERATOR", "ENTERPRISE"):
        assert f"{role}_KEY=lsk_" in text
    assert await cli("demo", "seed", "--if-empty", "--keys-file", str(keys)) == 0
    assert await cli("ledger", "export", str(tmp_path / "export")) == 0
    lines = (tmp_path / "export" / "entries.jsonl").read_bytes().splitlines()
    assert len(lines) >= 300
    entries = [json.loads(line) for line in lines]
    named = {e["body"]["party"]: e["body"]["bank"] for e in entries if e["kind"] == "cash.bank_designated"}
    holders = {
        e["body"]["party"]
        for e in entries
        if e["kind"] == "party.onboarded"
        and e["body"]["kind"] in ("enterprise", "collective", "person", "operator", "bank")
    }
    # every holder's cash account names the bank that serves it, and each bank's names the other,
    # from which it pays an owner a pledge's surplus (折价)
    assert set(named) == holders
    demo = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert named[demo["ENTERPRISE_PARTY"]] == demo["BANK_PARTY"]  # the README tour's deposit
    assert await cli("ledger", "verify", str(tmp_path / "export")) == 0
    assert await cli("ledger", "audit") == 0


async def test_serve_refuses_with_a_clear_message_when_the_key_is_missing(
    platform: Platform,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    await platform.onboard("enterprise")
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "lost.key"))
    assert await cli("serve", "--port", "1") == 3
    assert "refusing to start" in capfd.readouterr().err
