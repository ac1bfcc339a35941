"""The OpenAPI document describes the API a client generated from it will meet: the status each
operation sends on success, a problem+json body for every error it can answer, the bearer scheme
where a key is needed, and the Idempotency-Key header where it is honoured."""

from typing import Any

import pytest

from api.app import create_app
from api.config import Settings

pytestmark = pytest.mark.anyio
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    schema: dict[str, Any] = create_app(Settings()).openapi_schema.to_schema()
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", *WRITES}
    ]


def test_every_operation_has_a_summary_a_description_and_problem_bodies_for_its_errors(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        assert operation.get("summary"), (method, path)
        assert "Who may call it" in operation.get("description", ""), (method, path)
        errors = {status for status in operation["responses"] if status >= "400"}
        assert {"400", "404", "422", "503"} <= errors, (method, path)
        for status in errors:
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)


def test_keys_are_bearer_tokens_and_writes_take_an_idempotency_key(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["BearerAuth"]["description"],
    }
    for method, path, operation in operations(document):
        public = "401" not in operation["responses"]
        optional = operation.get("security") == [{}, {"BearerAuth": []}]  # a key, if sent, is read
        assert (operation.get("security") == [{"BearerAuth": []}]) != (public or optional), (method, path)
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method in WRITES and not public and path != "/api/v1/collateral/verify":
            assert "Idempotency-Key" in headers, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/v1/offers/{offer_id}/accept", "200"),
        ("post", "/api/v1/listings/{listing_id}/buy", "200"),
        ("post", "/api/v1/listings/{listing_id}/register", "200"),
        ("post", "/api/v1/contracts/{contract_id}/sign", "200"),
        ("post", "/api/v1/proposals/{proposal_id}/approve", "200"),
        ("post", "/api/v1/freezes", "202"),
        ("post", "/api/v1/parties/{party_id}/freeze", "202"),
        ("post", "/api/v1/transfers", "201"),
        ("post", "/api/v1/applications/{application_id}/confirm", "201"),
    ],
)
def test_the_documented_success_status_is_the_one_sent(
    document: dict[str, Any], method: str, path: str, status: str
) -> None:
    successes = [s for s in document["paths"][path][method]["responses"] if s < "400"]
    assert successes[0] == status, successes
