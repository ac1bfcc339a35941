"""Every error as an RFC 9457 problem: ``application/problem+json`` that names the field at fault.

One status policy (the README's "Errors"):

| status | when |
|---|---|
| 400 | malformed: wrong type, unknown field or query parameter, unstorable or unbounded value |
| 401 | no API key, or an unknown or revoked one |
| 403 | a route the caller's kind of party or role may not use (a viewer, a frozen party writing) |
| 404 | an object that does not exist, or that the caller may not see |
| 409 | a conflict: already exists, already decided, a concurrent change |
| 413 | a body too large |
| 415 | a body that is not JSON |
| 422 | a business rule refused a well-formed request |
| 429 | a rate limit (``api.rate_limits``); ``Retry-After`` says in how many seconds to retry |
| 503 | the database is busy or unavailable, or too many writes wait (``Retry-After`` says when) |

A domain error's class names the rule: its kebab-case name is the problem's ``type`` (stable, for
clients to branch on), its facts are extension members, and its title and message are translated
(``api.i18n``) before the facts are filled in; a rule whose facts say when to retry (``retry_after``,
in seconds) is answered with ``Retry-After`` too. Values quoted back are cut to a few dozen characters.
"""

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import IntegrityError, OperationalError

from api.i18n import DEFAULT, negotiate, translate, translate_validation
from api.inputs import MAX_PARAMETER_LENGTH, NotJson, echo
from api.rate_limits import RateLimited
from market.errors import Overloaded
from registry import errors as re_errors
from registry.errors import Malformed
from settlement.ledger import LedgerRangeError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://liangshan.dev/problems/"
log = logging.getLogger("liangshan.api")

_STATUS: list[tuple[type[re_errors.RegistryError], int]] = [
    (NotJson, 415),
    (RateLimited, 429),
    (Overloaded, 503),
    (Malformed, 400),
    (LedgerRangeError, 400),  # a range or position beyond the ledger: a query the client got wrong
    (re_errors.NotFound, 404),
    (re_errors.Forbidden, 403),
    (re_errors.Conflict, 409),
    (re_errors.InvalidInput, 422),
    (re_errors.RuleBroken, 422),
    (re_errors.RegistryError, 422),
]
_WORD = re.compile(r"(?<!^)(?=[A-Z])")
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "field", "errors"})


def kebab(name: str) -> str:
    return _WORD.sub("-", name).lower()


def pointer(field: str) -> str:
    """A dotted field path (``items.0.quantity``) as an RFC 6901 JSON pointer."""
    if field.startswith("/"):
        return field
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in field.split("."))


def locale_of(request: Request[Any, Any, Any]) -> str:
    """The language the caller asked for, negotiated once per problem."""
    return negotiate(request.headers.get("accept-language"))


def problem(
    request: Request[Any, Any, Any],
    locale: str,
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    facts: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": echo(request.url.path, limit=MAX_PARAMETER_LENGTH),
    }
    body.update({name: value for name, value in (facts or {}).items() if name not in _RESERVED})
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    headers = {"Content-Language": locale.replace("_", "-"), "Vary": "Accept-Language"}
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: re_errors.RegistryError) -> Response[dict[str, Any]]:
    status = next(code for cls, code in _STATUS if isinstance(exc, cls))
    locale = locale_of(request)
    facts = {name: echo(value) if isinstance(value, str) else value for name, value in exc.facts.items()}
    message = translate(exc.template or "", locale).format(**facts)  # every raised error has a template
    field = None if exc.field is None else echo(exc.field)
    errors = [{"field": field, "pointer": pointer(field), "message": message}] if field else None
    response = problem(
        request,
        locale,
        status,
        translate(exc.title, locale),
        message,
        kind=kebab(type(exc).__name__),
        field=field,
        errors=errors,
        facts=facts,
    )
    if "retry_after" in facts:
        response.headers["Retry-After"] = str(facts["retry_after"])
    return response


MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '([^']+)'")


def validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    locale = locale_of(request)
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field, message = echo(item.get("key") or item.get("source") or "body"), item.get("message")
            if field == "data":  # Litestar's name for a body that is missing altogether
                field, message = "/", "a JSON body is required"
            message = translate_validation(echo(message, limit=200), locale)
            errors.append({"field": field, "pointer": pointer(field), "message": message})
    missing = MISSING_PARAMETER.match(exc.detail)
    if not errors and missing:  # Litestar names a missing parameter in its sentence only
        field = missing.group(1)
        message = translate_validation("Field required", locale)
        errors.append({"field": field, "pointer": pointer(field), "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or echo(exc.detail)
    return problem(
        request,
        locale,
        400,
        translate("Invalid request", locale),
        detail,
        kind="invalid-request",
        field=errors[0]["field"] if errors else None,
        errors=errors,
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    locale = locale_of(request)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = translate(echo(exc.detail), locale)
    response = problem(
        request,
        locale,
        exc.status_code,
        translate(phrase, locale),
        detail,
        kind=kebab(phrase.replace(" ", "")),
    )
    if exc.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="liangshan"'
    response.headers.update(exc.headers or {})
    return response


def integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    log.info("conflicting concurrent write: %s", exc.orig)
    locale = locale_of(request)
    return problem(
        request,
        locale,
        409,
        translate("Conflict", locale),
        translate("a concurrent request changed the same records; retry", locale),
        kind="concurrent-change",
    )


def busy(request: Request[Any, Any, Any], exc: OperationalError) -> Response[dict[str, Any]]:
    log.warning("database unavailable: %s", exc.orig)
    locale = locale_of(request)
    response = problem(
        request,
        locale,
        503,
        translate("Busy", locale),
        translate("the database is busy or unavailable; retry", locale),
        kind="busy",
    )
    response.headers["Retry-After"] = "1"
    return response


def internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return problem(request, DEFAULT, 500, "Internal error", "the error was logged", kind="internal-error")


HANDLERS: dict[int | type[Exception], Any] = {
    re_errors.RegistryError: domain_error,
    ValidationException: validation,
    HTTPException: http_error,
    IntegrityError: integrity,
    OperationalError: busy,
    Exception: internal,
}
