"""Errors on console routes as pages: the same mapper as the API's (``api.errors``) decides the status
and headers, so a console page answers 400, 401, 403, 404… exactly where the API would; the page
says it in the console's language, and a 401 offers the sign-in form."""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template

from api.console import locale
from api.console.locale import N_
from api.console.view import known_view
from api.errors import HANDLERS
from api.i18n import translate, translate_validation
from api.inputs import echo
from registry.errors import RegistryError

# a console user has no Authorization header to send, whatever the API's 401 says: a session does
SIGN_IN_FIRST = N_("Sign in to see this page.")


def _mapper(exc: Exception) -> Any:
    for cls in type(exc).__mro__:
        if cls in HANDLERS:
            return HANDLERS[cls]
    return HANDLERS[Exception]


def words(exc: Exception, problem: dict[str, Any], chosen: str) -> tuple[str, str]:
    """The error's title and detail in the console's language (the API's catalogue translates both)."""
    if isinstance(exc, RegistryError):
        facts = {name: echo(value) if isinstance(value, str) else value for name, value in exc.facts.items()}
        return translate(exc.title, chosen), translate(exc.template or "", chosen).format(**facts)
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        named = [
            f"{echo(e.get('key'))}: {translate_validation(echo(e.get('message')), chosen)}" for e in exc.extra
        ]
        return translate("Invalid request", chosen), "; ".join(named)
    if isinstance(exc, HTTPException):
        phrase = HTTPStatus(exc.status_code).phrase
        return translate(phrase, chosen), translate(echo(exc.detail), chosen)
    return str(problem.get("title", "")), str(problem.get("detail", ""))


@dataclass(frozen=True, slots=True)
class Shown:
    """A refusal as a page shows it beside a form: the API's status, its words, the field it names."""

    status: int
    title: str
    detail: str
    field: str | None


def shown(request: Request[Any, Any, Any], exc: Exception, chosen: str) -> Shown:
    """``exc`` as the API would answer it (status, field), in the console's language."""
    answer: Response[Any] = _mapper(exc)(request, exc)
    problem = answer.content if isinstance(answer.content, dict) else {}
    title, detail = words(exc, problem, chosen)
    field = problem.get("field")
    return Shown(answer.status_code or 500, title, detail, field if isinstance(field, str) else None)


def invalid(errors: list[dict[str, Any]], chosen: str) -> Shown:
    """A form's fields refused by the API's own schema (``api.console.forms.as_problems``): the
    first, as the API's 400 names it."""
    first = errors[0]
    message = translate_validation(first["message"], chosen)
    return Shown(400, translate("Invalid request", chosen), message, first["key"] or None)


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The console's exception handler: the API's status and headers, on a page."""
    answer: Response[Any] = _mapper(exc)(request, exc)
    problem = answer.content if isinstance(answer.content, dict) else {}
    view = known_view(request)
    title, detail = words(exc, problem, view.locale)
    if answer.status_code == 401:
        detail = locale.translate(SIGN_IN_FIRST, view.locale)
    field = problem.get("field")
    page: Template = view.render(
        "error.html",
        answer.status_code or 500,
        title=title,
        detail=detail,
        field=field if isinstance(field, str) else None,
    )
    for name in ("Retry-After", "WWW-Authenticate"):
        if name in answer.headers:
            page.headers[name] = answer.headers[name]
    return page
