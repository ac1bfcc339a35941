"""Every error as an RFC 9457 problem: ``application/problem+json`` that names the field at fault.

One function per family maps exceptions to statuses: a broken registry rule keeps its class name as
the problem type, so clients can branch on ``type`` without parsing ``detail``.
"""

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import IntegrityError, OperationalError

from registry import errors as re_errors
from settlement.ledger import LedgerRangeError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://liangshan.dev/problems/"
log = logging.getLogger("liangshan.api")

_STATUS: list[tuple[type[re_errors.RegistryError], int]] = [
    (re_errors.NotFound, 404),
    (re_errors.Forbidden, 403),
    (re_errors.Conflict, 409),
    (re_errors.InvalidInput, 422),
    (re_errors.RuleBroken, 422),
]


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM)


def registry_error(request: Request[Any, Any, Any], exc: re_errors.RegistryError) -> Response[dict[str, Any]]:
    status = next(code for cls, code in _STATUS if isinstance(exc, cls))
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return problem(
        request,
        status,
        exc.title,
        exc.message,
        kind=_slug(type(exc).__name__),
        field=exc.field,
        errors=errors,
    )


def ledger_range(request: Request[Any, Any, Any], exc: LedgerRangeError) -> Response[dict[str, Any]]:
    message = str(exc)
    return problem(
        request,
        400,
        "Outside the ledger",
        message,
        kind="outside-the-ledger",
        field=exc.field,
        errors=[{"field": str(exc.field), "message": message}],
    )


def validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    errors = [
        {"field": str(item.get("key") or item.get("source") or "body"), "message": str(item.get("message"))}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    return problem(
        request,
        400,
        "Invalid request",
        detail,
        kind="invalid-request",
        field=errors[0]["field"] if errors else None,
        errors=errors,
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    title = HTTPStatus(exc.status_code).phrase
    response = problem(request, exc.status_code, title, str(exc.detail), kind=_slug(title.replace(" ", "")))
    if exc.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="liangshan"'
    return response


def integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    log.info("conflicting concurrent write: %s", exc.orig)
    return problem(
        request,
        409,
        "Conflict",
        "a concurrent request changed the same records; retry",
        kind="concurrent-change",
    )


def busy(request: Request[Any, Any, Any], exc: OperationalError) -> Response[dict[str, Any]]:
    log.warning("database unavailable: %s", exc.orig)
    return problem(request, 503, "Busy", "the database is busy or unavailable; retry", kind="busy")


def internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal error",
        "the error was logged",
        kind="internal-error",
    )


HANDLERS: dict[int | type[Exception], Any] = {
    re_errors.RegistryError: registry_error,
    LedgerRangeError: ledger_range,
    ValidationException: validation,
    HTTPException: http_error,
    IntegrityError: integrity,
    OperationalError: busy,
    Exception: internal,
}
