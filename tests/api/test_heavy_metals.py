"""Heavy-metal emission permits are counted in kg/a (DESIGN §2), in a class of their own."""

import pytest

from tests.platform import ATTRIBUTES, Platform

pytestmark = pytest.mark.anyio


async def test_heavy_metals_are_permitted_in_kilograms_a_year(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    issued = await platform.confirmed(enterprise, "EPHM")
    assert (issued["unit"], issued["quantity"], issued["attributes"]["pollutant"]) == ("kg/a", "12.500", "Pb")
    in_tonnes = await platform.apply(enterprise, "EP", "0.013", attributes=ATTRIBUTES["EPHM"])
    assert in_tonnes.status_code == 422 and "pollutant" in in_tonnes.json()["field"]
