"""Strict, bounded input, checked before any of it reaches a use case or the database.

Every request's path and query parameters, and every string in a JSON body (keys too), must be text
both engines store: no NUL, no lone surrogate, within a length. Query parameters a route does not
declare are refused rather than ignored (a misspelt filter silently ignored returns the wrong list).
A JSON body is decoded once, here, with its nesting bounded; its size is bounded before that
(``MAX_BODY_BYTES``, answered 413 by the framework). Field-by-field types and bounds are the request
schemas' (``api.schemas``).
"""

from collections.abc import Iterable, Iterator
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import SerializationException
from litestar.handlers.base import BaseRouteHandler
from msgspec import DecodeError

from registry.errors import Malformed

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 16  # the deepest body a route takes is an asset class's attribute schema
MAX_PARAMETER_LENGTH = 200
ECHO = 64  # characters of a refused value quoted back in an error


class UnknownQueryParameter(Malformed):
    title = "Unknown query parameter"
    template = "this route takes no query parameter {name}; it takes: {known}"


class UnstorableText(Malformed):
    title = "Text that cannot be stored"
    template = "text may not contain NUL characters or lone surrogates"


class TooLong(Malformed):
    title = "Value too long"
    template = "at most {limit} characters"


class TooDeep(Malformed):
    title = "Body nested too deeply"
    template = "a body may nest at most {limit} levels"


def echo(value: object, limit: int = ECHO) -> str:
    """A value as quoted back to the client: never more than ``limit`` characters of it."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def storable(text: str) -> bool:
    """No NUL (PostgreSQL text refuses it) and no lone surrogate (no encoding takes it)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_parameters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse path and query parameters that are unstorable, too long, or not the route's."""
    known: frozenset[str] = handler.opt.get("query", frozenset())
    for name, values in connection.query_params.dict().items():
        if name not in known:
            raise UnknownQueryParameter(echo(name), name=echo(name), known=", ".join(sorted(known)) or "none")
        for value in values:
            _check_text(name, value)
    for name, value in connection.path_params.items():
        if isinstance(value, str):
            _check_text(name, value)


def _check_text(field: str, value: str) -> None:
    if not storable(value):
        raise UnstorableText(field)
    if len(value) > MAX_PARAMETER_LENGTH:
        raise TooLong(field, limit=MAX_PARAMETER_LENGTH)


async def check_body(request: Request[Any, Any, Any]) -> None:
    """Decode the JSON body once (the route's schema reads the decoded value) and refuse one nested
    deeper than ``MAX_DEPTH`` or holding unstorable text."""
    if request.method in ("GET", "HEAD", "DELETE") or not await request.body():
        return
    try:
        body = await request.json()
    except RecursionError:
        raise TooDeep("/", limit=MAX_DEPTH) from None
    except (DecodeError, SerializationException, ValueError) as exc:
        raise Malformed("/", reason=f"not JSON: {echo(exc)}") from None
    for pointer, value, depth in _walk(body):
        if depth > MAX_DEPTH:
            raise TooDeep(pointer, limit=MAX_DEPTH)
        if isinstance(value, str) and not storable(value):
            raise UnstorableText(pointer)


def _walk(value: Any, pointer: str = "", depth: int = 0) -> Iterator[tuple[str, Any, int]]:
    """Every value and object key in a decoded body, with its JSON pointer and depth."""
    yield pointer or "/", value, depth
    children: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict):
        for key in value:
            yield f"{pointer}/{_escape(key)}", key, depth + 1
        children = ((str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        children = ((str(index), item) for index, item in enumerate(value))
    for name, item in children:
        if depth < MAX_DEPTH + 1:
            yield from _walk(item, f"{pointer}/{_escape(name)}", depth + 1)
        else:
            yield f"{pointer}/{_escape(name)}", item, depth + 1


def _escape(name: str) -> str:
    """RFC 6901: ``~`` and ``/`` in a member name."""
    return name.replace("~", "~0").replace("/", "~1")
