"""Every read endpoint a holder uses answers over rights of every asset class — whatever their scale —
on both engines (a statement once failed on PostgreSQL only, for classes with decimals)."""

import pytest

from registry.quantities import Quantity
from tests.platform import QUANTITY, Platform

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("asset_class", sorted(QUANTITY))
async def test_a_holders_reads_answer_for_every_asset_class(platform: Platform, asset_class: str) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, asset_class)
    scale = len(QUANTITY[asset_class].partition(".")[2])
    unit = str(Quantity(1, scale))  # the smallest quantity of the class
    moved = await platform.post(
        "/api/v1/transfers", holder, {"issuance": issued["id"], "to": other.party, "quantity": unit}
    )
    assert moved.status_code == 201, moved.text
    await platform.deposit(holder, "100.00")
    for path in (
        f"/api/v1/parties/{holder.party}/holdings",
        f"/api/v1/parties/{holder.party}/statement",
        f"/api/v1/parties/{holder.party}/statement?issuance={issued['id']}",
        f"/api/v1/parties/{holder.party}/cash",
        f"/api/v1/parties/{holder.party}/cash/statement",
        f"/api/v1/issuances/{issued['id']}",
        f"/api/v1/issuances/{issued['id']}/serials/1",
        f"/api/v1/issuances/{issued['id']}/valuations",
        "/api/v1/applications",
        "/api/v1/me",
    ):
        answer = await platform.client.get(path, headers=holder.auth)
        assert answer.status_code == 200, f"{path}: {answer.text}"
    lines = (await platform.get(f"/api/v1/parties/{holder.party}/statement", holder)).json()["items"]
    left = str(Quantity(Quantity.read(QUANTITY[asset_class]).units - 1, scale))
    assert [line["balance"] for line in lines] == [QUANTITY[asset_class], left]
