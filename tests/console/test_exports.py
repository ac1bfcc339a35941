"""The console's CSV downloads: UTF-8 with a byte order mark (so that spreadsheet programs on Chinese
Windows read it), a header line, and the rows the API serves the same user; for their roles only."""

import csv
import io

import pytest

from tests.console.test_sign_in import sign_in
from tests.console.test_trading import _market
from tests.platform import Platform

pytestmark = pytest.mark.anyio
BOM = b"\xef\xbb\xbf"


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(content[len(BOM) :].decode("utf-8"))))


async def test_holdings_statement_and_fills_download_with_a_byte_order_mark(platform: Platform) -> None:
    seller, buyer, issued = await _market(platform)
    body = {"instrument": issued["instrument"], "side": "buy", "quantity": "100", "price": "46.00"}
    assert (await platform.post("/api/v1/orders", buyer, body)).status_code == 201
    await sign_in(platform, seller.key)
    held = await platform.client.get("/holdings.csv")
    assert held.status_code == 200 and held.headers["content-type"].startswith("text/csv")
    assert "attachment" in held.headers["content-disposition"]
    api = (await platform.get(f"/api/v1/parties/{seller.party}/holdings", seller)).json()
    rows = _rows(held.content)
    assert [(r["issuance"], r["state"], r["quantity"]) for r in rows] == [
        (str(h["issuance"]), h["state"], h["quantity"]) for h in api
    ]
    assert rows[0]["serials"].split("\n") == api[0]["serials"]
    statement = _rows((await platform.client.get("/statement.csv")).content)
    assert [r["kind"] for r in statement] == [
        line["kind"]
        for line in (await platform.get(f"/api/v1/parties/{seller.party}/statement", seller)).json()["items"]
    ]
    fills = _rows((await platform.client.get("/trade/fills.csv")).content)
    assert [(f["side"], f["quantity"], f["value"]) for f in fills] == [("sell", "100", "4500.00")]


async def test_downloads_are_for_their_roles(platform: Platform) -> None:
    for path in ("/holdings.csv", "/statement.csv", "/trade/fills.csv", "/inventory.csv"):
        assert (await platform.client.get(path)).status_code == 401
    await sign_in(platform, (await platform.bank()).key)
    for path in ("/holdings.csv", "/trade/fills.csv", "/inventory.csv"):
        assert (await platform.client.get(path)).status_code == 403
    operator = await platform.onboard("operator", "361028")
    await sign_in(platform, operator.key)
    inventory = await platform.client.get("/inventory.csv")
    assert inventory.status_code == 200 and inventory.content.startswith(BOM)
    api = await platform.get(f"/api/v1/operators/{operator.party}/inventory", operator, format="csv")
    assert not api.content.startswith(BOM)  # the API's CSV is for programs
    assert inventory.content[len(BOM) :] == api.content
