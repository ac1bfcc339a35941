"""Applying for confirmation of a right (确权申请) in the console: the form each asset class's schema
draws, filed through the API's use case (one application however often the form is sent), shown
pending and then confirmed with its right; refusals as the API's, naming the field, filing nothing."""

import json
from typing import Any

import pytest
from httpx import Response

from tests.api.test_parcels import LAT, LON, carbon, ring
from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import ATTRIBUTES, QUANTITY, Member, Platform, fresh

pytestmark = pytest.mark.anyio


def as_form(asset_class: str, attributes: dict[str, Any], **fields: str) -> dict[str, str]:
    """An application as the console's form sends it: a field per attribute, lists one per line."""
    form = {
        "asset_class": asset_class,
        "division": "361028",
        "vintage": "2024",
        "quantity": QUANTITY[asset_class],
    }
    for name, value in attributes.items():
        form[f"attribute.{name}"] = "\n".join(value) if isinstance(value, list) else str(value)
    return {**form, **fields}


async def file(platform: Platform, member: Member, form: dict[str, str], times: int = 1) -> list[Response]:
    """The form sent ``times`` times as the page gave it (a double click sends it twice)."""
    await sign_in(platform, member.key)
    page = await platform.client.get("/applications", params={"asset_class": form["asset_class"]})
    assert 'method="post" action="/applications"' in page.text, page.text
    sent = {"csrf_token": token_of(page), "form_key": form_key(page), **form}
    return [
        await platform.client.post("/applications", data=sent, follow_redirects=False) for _ in range(times)
    ]


async def filed(platform: Platform, member: Member) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await platform.get("/api/v1/applications", member)).json()["items"]
    return found


@pytest.mark.parametrize("asset_class", sorted(ATTRIBUTES))
async def test_every_class_draws_its_form_from_its_schema(platform: Platform, asset_class: str) -> None:
    holder = await platform.onboard("collective", "361028")
    await sign_in(platform, holder.key)
    page = await platform.client.get("/applications", params={"asset_class": asset_class})
    assert page.status_code == 200, page.text
    schema = next(
        c for c in (await platform.get("/api/v1/asset-classes")).json() if c["code"] == asset_class
    )["attribute_schema"]
    for name in schema["properties"]:
        assert f'name="attribute.{name}"' in page.text
    assert 'type="date"' in page.text and '<option value="361028">' in page.text  # 资溪县, Fuzhou


async def test_a_collective_files_from_the_form_and_a_regulator_confirms_it(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    attributes = {**fresh("CS", 1), "parcels": ["361028-001-002", "361028-001-003"]}
    sent = await file(platform, holder, as_form("CS", attributes), times=2)
    assert [answer.status_code for answer in sent] == [303, 303], sent[0].text
    application = sent[0].headers["location"].split("done=")[1]
    assert sent[1].headers["location"] == sent[0].headers["location"]  # the form sent twice files once

    (found,) = await filed(platform, holder)
    assert found["id"] == application and found["status"] == "pending"
    assert found["attributes"]["parcels"] == attributes["parcels"] and found["quantity"] == "1000"
    page = await platform.client.get(f"/applications?done={application}")
    assert application in page.text and "待监管审核" in page.text

    confirmed = await platform.post(f"/api/v1/applications/{application}/confirm", await platform.regulator())
    assert confirmed.status_code == 201, confirmed.text
    page = await platform.client.get("/applications")
    assert f'href="/register/{confirmed.json()["id"]}"' in page.text


async def test_a_form_the_schema_refuses_is_refused_as_the_api_refuses_it(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    attributes = {**ATTRIBUTES["FR"], "unit_no": "not-a-unit-number"}
    (console,) = await file(platform, holder, as_form("FR", attributes))
    api = await platform.apply(holder, "FR", attributes=attributes)
    assert console.status_code == api.status_code >= 400
    assert api.json()["field"] in console.text  # the same field named
    unparsed = {
        **ATTRIBUTES["FR"],
        "boundary": "{oops",
    }  # JSON that does not parse: the schema refuses the text
    (bad_boundary,) = await file(platform, holder, as_form("FR", unparsed))
    api = await platform.apply(holder, "FR", attributes=unparsed)
    assert bad_boundary.status_code == api.status_code >= 400 and api.json()["field"] in bad_boundary.text
    (bad_vintage,) = await file(platform, holder, as_form("FR", ATTRIBUTES["FR"], vintage="二〇二四"))
    assert bad_vintage.status_code == 400 and "vintage" in bad_vintage.text
    assert await filed(platform, holder) == []


async def test_an_operator_files_for_a_holder_and_others_may_not(platform: Platform) -> None:
    operator, collective = await platform.onboard("operator"), await platform.onboard("collective", "361028")
    enterprise = await platform.onboard("enterprise")
    await sign_in(platform, operator.key)
    assert 'name="holder"' in (await platform.client.get("/applications?asset_class=CS")).text
    (answer,) = await file(platform, operator, as_form("CS", fresh("CS", 2), holder=collective.party))
    assert answer.status_code == 303, answer.text
    assert [x["holder"] for x in await filed(platform, collective)] == [collective.party]

    await sign_in(platform, enterprise.key)
    assert 'name="holder"' not in (await platform.client.get("/applications?asset_class=CS")).text
    (refused,) = await file(platform, enterprise, as_form("CS", fresh("CS", 3), holder=collective.party))
    api = await platform.apply(enterprise, "CS", holder=collective.party)
    assert refused.status_code == api.status_code >= 400
    assert len(await filed(platform, collective)) == 1


async def test_a_boundary_of_many_points_is_filed_from_the_form(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    west, south, side, steps = LON, LAT, 0.01, 60
    edge = [side * i / steps for i in range(steps)]
    points = [
        *((west + d, south) for d in edge),
        *((west + side, south + d) for d in edge),
        *((west + side - d, south + side) for d in edge),
        *((west, south + side - d) for d in edge),
    ]
    boundary = {"type": "Polygon", "coordinates": [ring(*points)]}
    attributes = {**carbon(boundary), "project_id": "JX-FC-361028-BIG"}
    form = as_form("CS", {**attributes, "boundary": json.dumps(boundary)})
    assert len(form["attribute.boundary"]) > 5000  # past the 2,000 characters other forms' fields keep to
    (sent,) = await file(platform, holder, form)
    assert sent.status_code == 303, sent.text
    (found,) = await filed(platform, holder)
    assert len(found["attributes"]["boundary"]["coordinates"][0]) == len(points) + 1


async def test_a_class_defined_later_gets_typed_fields_from_its_schema(platform: Platform) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["intake_grade", "metered", "permit_year"],
        "properties": {
            "intake_grade": {"enum": [1, 2, 3]},  # not strings: sent as the schema's own values
            "metered": {"type": "boolean"},
            "permit_year": {"type": "integer", "minimum": 2000},
        },
    }
    water = {"code": "WR", "name": "Water use right", "name_zh": "用水权", "unit": "m3/a", "scale": 0,
             "price_basis": "unit", "retirable": False, "fungible_by": ["division"], "term_attribute": None,
             "attribute_schema": schema}  # fmt: skip
    assert (await platform.post("/api/v1/asset-classes", platform.registrar, water)).status_code == 201
    holder = await platform.onboard("enterprise")
    form = {
        "asset_class": "WR",
        "division": "361028",
        "vintage": "2024",
        "quantity": "5000",
        "attribute.intake_grade": "2",
        "attribute.metered": "on",
        "attribute.permit_year": "2024",
    }
    (sent,) = await file(platform, holder, form)
    assert sent.status_code == 303, sent.text
    (found,) = await filed(platform, holder)
    assert found["attributes"] == {"intake_grade": 2, "metered": True, "permit_year": 2024}
