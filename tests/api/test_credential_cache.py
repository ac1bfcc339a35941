"""What the edge keeps of an API key in memory (``api.access``, ``registry.epochs``): a freeze, a
revocation or a disabled user reaches the very next request, while writes that change no credential
(orders, trades, deposits) cost no other request a new authentication."""

from typing import Any

import pytest

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


def authentications(statements: list[str]) -> int:
    """How many of ``statements`` look a key up by its hash (``registry.credentials.authenticate``)."""
    return sum("api_keys.key_hash" in statement for statement in statements)


async def book(platform: Platform) -> tuple[Member, Member, str]:
    """A seller holding 1,000 tCO2e of carbon sink and a buyer with 100,000.00 CNY, on a book opened
    at 45.00 ± 50%; the regulator and its colleague (the four eyes of a freeze) made beforehand."""
    await platform.colleague()
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    await platform.open_market(issued["instrument"], "45.00", band_bps=5000)
    await platform.deposit(buyer, "100000.00")
    return seller, buyer, issued["instrument"]


def bid(instrument: str) -> dict[str, Any]:
    return {"instrument": instrument, "side": "buy", "quantity": "10", "price": "40.00"}


async def kept(platform: Platform, member: Member) -> bool:
    """Whether the member's key is answered from memory: a request that reads no key."""
    with platform.statements() as seen:
        assert (await platform.get("/api/v1/me", member)).status_code == 200
    return authentications(seen) == 0


async def test_a_write_that_changes_no_credential_costs_no_one_an_authentication(platform: Platform) -> None:
    seller, buyer, instrument = await book(platform)
    assert (await platform.get("/api/v1/me", buyer)).status_code == 200
    ask = {"instrument": instrument, "side": "sell", "quantity": "20", "price": "41.00"}
    assert (await platform.post("/api/v1/orders", seller, ask)).status_code == 201
    assert (await platform.deposit(buyer, "10.00")).status_code == 201
    with platform.statements() as seen:
        resting = await platform.post("/api/v1/orders", buyer, bid(instrument))
        trading = await platform.post("/api/v1/orders", buyer, {**bid(instrument), "price": "41.00"})
    assert resting.status_code == 201 and resting.json()["status"] == "open", resting.text
    assert trading.status_code == 201 and trading.json()["status"] == "filled", trading.text
    assert authentications(seen) == 0  # the ledger grew by orders, a deposit and a trade
    assert await kept(platform, seller)
    user = (await platform.get("/api/v1/me", buyer)).json()["user"]
    assert (await platform.post(f"/api/v1/users/{user}/keys", buyer)).status_code == 201
    assert not await kept(platform, seller)  # a key issued: every key is read again, once
    assert await kept(platform, seller)


async def test_a_frozen_partys_key_is_refused_a_write_right_after_the_freeze(platform: Platform) -> None:
    _, buyer, instrument = await book(platform)
    assert (await platform.post("/api/v1/orders", buyer, bid(instrument))).status_code == 201
    assert await kept(platform, buyer)
    regulator = await platform.regulator()
    proposed = await platform.post(f"/api/v1/parties/{buyer.party}/freeze", regulator, {"reason": "核查"})
    assert proposed.status_code == 202, proposed.text
    approved = await platform.post(
        f"/api/v1/proposals/{proposed.json()['id']}/approve", await platform.colleague()
    )
    assert approved.status_code == 200, approved.text
    before = await platform.fingerprint()
    refused = await platform.post("/api/v1/orders", buyer, bid(instrument))
    assert refused.status_code == 403 and "frozen" in refused.json()["detail"], refused.text
    assert await platform.fingerprint() == before
    assert await kept(platform, buyer)  # read again once, and kept frozen
    unfrozen = await platform.post(
        f"/api/v1/parties/{buyer.party}/unfreeze", regulator, {"reason": "核查完毕"}
    )
    assert unfrozen.status_code == 200, unfrozen.text
    assert (await platform.post("/api/v1/orders", buyer, bid(instrument))).status_code == 201


async def test_a_revoked_key_is_refused_at_once(platform: Platform) -> None:
    _, buyer, instrument = await book(platform)
    user = (await platform.get("/api/v1/me", buyer)).json()["user"]
    spare = await platform.post(f"/api/v1/users/{user}/keys", buyer)
    assert spare.status_code == 201, spare.text
    [key, _] = (await platform.get(f"/api/v1/users/{user}/keys", buyer)).json()
    assert (await platform.post("/api/v1/orders", buyer, bid(instrument))).status_code == 201
    assert await kept(platform, buyer)
    second = Member(buyer.party, spare.json()["key"], buyer.kind)
    revoked = await platform.post(f"/api/v1/users/{user}/keys/{key['id']}/revoke", second)
    assert revoked.status_code == 200, revoked.text
    assert (await platform.post("/api/v1/orders", buyer, bid(instrument))).status_code == 401
    assert (await platform.post("/api/v1/orders", second, bid(instrument))).status_code == 201


async def test_a_disabled_user_is_refused_at_once(platform: Platform) -> None:
    _, buyer, instrument = await book(platform)
    leaving = await platform.add_user(buyer, buyer.party, buyer.kind)
    assert (await platform.post("/api/v1/orders", leaving, bid(instrument))).status_code == 201
    assert await kept(platform, leaving)
    user = (await platform.get("/api/v1/me", leaving)).json()["user"]
    disabled = await platform.post(f"/api/v1/users/{user}/disable", buyer)
    assert disabled.status_code == 200, disabled.text
    assert (await platform.post("/api/v1/orders", leaving, bid(instrument))).status_code == 401
    assert (await platform.post("/api/v1/orders", buyer, bid(instrument))).status_code == 201
