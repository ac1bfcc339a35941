"""What the OpenAPI document says each route may answer, derived from the route's declarations so
that it cannot drift from what the guard and the error mapper send.

Every route lists its success status (as declared on the handler, and sent by ``api.work.Act``) and
each error status it can return, all as ``application/problem+json`` ``Problem`` bodies (RFC 9457):
400 (malformed), 404 (no such object, or not the caller's), 413 (a body too large), 422 (a rule),
429 (a rate limit) and 503 (a busy database) everywhere; 401 where a key is needed (with the bearer
security scheme); 403 where the route is not for every party, or writes; 409 on writes; 415 where a
body is read.
"""

from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    PathItem,
    Schema,
)
from litestar.routes import HTTPRoute

from api.access import EVERYONE, Access, access_of
from api.docs import BEARER

PROBLEM = "application/problem+json"
CSV = "text/csv; charset=utf-8"
WHY = {
    400: "Malformed request: a wrong type, an unknown field or query parameter, a value out of bounds",
    401: "No API key, or an unknown or revoked one",
    403: "The route is not for the caller's kind of party, or the caller may only read",
    404: "No such object, or none the caller may see",
    409: "Conflict: already exists, already decided, or a concurrent change",
    413: "The request body is too large",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "A business rule refused the request",
    429: "Too many requests from this address or with this key (or unknown keys from this address); "
    "retry after the seconds Retry-After gives",
    503: "The database is busy or unavailable; retry",
}

RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1), description="Seconds to wait before retrying"
)


@dataclass
class FieldError:
    field: str
    pointer: str  # RFC 6901
    message: str


@dataclass
class Problem:
    """An RFC 9457 problem: ``type`` is stable per rule; ``field`` is a JSON pointer to the culprit."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[FieldError] | None = None


def security(access: Access) -> list[dict[str, list[str]]] | None:
    """A key is required, optional (a public route that identifies), or not read at all."""
    if not access.public:
        return [{BEARER: []}]
    if access.identifies:
        return [{}, {BEARER: []}]
    return None


def error_statuses(handler: HTTPRouteHandler) -> list[int]:
    """Any route may meet a malformed request (400), an object that is not there or not the caller's
    — in its path, query or body — (404), a body too large to read (413), a rule (422), a rate limit
    (429) or a busy database (503)."""
    access = access_of(handler)
    statuses = [400, 404, 413, 422, 429, 503]
    if not access.public or access.identifies:
        statuses.append(401)
    if access.write or (not access.public and set(access.kinds) != set(EVERYONE)):
        statuses.append(403)
    if access.write:
        statuses.append(409)
    if handler.opt.get("body"):
        statuses.append(415)
    return sorted(statuses)


def document(app: Litestar) -> None:
    """Give every route its error answers and security requirement, then build the document, add the
    CSV form to the answers of routes that offer one (``?format=csv``) and ``Retry-After`` to 429s."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, _ in route.route_handler_map.values():
            if handler.include_in_schema is False:
                continue
            errors = error_statuses(handler)
            responses: dict[int, ResponseSpec] = {
                status: ResponseSpec(Problem, description=WHY[status], media_type=PROBLEM)
                for status in errors
            }
            handler.responses = {**responses, **(handler.responses or {})}
            handler.description = "\n\n".join(
                filter(None, (handler.description, who_may(access_of(handler))))
            )
            handler.security = security(access_of(handler))
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else ():
            if handler.opt.get("csv") and isinstance(item := paths.get(route.path_format), PathItem):
                answer = item.get.responses["200"] if item.get and item.get.responses else None
                if isinstance(answer, OpenAPIResponse) and answer.content is not None:
                    answer.content[CSV] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
    for item in paths.values():
        for operation in (item.get, item.post, item.put, item.patch, item.delete):
            answers = operation.responses if operation else None
            if answers and isinstance(limited := answers.get("429"), OpenAPIResponse):
                limited.headers = {"Retry-After": RETRY_AFTER}


def who_may(access: Access) -> str:
    """The route's access declaration, in words, for its description."""
    if access.public and access.identifies:
        return (
            "**Who may call it:** anyone, without a key; "
            "with a key, the answer is what the key's party may read."
        )
    if access.public:
        return "**Who may call it:** anyone, without a key."
    kinds = (
        "any party" if set(access.kinds) == set(EVERYONE) else "parties of kind " + ", ".join(access.kinds)
    )
    said = f"**Who may call it:** {kinds}"
    if access.self_service:
        said += ", with any key (a viewer's too, even while the party is frozen), about its own credentials"
    elif access.write:
        said += ", with a manager key (not a viewer's), while the party is not frozen (冻结)"
    if (subject := access.subject) is not None:
        roles = " or ".join(subject.roles)
        said += f"; the caller must be the {subject.kind}'s {roles}"
        if subject.supervisors:
            said += " (regulators and the registrar see every one)"
        said += f"; any other {subject.kind} answers 404, as one that does not exist"
    return said + "."


def offers_csv() -> dict[str, bool]:
    """Declare (in a route's ``opt``) that ``?format=csv`` answers the same list as a spreadsheet."""
    return {"csv": True}
