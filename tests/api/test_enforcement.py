"""Lawful enforcement of a pledge (Civil Code art. 428, 436–438), through the API as its users would:
never before default and the owner's notice; then 折价 at a fresh valuation with the surplus paid to
the owner and a shortfall kept as the bank's unsecured claim, or a forced sale as before."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.platform import START, Member, Platform, appraisal

pytestmark = pytest.mark.anyio
DUE = START.date() + dt.timedelta(days=92)  # 2026-09-01: the loan's due date


async def pledged(
    platform: Platform, *, value: str = "38900.00", due: dt.date = DUE, **terms: Any
) -> tuple[Member, Member, dict[str, Any], str]:
    """20 t/a of an emission permit, appraised at ``value``, pledged for a 10,000.00 loan to a bank
    with 30,000.00 in its account: the owner, the bank, the pledge and the valuation's id."""
    owner, bank = await platform.onboard("enterprise"), await platform.onboard("bank")
    issued = await platform.confirmed(owner, "EP", "20.000")
    body = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "20.000",
        "loan": "10000.00",
        "loan_term_end": due.isoformat(),
        **terms,
    }
    requested = await platform.post("/api/v1/pledges", owner, body)
    assert requested.status_code == 201, requested.text
    valued = await platform.post("/api/v1/valuations", bank, appraisal(issued["id"], value))
    assert valued.status_code == 201, valued.text
    pledge = requested.json()
    registered = await platform.post(f"/api/v1/pledges/{pledge['id']}/register", bank, {})
    assert registered.status_code == 200, registered.text
    assert (await platform.deposit(bank, "30000.00")).status_code == 201
    return owner, bank, registered.json(), valued.json()["id"]


async def until(platform: Platform, day: dt.date) -> None:
    """Move the platform's clock on to 10:00 in Jiangxi on ``day``."""
    await platform.advance(days=(day - platform.now.date()).days)


async def balance(platform: Platform, member: Member) -> str:
    return str((await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"])


async def readable(platform: Platform, member: Member, kind: str) -> list[dict[str, Any]]:
    """The bodies of the ledger's entries of ``kind`` that the member's party may read."""
    size = int((await platform.get("/api/v1/ledger/checkpoint")).text.splitlines()[1])
    served = await platform.get("/api/v1/ledger/entries", member, start=0, end=size)
    assert served.status_code == 200, served.text
    entries = [json.loads(line) for line in served.text.splitlines()]
    return [entry["body"] for entry in entries if entry["kind"] == kind]


def refused(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(kind), body
    return body


async def test_enforcement_before_the_due_date_and_without_a_default_is_refused(platform: Platform) -> None:
    owner, bank, pledge, valuation = await pledged(platform)
    path = f"/api/v1/pledges/{pledge['id']}"
    before = await platform.fingerprint()
    taken = await platform.post(f"{path}/enforce", bank, {"method": "valuation", "valuation": valuation})
    # overdue from 2026-09-02, then 15 days' notice
    body = refused(taken, 409, "pledge-not-in-default")
    assert (body["pledge"], body["enforceable_on"]) == (pledge["id"], "2026-09-17")
    sale = {"mode": "fixed", "price": "2000.00", "ends_at": platform.later(days=1)}
    sold = await platform.post(f"{path}/enforce", bank, {"method": "sale", "sale": sale})
    assert refused(sold, 409, "pledge-not-in-default")["enforceable_on"] == "2026-09-17"
    early = await platform.post(f"{path}/default", bank, {"cause": "overdue"})
    assert refused(early, 409, "not-yet-due")["due_date"] == DUE.isoformat()
    declared = await platform.post(f"{path}/default", bank, {"cause": "declared"})
    refused(declared, 409, "early-default-not-allowed")
    agreed = await platform.post(f"{path}/agreed-value", owner, {"value": "38900.00"})
    refused(agreed, 409, "pledge-not-in-default")  # before default it would be 流质
    transfer = await platform.post(f"{path}/enforce", bank, {"method": "transfer"})
    assert transfer.status_code == 400 and transfer.json()["field"] == "method"  # no longer a way
    assert await platform.fingerprint() == before


async def test_after_default_and_notice_the_bank_takes_the_units_at_their_value_and_pays_the_surplus(
    platform: Platform,
) -> None:
    owner, bank, pledge, valuation = await pledged(platform)
    path = f"/api/v1/pledges/{pledge['id']}"
    assert (pledge["notice_days"], pledge["early_default_allowed"]) == (15, False)
    await until(platform, DUE + dt.timedelta(days=1))  # the due date passed unpaid
    defaulted = await platform.post(f"{path}/default", bank, {"cause": "overdue"})
    assert defaulted.status_code == 200, defaulted.text
    assert (defaulted.json()["defaulted_on"], defaulted.json()["enforceable_on"]) == (
        "2026-09-02",
        "2026-09-17",
    )
    again = await platform.post(f"{path}/default", bank, {"cause": "overdue"})
    refused(again, 409, "default-recorded-already")
    # the owner's notice: an entry naming it, which it reads
    [notice] = await readable(platform, owner, "pledge.defaulted")
    assert (notice["owner"], notice["cause"], notice["enforceable_on"]) == (
        owner.party,
        "overdue",
        "2026-09-17",
    )
    await until(platform, dt.date(2026, 9, 10))
    early = await platform.post(f"{path}/enforce", bank, {"method": "valuation", "valuation": valuation})
    body = refused(early, 409, "notice-running")
    assert (body["pledge"], body["defaulted_on"], body["enforceable_on"]) == (
        pledge["id"],
        "2026-09-02",
        "2026-09-17",
    )
    await until(platform, dt.date(2026, 9, 17))
    taken = await platform.post(f"{path}/enforce", bank, {"method": "valuation", "valuation": valuation})
    assert taken.status_code == 200, taken.text
    final = taken.json()
    assert (final["status"], final["enforcement"]) == ("enforced", "valuation")
    assert (final["enforced_value"], final["surplus"], final["unsecured_claim"]) == (
        "38900.00",
        "28900.00",
        None,
    )
    assert await balance(platform, owner) == "28900.00"  # 38,900.00 less the 10,000.00 secured
    assert await balance(platform, bank) == "1100.00"
    assert await platform.holdings(owner) == {}
    assert await platform.holdings(bank) == {(pledge["issuance"], "active"): "20.000"}
    [entry] = await readable(platform, owner, "pledge.taken_at_value")
    assert (entry["value"], entry["secured"], entry["surplus"], entry["shortfall"]) == (
        "38900.00",
        "10000.00",
        "28900.00",
        "0.00",
    )
    assert await readable(platform, bank, "pledge.taken_at_value") == [entry]
    assert await platform.audit() == []


async def test_a_shortfall_at_the_owner_s_agreed_value_is_the_bank_s_unsecured_claim(
    platform: Platform,
) -> None:
    owner, bank, pledge, _ = await pledged(platform, notice_days=5, early_default_allowed=True)
    path = f"/api/v1/pledges/{pledge['id']}"
    declared = await platform.post(f"{path}/default", bank, {"cause": "declared"})  # early, as agreed
    assert declared.status_code == 200 and declared.json()["enforceable_on"] == "2026-06-06"
    none_agreed = await platform.post(f"{path}/enforce", bank, {"method": "valuation"})
    refused(none_agreed, 409, "notice-running")
    await until(platform, dt.date(2026, 6, 6))
    refused(await platform.post(f"{path}/enforce", bank, {"method": "valuation"}), 409, "no-agreed-value")
    not_the_owner = await platform.post(f"{path}/agreed-value", bank, {"value": "8000.00"})
    assert not_the_owner.status_code == 403
    agreed = await platform.post(f"{path}/agreed-value", owner, {"value": "8000.00"})
    assert agreed.status_code == 200 and agreed.json()["agreed_value"] == "8000.00", agreed.text
    taken = await platform.post(f"{path}/enforce", bank, {"method": "valuation"})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["surplus"], taken.json()["unsecured_claim"]) == ("0.00", "2000.00")
    assert (await balance(platform, owner), await balance(platform, bank)) == ("0.00", "30000.00")
    for member in (owner, bank):
        seen = (await platform.get(path, member)).json()
        assert seen["unsecured_claim"] == "2000.00"
        [claim] = await readable(platform, member, "claim.recorded")
        assert (claim["creditor"], claim["debtor"], claim["amount"]) == (bank.party, owner.party, "2000.00")
    assert await platform.audit() == []


async def test_a_valuation_older_than_the_asset_class_allows_is_refused(platform: Platform) -> None:
    """An emission permit's valuation serves 折价 for 180 days, even while the appraisal is valid."""
    late_due = START.date() + dt.timedelta(days=200)
    owner, bank, pledge, valuation = await pledged(platform, due=late_due, notice_days=0)
    path = f"/api/v1/pledges/{pledge['id']}"
    await until(platform, late_due + dt.timedelta(days=1))
    assert (await platform.post(f"{path}/default", bank, {"cause": "overdue"})).status_code == 200
    before = await platform.fingerprint()
    stale = await platform.post(f"{path}/enforce", bank, {"method": "valuation", "valuation": valuation})
    body = refused(stale, 422, "stale-valuation")
    assert (body["field"], body["max_age_days"], body["valued_on"]) == (
        "valuation",
        180,
        START.date().isoformat(),
    )
    assert await platform.fingerprint() == before
    fresh = {**appraisal(pledge["issuance"], "40000.00"), "valued_on": platform.now.date().isoformat()}
    renewed = await platform.post("/api/v1/valuations", bank, fresh)
    assert renewed.status_code == 201, renewed.text
    taken = await platform.post(
        f"{path}/enforce", bank, {"method": "valuation", "valuation": renewed.json()["id"]}
    )
    assert taken.status_code == 200 and taken.json()["surplus"] == "30000.00", taken.text
    assert await balance(platform, owner) == "30000.00"
    assert await platform.audit() == []


async def test_a_forced_sale_needs_default_and_notice_and_still_pays_the_owner_the_surplus(
    platform: Platform,
) -> None:
    owner, bank, pledge, _ = await pledged(platform, notice_days=3)
    path = f"/api/v1/pledges/{pledge['id']}"
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "50000.00")

    def sale() -> dict[str, Any]:
        return {
            "method": "sale",
            "sale": {"mode": "fixed", "price": "400.00", "ends_at": platform.later(days=1)},
        }

    refused(await platform.post(f"{path}/enforce", bank, sale()), 409, "pledge-not-in-default")
    await until(platform, DUE + dt.timedelta(days=1))
    assert (await platform.post(f"{path}/default", bank, {"cause": "overdue"})).status_code == 200
    refused(await platform.post(f"{path}/enforce", bank, sale()), 409, "notice-running")
    await until(platform, DUE + dt.timedelta(days=4))
    listed = await platform.post(f"{path}/enforce", bank, sale())
    assert listed.status_code == 201, listed.text
    bought = await platform.post(f"/api/v1/listings/{listed.json()['id']}/buy", buyer)
    assert bought.status_code == 200, bought.text
    # the bank's 10,000.00 first out of what the owner got for the units; the rest stays the owner's
    [trade] = await platform.bodies("trade.settled")
    proceeds = Decimal(trade["value"]) - Decimal(trade["seller_fee"])
    assert await balance(platform, bank) == "40000.00"
    assert Decimal(await balance(platform, owner)) == proceeds - Decimal("10000.00") > 0
    final = (await platform.get(path, owner)).json()
    assert (final["status"], final["enforcement"]) == ("enforced", "sale")
    assert await platform.audit() == []
