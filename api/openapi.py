"""What the OpenAPI document says each route may answer, derived from the route's declarations so
that it cannot drift from what the guard and the error mapper send.

Every route lists its success status (as declared on the handler, and sent by ``api.work.Act``) and
each error status it can return, all as ``application/problem+json`` ``Problem`` bodies (RFC 9457):
400 (malformed request) everywhere; 401 where a key is needed (with the bearer security scheme); 403
where the route is not for every party, or writes; 404 where the path names an object; 409, 413 and
422 on writes; 503 when the database is unavailable.
"""

from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from api.access import EVERYONE, access_of

PROBLEM = "application/problem+json"
BEARER = "BearerAuth"
WHY = {
    400: "Malformed request: a wrong type, an unknown field or query parameter, a value out of bounds",
    401: "No API key, or an unknown or revoked one",
    403: "The route is not for the caller's kind of party, or the caller may only read",
    404: "No such object, or none the caller may see",
    409: "Conflict: already exists, already decided, or a concurrent change",
    413: "The request body is too large",
    422: "A business rule refused the request",
    503: "The database is busy or unavailable; retry",
}


@dataclass
class FieldError:
    field: str
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


def error_statuses(handler: HTTPRouteHandler, has_path_parameters: bool) -> list[int]:
    access = access_of(handler)
    statuses = [400, 503]
    if not access.public:
        statuses.append(401)
    if access.write or (not access.public and set(access.kinds) != set(EVERYONE)):
        statuses.append(403)
    if has_path_parameters or access.subject is not None:
        statuses.append(404)
    if access.write:
        statuses += [409, 413, 422]
    return sorted(statuses)


def document(app: Litestar) -> None:
    """Give every route its error answers and security requirement, before the document is built."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, _ in route.route_handler_map.values():
            if handler.include_in_schema is False:
                continue
            errors = error_statuses(handler, bool(route.path_parameters))
            responses: dict[int, ResponseSpec] = {
                status: ResponseSpec(Problem, description=WHY[status], media_type=PROBLEM)
                for status in errors
            }
            handler.responses = {**responses, **(handler.responses or {})}
            if not access_of(handler).public:
                handler.security = [{BEARER: []}]
