"""Regulators: related-party links, surveillance (wash, circular, price, concentration) as it opens
cases, trade search with CSV export, the ledger audit on demand — and nobody else may call them."""

import csv
import io
from typing import Any

import pytest

from tests.api.test_negotiated import offer
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def sold(
    platform: Platform, seller: Member, buyer: Member, issuance: int, quantity: str, price: str
) -> str:
    made = await offer(platform, seller, buyer, issuance, quantity, price)
    accepted = await platform.post(f"/api/v1/offers/{made['id']}/accept", buyer)
    assert accepted.status_code == 200, accepted.text
    return str(accepted.json()["trade"])


async def ring(platform: Platform) -> tuple[list[Member], int, list[str]]:
    """Three collectives trading carbon sink around a circle: A → B → C → A."""
    a, b, c = [await platform.onboard("collective", "361028") for _ in range(3)]
    for member in (a, b, c):
        await platform.deposit(member, "100000.00")
    issued = await platform.confirmed(a, "CS", "1000")
    trades = [
        await sold(platform, a, b, issued["id"], "100", "45.00"),
        await sold(platform, b, c, issued["id"], "100", "45.50"),
        await sold(platform, c, a, issued["id"], "100", "60.00"),  # and a price far from the rest
    ]
    return [a, b, c], issued["id"], trades


async def alerts(platform: Platform) -> list[dict[str, Any]]:
    """Surveillance run now, and every case it has opened: kind, trade ids, party ids, detail."""
    regulator = await platform.regulator()
    assert (await platform.post("/api/v1/supervision/cases/scan", regulator)).status_code == 200
    found = await platform.get("/api/v1/supervision/cases", regulator, limit=500)
    assert found.status_code == 200, found.text
    return [
        {
            "kind": case["kind"],
            "trades": [t["trade"] for t in case["trades"]],
            "parties": [p["id"] for p in case["parties"]],
            "detail": case["detail"],
        }
        for case in found.json()["items"]
    ]


async def test_circular_trades_and_price_outliers_are_flagged(platform: Platform) -> None:
    (a, b, c), _, trades = await ring(platform)
    found = await alerts(platform)
    circular = [x for x in found if x["kind"] == "circular"]
    assert len(circular) == 1 and sorted(circular[0]["trades"]) == sorted(trades)
    assert sorted(circular[0]["parties"]) == sorted([a.party, b.party, c.party])
    prices = [x for x in found if x["kind"] == "price"]
    assert [x["trades"] for x in prices] == [[trades[2]]]  # 60.00 against an average of 45.25
    assert "average" in prices[0]["detail"]


async def test_trades_between_related_parties_are_wash_trades(platform: Platform) -> None:
    (a, b, _), _, trades = await ring(platform)
    regulator = await platform.regulator()
    assert not [x for x in await alerts(platform) if x["kind"] == "wash"]
    link = {"party_a": a.party, "party_b": b.party, "kind": "controller"}
    declared = await platform.post("/api/v1/supervision/links", regulator, link)
    assert declared.status_code == 201, declared.text
    again = await platform.post("/api/v1/supervision/links", regulator, link)
    assert again.status_code == 409
    wash = [x for x in await alerts(platform) if x["kind"] == "wash"]
    assert [x["trades"] for x in wash] == [[trades[0]]]


async def test_concentration_names_the_dominant_party(platform: Platform) -> None:
    seller, b, c = [await platform.onboard("collective", "361028") for _ in range(3)]
    for member in (b, c):
        await platform.deposit(member, "100000.00")
    issued = await platform.confirmed(seller, "CS", "1000")
    first = await sold(platform, seller, b, issued["id"], "300", "45.00")
    second = await sold(platform, seller, c, issued["id"], "100", "45.00")
    concentration = [x for x in await alerts(platform) if x["kind"] == "concentration"]
    sells = [x for x in concentration if x["parties"] == [seller.party]]
    assert len(sells) == 1 and sorted(sells[0]["trades"]) == sorted([first, second])
    assert "sells 100%" in sells[0]["detail"]
    buys = [x for x in concentration if x["parties"] == [b.party]]
    assert "buys 75%" in buys[0]["detail"]  # 300 of the day's 400


async def test_trade_search_exports_csv(platform: Platform) -> None:
    (a, _, _), _, trades = await ring(platform)
    regulator = await platform.regulator()
    mine = await platform.get("/api/v1/supervision/trades", regulator, party=a.party)
    assert sorted(t["trade"] for t in mine.json()) == sorted([trades[0], trades[2]])
    exported = await platform.get("/api/v1/supervision/trades", regulator, format="csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["trade"] for r in rows] == trades and rows[0]["price"] == "45.00"
    bad = await platform.get("/api/v1/supervision/trades", regulator, since="2026-01-01T00:00:00")
    assert bad.status_code == 400 or bad.json()["field"] == "since"


async def test_the_ledger_audit_runs_on_demand(platform: Platform) -> None:
    await ring(platform)
    audited = await platform.get("/api/v1/supervision/audit", await platform.regulator())
    assert audited.status_code == 200, audited.text
    assert audited.json()["verification"].startswith("ok") and audited.json()["replay_differences"] == []


async def test_an_enterprise_cannot_call_regulator_endpoints(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    for path in ("cases", "trades", "audit", "links"):
        assert (await platform.get(f"/api/v1/supervision/{path}", enterprise)).status_code == 403
    link = {"party_a": enterprise.party, "party_b": platform.registrar.party, "kind": "controller"}
    assert (await platform.post("/api/v1/supervision/links", enterprise, link)).status_code == 403


async def test_one_party_winning_most_of_a_lot_is_flagged(platform: Platform) -> None:
    seller, big, small, late = [await platform.onboard("collective", "361028") for _ in range(4)]
    issued = await platform.confirmed(seller, "CS", "1000")
    for member in (big, small, late):
        await platform.deposit(member, "100000.00")
    ends = platform.later(seconds=2)
    body = {
        "items": [{"issuance": issued["id"], "quantity": "1000"}],
        "mode": "sealed",
        "price": "40.00",
        "ends_at": ends,
    }
    listing = (await platform.post("/api/v1/listings", seller, body)).json()
    for member, price, quantity in ((big, "45.00", "800"), (small, "45.00", "200"), (late, "41.00", "100")):
        await platform.post(f"/api/v1/listings/{listing['id']}/register", member)
        await platform.post(
            f"/api/v1/listings/{listing['id']}/bids", member, {"price": price, "quantity": quantity}
        )
    await platform.advance(seconds=2)  # the auction ends and the scheduler closes it
    assert (await platform.get(f"/api/v1/listings/{listing['id']}")).json()["status"] == "sold"
    lots = [
        x for x in await alerts(platform) if "lot" in x["detail"]
    ]  # three bidders: enough to mean something
    assert [(x["parties"], "80%" in x["detail"]) for x in lots] == [([big.party], True)]
