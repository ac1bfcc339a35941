"""Contracts that pay every year (issue 11, point 5): rent and minimum dividends for every contract
year, the last included, a partial last year pro rata by days; no contract whose term is already over;
a settled buy-out never falling due; and years a sale leaves owed paid once the operator can."""

import datetime as dt
from typing import Any

import pytest

from tests.platform import START, Member, Platform

pytestmark = pytest.mark.anyio
TODAY = START.date()  # 2026-06-01, the platform's clock in tests


async def parties(platform: Platform, cash: str = "10000.00") -> tuple[Member, Member, int]:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")  # 156.35 亩
    if cash != "0.00":
        await platform.deposit(operator, cash)
    return household, operator, forest["id"]


def terms(depositor: Member, issuance: int, start: str, end: str, **more: Any) -> dict[str, Any]:
    return {"depositor": depositor.party, "issuance": issuance, "quantity": "156.35",
            "term_start": start, "term_end": end, **more}  # fmt: skip


async def signed(platform: Platform, operator: Member, depositor: Member, body: dict[str, Any]) -> str:
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    done = await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", depositor)
    assert done.status_code == 200, done.text
    return str(done.json()["id"])


async def balance(platform: Platform, member: Member) -> str:
    return str((await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"])


async def shown(platform: Platform, member: Member, contract: str) -> dict[str, Any]:
    found = (await platform.get("/api/v1/contracts", member)).json()
    return next(c for c in found if c["id"] == contract)


async def until(platform: Platform, day: dt.date) -> None:
    """Move the clock to ``day`` (same hour) and run the scheduler."""
    await platform.advance(days=(day - platform.now.date()).days)


@pytest.mark.parametrize(
    "yearly",
    [{"mode": "lease", "annual_rent": "1000.00"}, {"mode": "custody", "minimum_dividend": "1000.00"},
     {"mode": "cooperation", "minimum_dividend": "1000.00", "revenue_share_bps": 7000}],
)  # fmt: skip
async def test_a_three_year_term_pays_three_years(platform: Platform, yearly: dict[str, str]) -> None:
    """2023-11-29 to 2026-11-28 is three contract years: it pays 3 × 1,000.00, the last year too."""
    household, operator, forest = await parties(platform)
    contract = await signed(
        platform, operator, household, terms(household, forest, "2023-11-29", "2026-11-28", **yearly)
    )
    await platform.advance()  # the two years over before it was signed are paid at the next run
    assert await balance(platform, household) == "2000.00"
    assert (await shown(platform, household, contract))["years_due"] == 3
    await until(platform, dt.date(2026, 11, 28))  # the last day of the third year: not over yet
    assert await balance(platform, household) == "2000.00"
    await until(platform, dt.date(2026, 11, 29))
    assert await balance(platform, household) == "3000.00"
    assert await balance(platform, operator) == "7000.00"
    view = await shown(platform, household, contract)
    assert (view["status"], view["years_due"], view["years_paid"]) == ("ended", 3, 3)
    assert await platform.holdings(household) == {(forest, "active"): "156.35"}  # the units are back
    await platform.advance(days=400)
    assert await balance(platform, household) == "3000.00"  # paid once
    paid = [body["amount"] for body in await platform.bodies("contract.paid")]
    assert paid == ["1000.00", "1000.00", "1000.00"]  # one ledger entry a year
    assert await platform.audit() == []


async def test_a_partial_last_year_pays_pro_rata_by_days(platform: Platform) -> None:
    """2026-01-01 to 2027-06-30: a full year, then 181 days of the 365 of the second contract year —
    1,000.00 × 181 / 365 = 495.890…, 495.89 (half-even to the fen)."""
    household, operator, forest = await parties(platform)
    contract = await signed(
        platform,
        operator,
        household,
        terms(household, forest, "2026-01-01", "2027-06-30", mode="lease", annual_rent="1000.00"),
    )
    await until(platform, dt.date(2027, 1, 1))
    assert await balance(platform, household) == "1000.00"
    await until(platform, dt.date(2027, 6, 30))
    assert await balance(platform, household) == "1000.00"
    await until(platform, dt.date(2027, 7, 1))
    assert await balance(platform, household) == "1495.89"
    view = await shown(platform, operator, contract)
    assert (view["status"], view["years_due"], view["years_paid"]) == ("ended", 2, 2)
    assert [body["amount"] for body in await platform.bodies("contract.paid")] == ["1000.00", "495.89"]
    assert await platform.audit() == []


async def test_an_unpaid_year_is_paid_once_the_operator_can(platform: Platform) -> None:
    """The last year falls due when the operator has no cash: the mandate ends on time (the units go
    back) and the year stays owed until the operator can pay it."""
    household, operator, forest = await parties(platform, cash="0.00")
    body = terms(household, forest, "2025-07-01", "2026-06-30", mode="lease", annual_rent="1200.00")
    contract = await signed(platform, operator, household, body)
    await until(platform, dt.date(2026, 7, 1))
    assert await balance(platform, household) == "0.00"
    assert await platform.holdings(household) == {(forest, "active"): "156.35"}
    assert (await shown(platform, household, contract))["status"] == "ended"
    await platform.deposit(operator, "5000.00")
    await platform.advance()
    assert await balance(platform, household) == "1200.00"
    await platform.advance()
    assert await balance(platform, household) == "1200.00"
    assert await platform.audit() == []


async def test_a_sale_ends_the_payments_but_not_the_years_already_over(platform: Platform) -> None:
    """Sold under the mandate in its third year, a lease owes the two years already over (unpaid for
    want of cash until now) and nothing after."""
    household, operator, forest = await parties(platform, cash="0.00")
    body = terms(household, forest, "2023-11-29", "2026-11-28", mode="lease", annual_rent="1000.00")
    contract = await signed(platform, operator, household, body)
    listed = await platform.post(
        f"/api/v1/contracts/{contract}/sell",
        operator,
        {"mode": "fixed", "price": "100.00", "ends_at": platform.later(hours=1)},
    )
    assert listed.status_code == 201, listed.text
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "20000.00")
    bought = await platform.post(f"/api/v1/listings/{listed.json()['id']}/buy", buyer)
    assert bought.status_code == 200, bought.text
    view = await shown(platform, household, contract)
    assert (view["status"], view["years_due"], view["years_paid"]) == ("ended", 2, 0)
    await platform.deposit(operator, "5000.00")
    await until(platform, dt.date(2026, 12, 1))
    assert await balance(platform, household) == "17635.00"  # 15,635.00 from the sale and two years
    assert (await shown(platform, household, contract))["years_paid"] == 2
    assert await platform.audit() == []


@pytest.mark.parametrize("end", [TODAY, TODAY - dt.timedelta(days=1), dt.date(2023, 11, 28)])
async def test_a_term_already_over_is_refused(platform: Platform, end: dt.date) -> None:
    household, operator, forest = await parties(platform)
    body = terms(household, forest, "2020-11-29", end.isoformat(), mode="lease", annual_rent="1000.00")
    before = await platform.fingerprint()
    refused = await platform.post("/api/v1/contracts", operator, body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert (problem["type"].rsplit("/", 1)[-1], problem["field"]) == ("term-over", "term_end")
    assert await platform.fingerprint() == before


async def test_an_offer_whose_term_ends_before_it_is_signed_cannot_be_signed(platform: Platform) -> None:
    household, operator, forest = await parties(platform)
    body = terms(household, forest, "2025-06-01", (TODAY + dt.timedelta(days=1)).isoformat(),
                 mode="lease", annual_rent="1000.00")  # fmt: skip
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    await platform.advance(days=1)  # the term's last day: over by the end of it
    before = await platform.fingerprint()
    refused = await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", household)
    assert refused.status_code == 422 and refused.json()["field"] == "term_end", refused.text
    assert await platform.fingerprint() == before
    assert (await shown(platform, household, offered.json()["id"]))["status"] == "offered"


async def test_a_completed_buyout_does_not_fall_due(platform: Platform) -> None:
    household, operator, forest = await parties(platform, cash="200000.00")
    soon = (TODAY + dt.timedelta(days=30)).isoformat()
    await signed(
        platform, operator, household, terms(household, forest, TODAY.isoformat(), soon, mode="buyout",
                                             price="150000.00"),
    )  # fmt: skip
    other = await platform.confirmed(household, "FR")
    lease = await signed(
        platform,
        operator,
        household,
        terms(household, other["id"], TODAY.isoformat(), soon, mode="lease", annual_rent="100.00"),
    )
    report = await platform.get(f"/api/v1/operators/{operator.party}/inventory", operator)
    assert report.status_code == 200, report.text
    assert [c["id"] for c in report.json()["contracts_due"]] == [lease]
