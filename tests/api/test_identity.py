"""One right, one record (issue 11, point 1): an application that claims a live right is shown to the
regulator with the right it duplicates, and its confirmation is refused, on both engines and when two
confirmations race; date ranges of every kind end after they start."""

from typing import Any

import pytest

from tests.platform import ATTRIBUTES, Member, Platform

pytestmark = pytest.mark.anyio


async def _confirm(platform: Platform, application: str) -> Any:
    return await platform.post(f"/api/v1/applications/{application}/confirm", await platform.regulator())


async def _filed(
    platform: Platform, member: Member, template: str, quantity: str | None = None, **overrides: Any
) -> str:
    filed = await platform.apply(member, template, quantity, **overrides)
    assert filed.status_code == 201, filed.text
    application: str = filed.json()["id"]
    return application


async def test_a_forest_unit_registered_and_sold_is_not_registered_again(platform: Platform) -> None:
    """The issue's case: a 不动产单元号 already registered, and sold, filed again by an operator for a
    village collective."""
    household, buyer = await platform.onboard("person", "361028"), await platform.onboard("enterprise")
    registered = await _filed(platform, household, "FR", attributes=ATTRIBUTES["FR"])
    first = (await _confirm(platform, registered)).json()
    sold = {"issuance": first["id"], "to": buyer.party, "quantity": first["quantity"]}
    assert (await platform.post("/api/v1/transfers", household, sold)).status_code == 201
    operator, village = await platform.onboard("operator", "361028"), await platform.onboard("collective")
    again = await _filed(platform, operator, "FR", holder=village.party, attributes=ATTRIBUTES["FR"])

    shown = (await platform.get(f"/api/v1/applications/{again}", await platform.regulator())).json()
    assert shown["duplicates"] == [
        {
            "application": registered,
            "issuance": first["id"],
            "serial": first["serial"],
            "holder": household.party,
        }
    ]
    assert (await platform.get(f"/api/v1/applications/{again}", operator)).json()["duplicates"] is None

    before = await platform.fingerprint()
    refused = await _confirm(platform, again)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/right-registered-already")
    assert (problem["field"], problem["issuance"], problem["serial"]) == (
        "attributes.unit_no",
        first["id"],
        first["serial"],
    )
    assert ATTRIBUTES["FR"]["unit_no"] in problem["detail"]
    assert await platform.fingerprint() == before


async def test_the_same_permit_and_pollutant_filed_by_another_enterprise_is_refused(
    platform: Platform,
) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    await platform.confirmed(holder, "EP", attributes=ATTRIBUTES["EP"])
    copied = {**ATTRIBUTES["EP"], "permit_no": " " + ATTRIBUTES["EP"]["permit_no"].lower()}  # the same number
    refused = await _confirm(platform, await _filed(platform, other, "EP", attributes=copied))
    assert refused.status_code == 409 and refused.json()["field"] == "attributes.permit_no", refused.text
    other_pollutant = {**ATTRIBUTES["EP"], "pollutant": "NOx"}  # one permit, another pollutant: another right
    assert (
        await _confirm(platform, await _filed(platform, other, "EP", attributes=other_pollutant))
    ).status_code == 201


async def test_monitoring_periods_of_one_project_may_not_overlap(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    await platform.confirmed(owner, "CS", attributes=ATTRIBUTES["CS"])  # 2024-01-01 … 2024-12-31
    overlapping = {**ATTRIBUTES["CS"], "monitoring_start": "2024-12-31", "monitoring_end": "2025-06-30"}
    refused = await _confirm(platform, await _filed(platform, owner, "CS", attributes=overlapping))
    assert refused.status_code == 409 and refused.json()["field"] == "attributes.project_id", refused.text
    following = {**ATTRIBUTES["CS"], "monitoring_start": "2025-01-01", "monitoring_end": "2025-12-31"}
    assert (
        await _confirm(platform, await _filed(platform, owner, "CS", attributes=following))
    ).status_code == 201


async def test_pending_applications_for_one_right_show_each_other(platform: Platform) -> None:
    a, b = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    first = await _filed(platform, a, "EP", attributes=ATTRIBUTES["EP"])
    second = await _filed(platform, b, "EP", attributes=ATTRIBUTES["EP"])
    elsewhere = await _filed(platform, b, "EP")  # a right of its own
    listed = (await platform.get("/api/v1/applications", await platform.regulator())).json()["items"]
    duplicates = {item["id"]: item["duplicates"] for item in listed}
    assert duplicates[first] == [{"application": second, "issuance": None, "serial": None, "holder": b.party}]
    assert duplicates[second] == [{"application": first, "issuance": None, "serial": None, "holder": a.party}]
    assert duplicates[elsewhere] == []
    assert all(
        item["duplicates"] is None for item in (await platform.get("/api/v1/applications", a)).json()["items"]
    )


async def test_two_confirmations_of_one_right_at_once_one_wins(platform: Platform) -> None:
    a, b = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    first = await _filed(platform, a, "FR", attributes=ATTRIBUTES["FR"])
    second = await _filed(platform, b, "FR", attributes=ATTRIBUTES["FR"])
    regulator = await platform.regulator()
    answers = await platform.at_once(_confirm(platform, first), _confirm(platform, second))
    assert sorted(answer.status_code for answer in answers) == [201, 409], [a.text for a in answers]
    winner = next(answer.json() for answer in answers if answer.status_code == 201)
    loser = next(answer.json() for answer in answers if answer.status_code == 409)
    assert loser["issuance"] == winner["id"]
    found = (await platform.get("/api/v1/issuances", regulator, unit_no=ATTRIBUTES["FR"]["unit_no"])).json()
    assert [right["id"] for right in found["items"]] == [winner["id"]]
    assert await platform.audit() == []


async def test_a_carbon_sink_retired_in_full_is_never_issued_again(platform: Platform) -> None:
    """Retired credits were used, not undone: issuing the same project and period again would count
    the same removals twice."""
    owner = await platform.onboard("enterprise")
    spent = await platform.confirmed(owner, "CS", attributes=ATTRIBUTES["CS"])
    retire = {
        "issuance": spent["id"],
        "quantity": spent["quantity"],
        "beneficiary": "资溪县",
        "purpose": "voluntary",
    }
    assert (await platform.post("/api/v1/retirements", owner, retire)).status_code == 201
    again = await _confirm(platform, await _filed(platform, owner, "CS", attributes=ATTRIBUTES["CS"]))
    assert again.status_code == 409, again.text
    assert again.json()["issuance"] == spent["id"]


async def test_a_permit_renewed_under_its_number_after_its_term_is_confirmed(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "EP", attributes=ATTRIBUTES["EP"])  # 2024 to 2028
    await platform.advance(days=365 * 3)  # 2029: the first term is over
    renewed = {**ATTRIBUTES["EP"], "term_start": "2029-06-01", "term_end": "2034-05-31"}
    again = await _confirm(platform, await _filed(platform, holder, "EP", attributes=renewed))
    assert again.status_code == 201, again.text


async def test_four_eyes_refuse_a_duplicate_before_the_second_regulator_looks(platform: Platform) -> None:
    """Above the class's threshold a confirmation is proposed: a duplicate is refused at the proposal."""
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "EP", attributes=ATTRIBUTES["EP"])
    again = await _filed(platform, holder, "EP", "600.000", attributes=ATTRIBUTES["EP"])  # above 500 t/a
    refused = await _confirm(platform, again)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/right-registered-already"), (
        refused.text
    )


@pytest.mark.parametrize(
    ("kind", "changed", "field"),
    [
        (
            "CS",
            {"monitoring_start": "2024-12-31", "monitoring_end": "2024-01-01"},
            "attributes.monitoring_end",
        ),
        (
            "CS",
            {"monitoring_start": "2024-06-01", "monitoring_end": "2024-06-01"},
            "attributes.monitoring_end",
        ),
        ("EP", {"term_start": "2028-12-31", "term_end": "2028-12-31"}, "attributes.term_end"),
        ("EPHM", {"term_start": "2029-01-01", "term_end": "2028-12-31"}, "attributes.term_end"),
        ("WL", {"form": "operation_right"}, "attributes.unit_no"),  # an operation right names its unit number
        ("WL", {"form": "operation_right", "unit_no": "not-a-unit"}, "attributes.unit_no"),
    ],
)
async def test_date_ranges_and_identities_are_checked_on_filing(
    platform: Platform, kind: str, changed: dict[str, str], field: str
) -> None:
    holder = await platform.onboard("enterprise")
    before = await platform.fingerprint()
    refused = await platform.apply(holder, kind, attributes={**ATTRIBUTES[kind], **changed})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert await platform.fingerprint() == before


async def test_a_wetland_operation_right_is_identified_by_its_unit_an_indicator_is_not(
    platform: Platform,
) -> None:
    holder = await platform.onboard("collective", "361028")
    right = {**ATTRIBUTES["WL"], "form": "operation_right", "unit_no": "361028001002JL00001W00000001"}
    await platform.confirmed(holder, "WL", attributes=right)
    refused = await _confirm(platform, await _filed(platform, holder, "WL", attributes=right))
    assert refused.status_code == 409 and refused.json()["field"] == "attributes.unit_no"
    for _ in range(2):  # indicators are fungible: no identity, as many as are accepted
        await platform.confirmed(holder, "WL", attributes=ATTRIBUTES["WL"])


async def test_a_new_class_declares_its_identity_as_data(platform: Platform) -> None:
    water = {
        "code": "WR",
        "name": "Water use right",
        "name_zh": "用水权",
        "unit": "m3/a",
        "scale": 0,
        "price_basis": "unit",
        "retirable": False,
        "term_attribute": "term_end",
        "attribute_schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["licence_no", "term_start", "term_end"],
            "properties": {
                "licence_no": {"type": "string", "maxLength": 40},
                "term_start": {"type": "string", "format": "date"},
                "term_end": {"type": "string", "format": "date"},
            },
        },
        "identity": {"by": ["licence_no"]},
        "date_ranges": [["term_start", "term_end"]],
    }
    for broken, field in (
        ({"identity": {"by": ["nonsense"]}}, "identity"),
        ({"date_ranges": [["licence_no", "term_end"]]}, "date_ranges"),
    ):
        refused = await platform.post("/api/v1/asset-classes", platform.registrar, {**water, **broken})
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    defined = await platform.post("/api/v1/asset-classes", platform.registrar, water)
    assert defined.status_code == 201, defined.text
    assert defined.json()["identity"] == {"by": ["licence_no"], "when": None, "period": None}
    holder = await platform.onboard("enterprise")
    licence = {"licence_no": "取水(赣)字[2024]第001号", "term_start": "2024-01-01", "term_end": "2029-12-31"}
    await platform.confirmed(holder, "CS", asset_class="WR", quantity="5000", attributes=licence)
    inverted = await platform.apply(holder, "CS", asset_class="WR", quantity="5000",
                                    attributes={**licence, "term_start": "2030-01-01"})  # fmt: skip
    assert inverted.status_code == 422 and inverted.json()["field"] == "attributes.term_end"
    refused = await _confirm(
        platform, await _filed(platform, holder, "CS", "5000", asset_class="WR", attributes=licence)
    )
    assert refused.status_code == 409 and refused.json()["field"] == "attributes.licence_no"
