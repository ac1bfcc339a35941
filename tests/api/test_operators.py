"""Operators (两山银行): buy-outs settled DvP, mandates (lease, custody, co-operation) that let the
operator sell a depositor's units within the contract's limits and share the proceeds, and the
inventory report rolled up county → city → province, with CSV export."""

import csv
import datetime as dt
import io
from typing import Any

import pytest

from tests.platform import START, Member, Platform, credit_code

pytestmark = pytest.mark.anyio
TODAY = START.date()  # the platform's clock in tests


async def contract(
    platform: Platform, operator: Member, depositor: Member, issuance: int, **terms: Any
) -> Any:
    body = {
        "depositor": depositor.party,
        "issuance": issuance,
        "quantity": "156.35",
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + dt.timedelta(days=60)).isoformat(),
        **terms,
    }
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    signed = await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", depositor)
    assert signed.status_code == 200, signed.text
    return signed.json()


async def balance(platform: Platform, member: Member) -> str:
    return str((await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"])


async def test_a_buyout_moves_the_right_against_the_price(platform: Platform) -> None:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    await platform.deposit(operator, "500000.00")
    signed = await contract(platform, operator, household, forest["id"], mode="buyout", price="180000.00")
    assert signed["status"] == "active"
    assert await platform.holdings(operator) == {(forest["id"], "active"): "156.35"}
    assert (await balance(platform, household), await balance(platform, operator)) == (
        "180000.00",
        "320000.00",
    )
    assert await platform.audit() == []


async def test_a_mandate_sells_within_its_limits_and_shares_the_proceeds(platform: Platform) -> None:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    signed = await contract(
        platform,
        operator,
        household,
        forest["id"],
        mode="cooperation",
        revenue_share_bps=7000,
        floor_price="1000.00",
    )
    assert await platform.holdings(household) == {
        (forest["id"], "reserved"): "156.35"
    }  # set aside, still theirs
    moved = await platform.post(
        "/api/v1/transfers", household, {"issuance": forest["id"], "to": operator.party, "quantity": "1.00"}
    )
    assert moved.status_code == 422  # the depositor cannot sell around the mandate
    ends = platform.later(seconds=2)
    cheap = await platform.post(
        f"/api/v1/contracts/{signed['id']}/sell",
        operator,
        {"mode": "sealed", "price": "900.00", "ends_at": ends},
    )
    assert cheap.status_code == 422 and cheap.json()["field"] == "price"  # below the floor
    stranger = await platform.onboard("operator", "361130")
    outside = await platform.post(
        f"/api/v1/contracts/{signed['id']}/sell",
        stranger,
        {"mode": "sealed", "price": "1000.00", "ends_at": ends},
    )
    assert outside.status_code == 404  # another operator's mandate: not confirmed to exist
    listed = await platform.post(
        f"/api/v1/contracts/{signed['id']}/sell",
        operator,
        {"mode": "sealed", "price": "1000.00", "ends_at": ends},
    )
    assert listed.status_code == 201, listed.text
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "200000.00")
    await platform.post(f"/api/v1/listings/{listed.json()['id']}/register", buyer)
    bid = await platform.post(f"/api/v1/listings/{listed.json()['id']}/bids", buyer, {"price": "1000.00"})
    assert bid.status_code == 201, bid.text
    await platform.advance(seconds=2)  # the auction ends and the scheduler closes it
    assert (await platform.get(f"/api/v1/listings/{listed.json()['id']}")).json()["status"] == "sold"
    # 156.35 亩 × 1,000.00 = 156,350.00: 70% stays with the household, 30% goes to the operator
    assert (await balance(platform, household), await balance(platform, operator)) == (
        "109445.00",
        "46905.00",
    )
    assert await platform.holdings(buyer) == {(forest["id"], "active"): "156.35"}
    assert await platform.audit() == []


async def test_the_inventory_report_rolls_up_and_exports_csv(platform: Platform) -> None:
    operator = await platform.onboard("operator", "361028")
    household, village = (
        await platform.onboard("person", "360982"),
        await platform.onboard("collective", "361028"),
    )
    await platform.deposit(operator, "500000.00")
    bought = await platform.confirmed(household, "FR")
    await contract(platform, operator, household, bought["id"], mode="buyout", price="180000.00")
    carbon = await platform.confirmed(village, "CS", "1000")
    await contract(
        platform, operator, village, carbon["id"], quantity="600", mode="custody", minimum_dividend="500.00"
    )
    regulator = await platform.regulator()
    report = await platform.get(f"/api/v1/operators/{operator.party}/inventory", regulator)
    assert report.status_code == 200, report.text
    lines = {line["asset_class"]: line for line in report.json()["lines"]}
    assert (lines["FR"]["owned"], lines["FR"]["cost"]) == ("156.35", "180000.00")
    assert (lines["CS"]["owned"], lines["CS"]["mandated"]) == ("0", "600")
    levels = {(r["level"], r["division"], r["asset_class"]) for r in report.json()["rollups"]}
    assert {("county", "361028", "CS"), ("city", "361000", "CS"), ("province", "360000", "CS")} <= levels
    due = report.json()["contracts_due"]  # both end within 90 days; the buy-out was settled at signing
    assert [contract["mode"] for contract in due] == ["custody"]
    exported = await platform.get(f"/api/v1/operators/{operator.party}/inventory", operator, format="csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert {row["asset_class"] for row in csv.DictReader(io.StringIO(exported.text))} == {"FR", "CS"}
    other = await platform.onboard("enterprise")
    assert (await platform.get(f"/api/v1/operators/{operator.party}/inventory", other)).status_code == 403


async def test_a_package_with_mandated_units_pays_each_depositor_its_share(platform: Platform) -> None:
    operator = await platform.onboard("operator", "361028")
    household, village = (
        await platform.onboard("person", "360982"),
        await platform.onboard("collective", "361028"),
    )
    await platform.deposit(operator, "500000.00")
    forest = await platform.confirmed(household, "FR")
    await contract(platform, operator, household, forest["id"], mode="buyout", price="120000.00")
    carbon = await platform.confirmed(village, "CS", "1000")
    custody = await contract(
        platform, operator, village, carbon["id"], quantity="600", mode="custody", revenue_share_bps=8000
    )
    items = [
        {"issuance": forest["id"], "quantity": "156.35"},
        {"issuance": carbon["id"], "quantity": "600", "contract": custody["id"]},
    ]
    body = {
        "items": items,
        "mode": "fixed",
        "price": "200000.00",
        "ends_at": platform.later(hours=1),
    }
    unvalued = await platform.post("/api/v1/listings", operator, body)
    assert unvalued.status_code == 422 and unvalued.json()["field"] == "items"
    today, later = TODAY.isoformat(), (TODAY + dt.timedelta(days=365)).isoformat()
    for issuance, value in ((forest["id"], "150000.00"), (carbon["id"], "50000.00")):
        appraisal = {"issuance": issuance, "appraiser": "江西中磊资产评估有限公司", "method": "market",
                     "appraiser_credit_code": "91360100MA3ABCDE1C", "value": value, "valued_on": today,
                     "valid_until": later}  # fmt: skip
        assert (
            await platform.post("/api/v1/valuations", operator, appraisal)  # the operator's appraisal
        ).status_code == 201
    listed = await platform.post("/api/v1/listings", operator, body)
    assert listed.status_code == 201, listed.text
    assert listed.json()["valuation"] == "180000.00"  # 150,000 + 600/1000 × 50,000
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "250000.00")
    bought = await platform.post(f"/api/v1/listings/{listed.json()['id']}/buy", buyer)
    assert bought.status_code == 200, bought.text
    # the carbon brought 30,000/180,000 of 200,000.00 = 33,333.33; the village's 80% is 26,666.66
    assert await balance(platform, village) == "26666.66"
    assert await balance(platform, operator) == "553333.34"  # 500,000 - 120,000 + 200,000 - 26,666.66
    assert await platform.holdings(buyer) == {
        (forest["id"], "active"): "156.35",
        (carbon["id"], "active"): "600",
    }
    assert await platform.holdings(village) == {(carbon["id"], "active"): "400"}
    assert await platform.audit() == []


async def test_rent_is_paid_yearly_and_an_ended_mandate_returns_the_units(platform: Platform) -> None:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    await platform.deposit(operator, "10000.00")
    start, end = TODAY - dt.timedelta(days=800), TODAY + dt.timedelta(days=1)  # two years and 72 days
    await contract(
        platform, operator, household, forest["id"], mode="lease", annual_rent="3000.00",
        term_start=start.isoformat(), term_end=end.isoformat(),
    )  # fmt: skip
    assert await platform.holdings(household) == {(forest["id"], "reserved"): "156.35"}
    await platform.advance()  # the scheduler's hourly job
    assert await balance(platform, household) == "6000.00"  # the two complete years of rent
    assert await platform.holdings(household) == {(forest["id"], "reserved"): "156.35"}
    await platform.advance(days=2)
    assert await balance(platform, household) == "6591.78"  # and 72/365 of a year: 591.78
    assert await platform.holdings(household) == {(forest["id"], "active"): "156.35"}  # the lease is over
    await platform.advance()
    assert await balance(platform, household) == "6591.78"  # paid once
    assert await platform.audit() == []


async def test_an_ended_mandate_pays_its_end_of_term_share_once_the_operator_can(platform: Platform) -> None:
    collective, operator = (
        await platform.onboard("collective", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(collective, "FR")  # 156.35 亩
    appraised = {
        "issuance": forest["id"],
        "appraiser": "江西中磊资产评估有限公司",
        "appraiser_credit_code": credit_code("91", "360100", 777),
        "method": "income",
        "value": "100000.00",
        "valued_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=365)).isoformat(),
    }
    assert (await platform.post("/api/v1/valuations", operator, appraised)).status_code == 201
    await platform.deposit(operator, "10000.00")
    await contract(
        platform, operator, collective, forest["id"], mode="cooperation", revenue_share_bps=7000,
        end_share_bps=2000, floor_price="100.00", term_start=(TODAY - dt.timedelta(days=90)).isoformat(),
        term_end=(TODAY + dt.timedelta(days=1)).isoformat(),
    )  # fmt: skip
    await platform.advance(days=2)  # 20% of 100,000.00 is owed, and the operator has 10,000.00
    assert await balance(platform, collective) == "0.00"
    assert await platform.holdings(collective) == {(forest["id"], "reserved"): "156.35"}  # not ended yet
    await platform.deposit(operator, "15000.00")
    await platform.advance()
    assert await balance(platform, collective) == "20000.00"
    assert await platform.holdings(collective) == {(forest["id"], "active"): "156.35"}
    await platform.advance()
    assert await balance(platform, collective) == "20000.00"  # paid once
    assert await platform.audit() == []
