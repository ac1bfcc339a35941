"""The API docs work without the internet and with a key: the page loads only the app's own, vendored
assets, exactly as the checksum file pins them, and the document declares the bearer scheme that
Swagger's "Authorize" fills in."""

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from api.docs import ASSETS, BEARER, MEDIA_TYPES, served
from tests.platform import Platform

pytestmark = pytest.mark.anyio

VENDORED = Path(str(ASSETS))
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
async def test_the_docs_page_loads_only_same_origin_assets_and_serves_each(
    platform: Platform, page: str
) -> None:
    answer = await platform.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://|//[a-z]", answer.text, re.IGNORECASE)  # no other origin at all
    references = REFERENCE.findall(answer.text)
    assert sorted(references) == sorted(f"/schema/assets/{name}" for name in served())
    for reference in references:
        asset = await platform.get(reference)
        assert asset.status_code == 200, reference
        assert asset.headers["content-type"].split(";")[0] == MEDIA_TYPES[Path(reference).suffix]
        assert asset.content == (VENDORED / Path(reference).name).read_bytes()
    assert '"persistAuthorization": true' in answer.text
    assert '"url": "/schema/openapi.json"' in answer.text


async def test_an_asset_is_revalidated_by_its_checksum(platform: Platform) -> None:
    first = await platform.get("/schema/assets/swagger-ui.css")
    assert first.headers["etag"] == f'"{served()["swagger-ui.css"]}"'
    assert first.headers["cache-control"] == "no-cache"
    again = await platform.client.get(
        "/schema/assets/swagger-ui.css", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("name", ["LICENSE", "SHA256SUMS", "..%2Fdocs.py", "swagger-ui.js"])
async def test_only_the_pages_assets_are_served(platform: Platform, name: str) -> None:
    assert (await platform.get(f"/schema/assets/{name}")).status_code == 404


def test_the_vendored_files_are_exactly_those_the_checksum_file_pins() -> None:
    lines = (VENDORED / "SHA256SUMS").read_text("utf-8").splitlines()
    header = lines[0]
    assert re.match(r"# swagger-ui-dist \d+\.\d+\.\d+, from the npm registry", header)
    pinned = dict(reversed(line.split(maxsplit=1)) for line in lines[1:])
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"} <= pinned.keys()
    on_disk = {path.name for path in VENDORED.iterdir()} - {"SHA256SUMS"}
    assert on_disk == pinned.keys()
    for name, digest in pinned.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name


async def test_the_document_declares_api_keys_as_bearer_tokens(platform: Platform) -> None:
    document = (await platform.get("/schema/openapi.json")).json()
    scheme = document["components"]["securitySchemes"][BEARER]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"


def _enum(schemas: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The values of an enum schema, through a reference and a nullable ``oneOf``."""
    if "$ref" in schema:
        return _enum(schemas, schemas[schema["$ref"].rsplit("/", 1)[1]])
    if "oneOf" in schema:
        return next(_enum(schemas, s) for s in schema["oneOf"] if s.get("type") != "null")
    return list(schema["enum"])


async def test_the_document_lists_each_enum_s_values(platform: Platform) -> None:
    schemas = (await platform.get("/schema/openapi.json")).json()["components"]["schemas"]
    party, user = schemas["PartyIn"]["properties"]["kind"], schemas["UserIn"]["properties"]["role"]
    assert [_enum(schemas, s) for s in (party, user)] == [
        ["enterprise", "collective", "person", "operator", "bank", "regulator", "registrar"],
        ["manager", "viewer"],
    ]
    assert _enum(schemas, schemas["ListingIn"]["properties"]["mode"]) == ["fixed", "english", "sealed"]
    assert _enum(schemas, schemas["ContractIn"]["properties"]["mode"]) == [
        "buyout",
        "lease",
        "custody",
        "cooperation",
    ]
    assert [
        _enum(schemas, schemas[model]["properties"][field])
        for model, field in (
            ("RetireIn", "purpose"),
            ("ValuationIn", "method"),
            ("LinkIn", "kind"),
            ("EnforceIn", "method"),
            ("DefaultIn", "cause"),
        )
    ] == [
        ["compliance", "voluntary", "damage_compensation"],
        ["market", "income", "cost", "GEP", "VEP"],
        ["legal_representative", "controller", "beneficial_owner"],
        ["valuation", "sale"],
        ["overdue", "declared"],
    ]


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/v1/orders", ["open", "filled", "cancelled", "expired"]),
        ("/api/v1/offers", ["open", "accepted", "declined", "withdrawn", "lapsed"]),
        ("/api/v1/listings", ["open", "sold", "failed", "cancelled"]),
        ("/api/v1/applications", ["pending", "confirmed", "rejected"]),
        ("/api/v1/contracts", ["offered", "active", "declined", "ended"]),
        ("/api/v1/pledges", ["requested", "registered", "released", "enforced", "withdrawn"]),
    ],
)
async def test_the_document_lists_a_status_query_s_values(
    platform: Platform, path: str, values: list[str]
) -> None:
    document = (await platform.get("/schema/openapi.json")).json()
    parameters = document["paths"][path]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status" and p["in"] == "query")
    assert _enum(document["components"]["schemas"], status["schema"]) == values
