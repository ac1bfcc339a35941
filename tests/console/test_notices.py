"""The console's notifications and webhooks: the inbox lists what happened to the party, names beside
ids, new until marked read (the header counts them); a bank subscribes its endpoint on /webhooks, sees
the secret once, and reads each delivery in the log, which no other party may open."""

import re

import pytest
from standardwebhooks import Webhook

from tests.api.test_notifications import offered
from tests.api.test_webhooks import now_for_receivers
from tests.console.test_sign_in import party_name, sign_in, token_of
from tests.platform import Platform
from tests.receiver import receiver

pytestmark = pytest.mark.anyio


def _unread(page: str) -> int:
    found = re.search(r'<span class="unread" title="[^"]*">(\d+)</span>', page)
    return int(found.group(1)) if found else 0


async def test_a_seller_reads_of_its_trade_in_the_inbox_and_marks_it_read(platform: Platform) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    await platform.deposit(buyer, "1000.00")
    offer = await offered(platform, seller, buyer)
    assert (await platform.post(f"/api/v1/offers/{offer['id']}/accept", buyer)).status_code == 200

    await sign_in(platform, seller.key)
    inbox = await platform.client.get("/inbox")
    assert inbox.status_code == 200
    first_row = inbox.text.split("<tbody>")[1].split("</tr>")[0]
    assert "成交交割" in first_row and await party_name(platform, buyer) in first_row and "新" in first_row
    before = _unread(inbox.text)
    assert before >= 1
    marked = await platform.client.post(
        "/inbox/read",
        data={
            "csrf_token": token_of(inbox),
            "through": re.search(r'name="through" value="(\d+)"', inbox.text)[1],
        },
        follow_redirects=False,
    )
    assert marked.status_code == 303, marked.text
    after = await platform.client.get("/inbox?lang=en")
    assert _unread(after.text) == 0 and "Mark all read" not in after.text
    assert "Trade settled" in after.text


async def test_a_bank_subscribes_sees_its_secret_once_and_reads_the_delivery_log(platform: Platform) -> None:
    now_for_receivers(platform)
    bank, owner, other = (
        await platform.onboard("bank"),
        await platform.onboard("enterprise"),
        await platform.onboard("bank"),
    )
    await sign_in(platform, bank.key)
    page = await platform.client.get("/webhooks")
    assert "暂无 Webhook 订阅" in page.text
    key = re.search(r'name="form_key" value="([^"]+)"', page.text)[1]
    with receiver() as endpoint:
        form = {
            "csrf_token": token_of(page),
            "form_key": key,
            "url": endpoint.url,
            "kinds": "cash.bank_designated",
        }
        made = await platform.client.post("/webhooks", data=form)
        assert made.status_code == 200, made.text
        secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', made.text)[1]
        again = await platform.client.post("/webhooks", data=form)  # a reload: the same subscription
        assert 'class="secret"' not in again.text and "不再显示" in again.text
        await platform.served(owner, bank)
        await platform.deliver()
    (message,) = endpoint.received
    assert Webhook(secret).verify(message.body, message.headers)["type"] == "cash.bank_designated"

    listed = await platform.client.get("/webhooks")
    webhook = re.search(r'<a href="/webhooks/([0-9a-f-]{36})">', listed.text)[1]
    assert listed.text.count(f'href="/webhooks/{webhook}"') == 1
    log = await platform.client.get(f"/webhooks/{webhook}")
    assert log.status_code == 200 and "已送达" in log.text and "已指定结算银行" in log.text

    await sign_in(platform, other.key)
    assert (await platform.client.get(f"/webhooks/{webhook}")).status_code == 404
    await sign_in(platform, bank.key)
    listed = await platform.client.get("/webhooks")
    deleted = await platform.client.post(
        f"/webhooks/{webhook}/delete", data={"csrf_token": token_of(listed)}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert (await platform.get("/api/v1/webhooks", bank)).json() == []
