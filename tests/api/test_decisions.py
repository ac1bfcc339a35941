"""Four eyes: freezes and large confirmations are proposed by one regulator user and carried out
only when another approves; a frozen party may read but do nothing."""

import pytest

from tests.platform import Platform

pytestmark = pytest.mark.anyio


async def test_a_freeze_waits_for_a_second_regulator_user(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP", "96.000")
    regulator, colleague = await platform.regulator(), await platform.colleague()
    body = {"issuance": issued["id"], "owner": holder.party, "quantity": "10.000", "reason": "执行报告待核查"}
    proposed = await platform.post("/api/v1/freezes", regulator, body)
    assert proposed.status_code == 202 and proposed.json()["status"] == "pending"
    assert await platform.holdings(holder) == {(issued["id"], "active"): "96.000"}  # nothing yet
    own = await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", regulator)
    assert own.status_code == 403 and own.json()["field"] == "proposal"
    pending = await platform.get("/api/v1/proposals", colleague)
    assert [p["id"] for p in pending.json()] == [proposed.json()["id"]]
    approved = await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", colleague)
    assert approved.status_code == 200 and approved.json()["result"]
    assert await platform.holdings(holder) == {
        (issued["id"], "active"): "86.000",
        (issued["id"], "frozen"): "10.000",
    }
    twice = await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", colleague)
    assert twice.status_code == 409
    assert await platform.audit() == []


async def test_a_rejected_or_unsound_proposal_changes_nothing(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP", "96.000")
    regulator, colleague = await platform.regulator(), await platform.colleague()
    before = await platform.fingerprint()
    too_much = {"issuance": issued["id"], "owner": holder.party, "quantity": "97.000", "reason": "x"}
    refused = await platform.post("/api/v1/freezes", regulator, too_much)
    assert refused.status_code == 422 and refused.json()["field"] == "quantity"
    assert await platform.fingerprint() == before
    proposed = await platform.post("/api/v1/freezes", regulator, {**too_much, "quantity": "1.000"})
    rejected = await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/reject", colleague)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert await platform.holdings(holder) == {(issued["id"], "active"): "96.000"}
    enterprise = await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", holder)
    assert enterprise.status_code == 404  # a regulator's proposal is none of an enterprise's business


async def test_an_issuance_above_the_threshold_takes_two_regulators(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    filed = await platform.apply(holder, "CS", "300000")  # above 200,000 tCO2e
    proposed = await platform.post(
        f"/api/v1/applications/{filed.json()['id']}/confirm", await platform.regulator()
    )
    assert proposed.status_code == 202 and proposed.json()["action"] == "confirm_application"
    assert await platform.holdings(holder) == {}
    approved = await platform.post(
        f"/api/v1/proposals/{proposed.json()['id']}/approve", await platform.colleague()
    )
    assert approved.status_code == 200, approved.text
    assert await platform.holdings(holder) == {(int(approved.json()["result"]), "active"): "300000"}


async def test_a_frozen_party_may_read_but_not_act(platform: Platform) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP", "96.000")
    regulator = await platform.regulator()
    proposed = await platform.post(
        f"/api/v1/parties/{holder.party}/freeze", regulator, {"reason": "涉嫌虚假申报"}
    )
    assert proposed.status_code == 202
    await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", await platform.colleague())
    move = {"issuance": issued["id"], "to": other.party, "quantity": "1.000"}
    refused = await platform.post("/api/v1/transfers", holder, move)
    assert refused.status_code == 403 and "frozen" in refused.json()["detail"]
    assert await platform.holdings(holder) == {(issued["id"], "active"): "96.000"}  # reading still works
    unfrozen = await platform.post(
        f"/api/v1/parties/{holder.party}/unfreeze", regulator, {"reason": "核查完毕"}
    )
    assert unfrozen.status_code == 200, unfrozen.text
    assert (await platform.post("/api/v1/transfers", holder, move)).status_code == 201
    assert await platform.audit() == []


async def test_a_frozen_partys_units_and_cash_do_not_move_by_anyone_else(platform: Platform) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("operator")
    issued = await platform.confirmed(seller, "EP", "96.000")
    await platform.deposit(buyer, "100000.00")
    await platform.deposit(seller, "500.00")
    made = await platform.post(
        "/api/v1/offers",
        seller,
        {
            "buyer": buyer.party,
            "issuance": issued["id"],
            "quantity": "10.000",
            "price": "389.00",
            "deadline": platform.later(hours=1),
        },
    )
    assert made.status_code == 201, made.text
    proposed = await platform.post(
        f"/api/v1/parties/{seller.party}/freeze", await platform.regulator(), {"reason": "核查"}
    )
    await platform.post(f"/api/v1/proposals/{proposed.json()['id']}/approve", await platform.colleague())
    before = await platform.fingerprint()
    accepted = await platform.post(f"/api/v1/offers/{made.json()['id']}/accept", buyer)
    assert accepted.status_code == 422 and accepted.json()["type"].endswith("/party-is-frozen"), accepted.text
    withdrawn = await platform.post(
        "/api/v1/cash/withdrawals",
        await platform.bank(),
        {"party": seller.party, "amount": "1.00", "reference": "W1"},
    )
    assert withdrawn.status_code == 422 and withdrawn.json()["type"].endswith("/party-is-frozen"), (
        withdrawn.text
    )
    assert await platform.fingerprint() == before
