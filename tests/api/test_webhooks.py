"""Webhooks for integrators: a bank's loan system subscribes an endpoint and receives, from a real
HTTP server's point of view, each ledger entry naming the bank — signed per Standard Webhooks (checked
with the ``standardwebhooks`` library, as an integrator would), in order, again after a 500, given up
after its attempts — and nothing its party may not read."""

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from sqlalchemy import select
from standardwebhooks import Webhook

from settlement import merkle, signing_key
from settlement.deliveries import ATTEMPTS
from settlement.sealing import SealBroken, Sealer
from settlement.tables import WebhookRow
from tests.platform import Member, Platform, cli
from tests.receiver import Received, receiver

pytestmark = pytest.mark.anyio


def now_for_receivers(platform: Platform) -> None:
    """Receivers refuse a webhook-timestamp more than 5 minutes from their own clock: the platform's
    clock is moved on to the real time (it is before it) for tests that verify as they do."""
    platform.clock.now = dt.datetime.now(dt.UTC)


async def subscribe(platform: Platform, member: Member, url: str, **extra: Any) -> dict[str, Any]:
    made = await platform.post("/api/v1/webhooks", member, {"url": url, **extra})
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


def opened(secret: str, message: Received) -> dict[str, Any]:
    """The message's payload, once its signature checks out as a Standard Webhooks receiver checks it."""
    payload: dict[str, Any] = Webhook(secret).verify(message.body, message.headers)
    return payload


async def pledge_asked(platform: Platform, owner: Member, bank: Member) -> None:
    issued = await platform.confirmed(owner, "EP", "20.000")
    body = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "20.000",
        "loan": "10000.00",
        "loan_term_end": "2027-06-01",
    }
    assert (await platform.post("/api/v1/pledges", owner, body)).status_code == 201


async def log(platform: Platform, member: Member, webhook: str) -> list[dict[str, Any]]:
    found = await platform.get(f"/api/v1/webhooks/{webhook}/deliveries", member)
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def test_a_bank_receives_its_entries_signed_in_order_and_again_after_a_500(platform: Platform) -> None:
    now_for_receivers(platform)
    bank, owner = await platform.onboard("bank"), await platform.onboard("enterprise")
    with receiver(500) as endpoint:
        made = await subscribe(platform, bank, endpoint.url)
        secret = made["secret"]
        assert secret.startswith("whsec_") and made["webhook"]["url"] == endpoint.url
        await pledge_asked(platform, owner, bank)  # pledge.requested names the owner and the bank
        await platform.served(owner, bank)  # cash.bank_designated names both
        assert (
            await platform.post(
                "/api/v1/cash/deposits", bank, {"party": owner.party, "amount": "500.00", "reference": "R1"}
            )
        ).status_code == 201

        await platform.deliver()
        assert len(endpoint.received) == 1  # the first answered 500: nothing after it is sent
        first = opened(secret, endpoint.received[0])
        (pending,) = await log(platform, bank, made["webhook"]["id"])
        assert (pending["status"], pending["attempts"], pending["last_status"]) == ("pending", 1, 500)
        retry_at = dt.datetime.fromisoformat(pending["next_attempt_at"])
        assert retry_at - dt.datetime.fromisoformat(pending["last_attempt_at"]) == dt.timedelta(seconds=30)

        await platform.deliver()  # not yet due: still nothing else
        assert len(endpoint.received) == 1
        platform.clock.now += dt.timedelta(seconds=31)
        await platform.deliver()

    messages = [opened(secret, m) for m in endpoint.received]
    ids = [m.headers["webhook-id"] for m in endpoint.received]
    assert ids[0] == ids[1] and messages[0] == messages[1] == first  # the same message, again
    kinds = [m["type"] for m in messages[1:]]
    assert kinds == ["pledge.requested", "cash.bank_designated", "cash.deposited"]
    seqs = [m["data"]["seq"] for m in messages[1:]]
    assert seqs == sorted(seqs) and len(set(ids[1:])) == 3
    for message in messages:
        entry = message["data"]["entry"]
        assert message["data"]["leaf_hash"] == merkle.leaf_hash(rfc8785.dumps(entry)).hex()
        assert bank.party in json.dumps(entry["body"])
    statuses = [
        (d["seq"], d["status"], d["attempts"]) for d in await log(platform, bank, made["webhook"]["id"])
    ]
    assert statuses == [(seq, "delivered", 2 if seq == seqs[0] else 1) for seq in reversed(seqs)]


async def test_a_subscriber_receives_only_entries_naming_its_party_of_the_kinds_it_chose(
    platform: Platform,
) -> None:
    bank, owner, other = (
        await platform.onboard("bank"),
        await platform.onboard("enterprise"),
        await platform.onboard("enterprise"),
    )
    with receiver() as everything, receiver() as deposits:
        since = await ledger_size(platform)
        await subscribe(platform, bank, everything.url)
        await subscribe(platform, bank, deposits.url, kinds=["cash.deposited"])
        await platform.deposit(other, "800.00")  # through the platform's own test bank: not ours
        await pledge_asked(platform, other, await platform.bank())
        await platform.served(owner, bank)
        for reference in ("R1", "R2"):
            body = {"party": owner.party, "amount": "100.00", "reference": reference}
            assert (await platform.post("/api/v1/cash/deposits", bank, body)).status_code == 201
        await platform.deliver()

    # what the ledger API serves the bank since it subscribed, less the public entries not naming it
    readable = await platform.get(
        "/api/v1/ledger/entries", bank, start=since, end=await ledger_size(platform)
    )
    naming_bank = [json.loads(line) for line in readable.text.splitlines() if bank.party in line]
    sent = [json.loads(m.body)["data"]["entry"] for m in everything.received]
    assert sent == naming_bank
    assert [e["kind"] for e in sent] == ["cash.bank_designated", "cash.deposited", "cash.deposited"]
    assert [json.loads(m.body)["type"] for m in deposits.received] == ["cash.deposited", "cash.deposited"]
    assert all(other.party not in m.body.decode() for m in everything.received)


async def ledger_size(platform: Platform) -> int:
    size: int = (await platform.get("/health")).json()["ledger_size"]
    return size


async def test_an_entry_is_given_up_after_its_attempts_and_the_next_goes(platform: Platform) -> None:
    bank, owner = await platform.onboard("bank"), await platform.onboard("enterprise")
    with receiver(*[503] * ATTEMPTS) as endpoint:
        made = await subscribe(platform, bank, endpoint.url)
        await platform.served(owner, bank)
        await pledge_asked(platform, owner, bank)
        waits = []
        for _ in range(ATTEMPTS):
            await platform.deliver()
            (first, *_) = await log(platform, bank, made["webhook"]["id"])
            if first["next_attempt_at"]:
                wait = dt.datetime.fromisoformat(first["next_attempt_at"]) - platform.now
                waits.append(round(wait.total_seconds()))
                platform.clock.now += wait
        assert waits == [30, 90, 270, 810, 2430, 7290, 21870]  # 30 s, then three times as long each time
        await platform.deliver()
    statuses = [
        (d["kind"], d["status"], d["attempts"], d["last_status"])
        for d in await log(platform, bank, made["webhook"]["id"])
    ]
    assert statuses == [("pledge.requested", "delivered", 1, 200), ("cash.bank_designated", "failed", 8, 503)]
    assert len({m.headers["webhook-id"] for m in endpoint.received}) == 2


async def test_the_secret_is_shown_once_and_kept_sealed(platform: Platform) -> None:
    bank = await platform.onboard("bank")
    url = "http://127.0.0.1:9/hooks"
    made = await platform.post("/api/v1/webhooks", bank, {"url": url}, **{"Idempotency-Key": "hook-1"})
    again = await platform.post("/api/v1/webhooks", bank, {"url": url}, **{"Idempotency-Key": "hook-1"})
    assert made.status_code == again.status_code == 201
    assert made.json()["secret"].startswith("whsec_") and again.json()["secret"] is None
    assert again.json()["webhook"] == made.json()["webhook"]
    listed = (await platform.get("/api/v1/webhooks", bank)).json()
    assert listed == [made.json()["webhook"]]
    secret = Webhook(made.json()["secret"])._whsecret
    async with platform.core.database.reads() as session:
        row = (await session.execute(select(WebhookRow))).scalar_one()
    assert secret not in row.secret
    assert platform.core.ledger.sealer.open(row.secret, row.id) == secret


async def test_a_subscription_is_its_partys_alone_and_stops_when_deleted(platform: Platform) -> None:
    bank, other = await platform.onboard("bank"), await platform.onboard("bank")
    with receiver() as endpoint:
        made = (await subscribe(platform, bank, endpoint.url))["webhook"]
        assert (await platform.get(f"/api/v1/webhooks/{made['id']}/deliveries", other)).status_code == 404
        assert (
            await platform.client.delete(f"/api/v1/webhooks/{made['id']}", headers=other.auth)
        ).status_code == 404
        assert (await platform.get("/api/v1/webhooks", other)).json() == []
        gone = await platform.client.delete(f"/api/v1/webhooks/{made['id']}", headers=bank.auth)
        assert gone.status_code == 200 and gone.json() == made
        await platform.served(await platform.onboard("enterprise"), bank)
        await platform.deliver()
    assert endpoint.received == []
    assert (await platform.get(f"/api/v1/webhooks/{made['id']}/deliveries", bank)).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"url": "ftp://loans.example.cn/hook"}, 400, "url"),
        ({"url": "https://loans.example.cn/hook", "kinds": ["trade.settled", "no.such"]}, 422, "kinds/1"),
        ({"url": "https://loans.example.cn/hook", "kinds": []}, 400, "kinds"),
        ({"url": "https://loans.example.cn/hook", "secret": "mine"}, 400, "secret"),
    ],
)
async def test_a_bad_subscription_is_refused_naming_the_field(
    platform: Platform, body: dict[str, Any], status: int, field: str
) -> None:
    bank = await platform.onboard("bank")
    refused = await platform.post("/api/v1/webhooks", bank, body)
    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field, refused.json()
    assert (await platform.get("/api/v1/webhooks", bank)).json() == []


async def test_a_rotation_of_the_ledgers_key_seals_the_secrets_again_under_the_new_key(
    platform: Platform, database_url: str, ledger_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = await platform.onboard("bank")
    made = await subscribe(platform, bank, "http://127.0.0.1:9/hooks")
    secret = Webhook(made["secret"])._whsecret
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    assert await cli("ledger", "rotate-key", str(tmp_path / "new.key")) == 0
    async with platform.core.database.reads() as session:
        row = (await session.execute(select(WebhookRow))).scalar_one()
    assert Sealer(signing_key.load(tmp_path / "new.key")).open(row.secret, row.id) == secret
    with pytest.raises(SealBroken):
        platform.core.ledger.sealer.open(row.secret, row.id)  # the retired key's seal is gone


@pytest.fixture
async def deployed(database_url: str, ledger_key: Path) -> AsyncIterator[Platform]:
    """A platform whose webhooks deliver only to public addresses, as deployed (``http://`` still
    allowed, for the tests' receiver)."""
    async with Platform.start(database_url, ledger_key, private_webhooks=False) as running:
        yield running


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4 in IPv6: mapped, and NAT64 to the metadata service
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[::1/hook",  # not an address at all: refused, not a 500
    ],
)
async def test_an_endpoint_at_a_private_address_is_refused(deployed: Platform, url: str) -> None:
    bank = await deployed.onboard("bank")
    refused = await deployed.post("/api/v1/webhooks", bank, {"url": url})
    assert refused.status_code == 422 and refused.json()["field"] == "url", refused.text
    assert (await deployed.get("/api/v1/webhooks", bank)).json() == []


async def test_nothing_is_sent_to_a_name_that_resolves_to_a_private_address(deployed: Platform) -> None:
    bank, owner = await deployed.onboard("bank"), await deployed.onboard("enterprise")
    with receiver() as endpoint:
        by_name = endpoint.url.replace("127.0.0.1", "localhost")
        made = await subscribe(deployed, bank, by_name)  # a name: looked up when it is delivered to
        await pledge_asked(deployed, owner, bank)
        await deployed.deliver()
    assert endpoint.received == []
    (attempt,) = await log(deployed, bank, made["webhook"]["id"])
    assert attempt["status"] == "pending" and "not a public address" in attempt["last_error"]


async def test_a_delivery_connects_to_the_address_it_checked_naming_the_host(platform: Platform) -> None:
    bank, owner = await platform.onboard("bank"), await platform.onboard("enterprise")
    with receiver() as endpoint:
        by_name = endpoint.url.replace("127.0.0.1", "localhost")
        await subscribe(platform, bank, by_name)
        await pledge_asked(platform, owner, bank)
        await platform.deliver()
    (message,) = endpoint.received
    assert message.headers["host"] == by_name.split("/")[2]  # the name, though it went to the address


async def test_an_endpoint_that_cannot_be_resolved_holds_up_no_one_else(platform: Platform) -> None:
    bank, other, owner = (
        await platform.onboard("bank"),
        await platform.onboard("bank"),
        await platform.onboard("enterprise"),
    )
    with receiver() as endpoint:
        await subscribe(platform, bank, endpoint.url)
        broken = await subscribe(platform, other, "https://a..b/hook")
        await pledge_asked(platform, owner, bank)
        await pledge_asked(platform, owner, other)
        await platform.deliver()
    assert len(endpoint.received) == 1  # the good endpoint had its entry
    (attempt,) = await log(platform, other, broken["webhook"]["id"])
    assert attempt["status"] == "pending" and attempt["last_error"]
