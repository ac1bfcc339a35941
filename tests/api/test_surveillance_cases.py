"""Surveillance cases: alerts kept with an id and a status that named regulator users move on (open →
acknowledged → closed with a note), naming trades and parties by name, with a circle's path in time
order; concentration only on days with enough trades or parties; a second run opens nothing twice."""

import asyncio
import datetime as dt
from typing import Any

import anyio
import pytest

from api.schedule import run_surveillance
from tests.api.test_supervision import ring, sold
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio
CASES = "/api/v1/supervision/cases"


async def scan(platform: Platform) -> int:
    ran = await platform.post(f"{CASES}/scan", await platform.regulator())
    assert ran.status_code == 200, ran.text
    opened: int = ran.json()["opened"]
    return opened


async def cases(platform: Platform, **filters: Any) -> list[dict[str, Any]]:
    found = await platform.get(CASES, await platform.regulator(), **filters)
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def name_of(platform: Platform, member: Member) -> str:
    party = await platform.get(f"/api/v1/parties/{member.party}", await platform.regulator())
    name: str = party.json()["name"]
    return name


async def test_a_day_with_a_single_trade_raises_no_concentration_case(platform: Platform) -> None:
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    await platform.deposit(buyer, "100000.00")
    issued = await platform.confirmed(seller, "CS", "1000")
    await sold(platform, seller, buyer, issued["id"], "100", "45.00")
    assert await scan(platform) == 0
    assert await cases(platform) == []


async def test_a_circle_is_a_case_with_names_and_its_path_in_time_order(platform: Platform) -> None:
    (a, b, c), _, trades = await ring(platform)
    names = [await name_of(platform, member) for member in (a, b, c)]
    assert await scan(platform) >= 2  # the circle, and the price far from the rest
    [circle] = await cases(platform, kind="circular")
    assert (circle["status"], circle["severity"]) == ("open", "high")
    assert sorted(p["name"] for p in circle["parties"]) == sorted(names)
    legs = [(leg["seller"]["name"], leg["buyer"]["name"], leg["trade"]) for leg in circle["path"]]
    assert legs == [
        (names[0], names[1], trades[0]),
        (names[1], names[2], trades[1]),
        (names[2], names[0], trades[2]),
    ]
    times = [dt.datetime.fromisoformat(leg["at"]) for leg in circle["path"]]
    assert times == sorted(times)
    assert " → ".join([*names, names[0]]) in circle["detail"]  # names, not ids
    assert a.party not in circle["detail"] and circle["symbol"]
    assert {t["seller"]["name"] for t in circle["trades"]} == set(names)
    instrument = circle["market"]
    assert [
        x["id"] for x in await cases(platform, kind="circular", instrument=instrument, status="open")
    ] == [circle["id"]]
    assert await cases(platform, kind="circular", status="closed") == []


async def test_a_wash_trade_names_both_sides_and_rerunning_opens_nothing_twice(platform: Platform) -> None:
    (a, b, _), _, trades = await ring(platform)
    regulator = await platform.regulator()
    link = {"party_a": a.party, "party_b": b.party, "kind": "controller"}
    assert (await platform.post("/api/v1/supervision/links", regulator, link)).status_code == 201
    first = await scan(platform)
    everything = await cases(platform)
    assert first == len(everything) > 0
    [wash] = await cases(platform, kind="wash")
    assert [t["trade"] for t in wash["trades"]] == [trades[0]]
    assert {p["name"] for p in wash["parties"]} == {await name_of(platform, a), await name_of(platform, b)}
    assert await scan(platform) == 0
    assert await cases(platform) == everything


async def test_acknowledge_then_close_with_a_note_by_named_regulator_users(platform: Platform) -> None:
    await ring(platform)
    await scan(platform)
    [circle] = await cases(platform, kind="circular")
    regulator, colleague = await platform.regulator(), await platform.colleague()
    path = f"{CASES}/{circle['id']}"

    early = await platform.post(f"{path}/close", regulator, {"note": "nothing to see"})
    assert early.status_code == 409 and "open" in early.json()["detail"]
    acknowledged = await platform.post(f"{path}/acknowledge", regulator)
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged"]["user"]["name"] == "监管员"
    again = await platform.post(f"{path}/acknowledge", colleague)
    assert again.status_code == 409 and "acknowledged" in again.json()["detail"]

    for body in ({}, {"note": ""}, {"note": "   "}):
        refused = await platform.post(f"{path}/close", colleague, body)
        assert refused.status_code in (400, 422) and refused.json()["field"] == "note", refused.text
    assert (await platform.get(path, regulator)).json()["status"] == "acknowledged"

    closed = await platform.post(f"{path}/close", colleague, {"note": "三方为同一集团，已移交稽查"})
    assert closed.status_code == 200, closed.text
    case = (await platform.get(path, regulator)).json()
    assert (case["status"], case["note"]) == ("closed", "三方为同一集团，已移交稽查")
    assert case["closed"]["user"]["name"].startswith("用户") and case["closed"]["user"]["id"]
    assert case["acknowledged"]["user"]["id"] != case["closed"]["user"]["id"]
    assert (await platform.post(f"{path}/close", regulator, {"note": "again"})).status_code == 409
    assert await scan(platform) == 0  # a closed case is not opened again
    assert [x["id"] for x in await cases(platform, status="closed")] == [circle["id"]]


async def test_only_regulators_see_and_move_cases(platform: Platform) -> None:
    await ring(platform)
    await scan(platform)
    [circle] = await cases(platform, kind="circular")
    enterprise = await platform.onboard("enterprise")
    for caller in (enterprise, platform.registrar):
        assert (await platform.get(CASES, caller)).status_code == 403
        assert (await platform.get(f"{CASES}/{circle['id']}", caller)).status_code == 403
        assert (await platform.post(f"{CASES}/{circle['id']}/acknowledge", caller)).status_code == 403
        assert (await platform.post(f"{CASES}/scan", caller)).status_code == 403
    assert (await platform.get(CASES)).status_code == 401
    unknown = await platform.get(f"{CASES}/999999", await platform.regulator())
    assert unknown.status_code == 404 and unknown.json()["field"] == "case_id"


async def test_two_runs_at_once_and_the_scheduled_run_open_each_case_once(platform: Platform) -> None:
    await ring(platform)
    regulator = await platform.regulator()
    # sent together (no ledger entry to hold them back on, as ``Platform.at_once`` would): on PostgreSQL
    # the later insert of a natural key waits for the earlier and then does nothing
    runs = await asyncio.gather(*(platform.post(f"{CASES}/scan", regulator) for _ in range(2)))
    assert [run.status_code for run in runs] == [200, 200], [run.text for run in runs]
    everything = await cases(platform)
    assert sum(run.json()["opened"] for run in runs) == len(everything) > 0
    served = platform.client.app.state.platform
    await anyio.to_thread.run_sync(platform.client.blocking_portal.call, run_surveillance, served)
    assert await cases(platform) == everything
