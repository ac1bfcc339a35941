"""Strict, bounded input, checked before any of it reaches a use case or the database.

Every request's path and query parameters, and every string in a JSON body (keys too), must be text
both engines store: no NUL, no lone surrogate, within a length. Query parameters a route does not
declare are refused rather than ignored (a misspelt filter silently ignored returns the wrong list).
A JSON body is decoded once, here, with its nesting bounded; its size is bounded before that
(``MAX_BODY_BYTES``, answered 413 by the framework). Field-by-field types and bounds are the request
schemas' (``api.schemas``).
"""

import json
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


class RepeatedQueryParameter(Malformed):
    title = "Query parameter given twice"
    template = "give {name} once"


class UnexpectedBody(Malformed):
    title = "Unexpected body"
    template = "this route takes no body"


class NotJson(Malformed):
    """Answered 415: the body is not of the media type the route reads."""

    title = "Body not JSON"
    template = "send the body as JSON, with Content-Type: application/json"


class RepeatedMember(Malformed):
    title = "Member given twice"
    template = "a JSON object may name each member once"


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


def check_path(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Refuse path parameters that are unstorable or too long, before anything looks them up."""
    for name, value in connection.path_params.items():
        if isinstance(value, str):
            _check_text(name, value)


def check_query(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse query parameters that are not the route's, given twice, unstorable or too long."""
    known: frozenset[str] = handler.opt.get("query", frozenset())
    for name, values in connection.query_params.dict().items():
        if name not in known:
            raise UnknownQueryParameter(echo(name), name=echo(name), known=", ".join(sorted(known)) or "none")
        if len(values) > 1:
            raise RepeatedQueryParameter(name, name=name)
        _check_text(name, values[0])


def _check_text(field: str, value: str) -> None:
    if not storable(value):
        raise UnstorableText(field)
    if len(value) > MAX_PARAMETER_LENGTH:
        raise TooLong(field, limit=MAX_PARAMETER_LENGTH)


async def check_body(request: Request[Any, Any, Any]) -> None:
    """Decode the JSON body once (the route's schema reads the decoded value) and refuse a body the
    route does not take, one that is not JSON, that names a member twice (JSON parsers disagree on
    which one counts), that nests deeper than ``MAX_DEPTH`` or that holds unstorable text."""
    raw = await request.body()
    if not raw:
        return
    if not request.route_handler.opt.get("body"):
        raise UnexpectedBody("/")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise NotJson("/")
    try:
        body = await request.json()
        json.loads(raw, object_pairs_hook=_members_once)
    except RecursionError:
        raise TooDeep("/", limit=MAX_DEPTH) from None
    except (DecodeError, SerializationException, ValueError) as exc:
        raise Malformed("/", reason=f"not JSON: {echo(exc)}") from None
    for pointer, value, depth in _walk(body):
        if depth > MAX_DEPTH:
            raise TooDeep(pointer, limit=MAX_DEPTH)
        if isinstance(value, str) and not storable(value):
            raise UnstorableText(pointer)


def _members_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise RepeatedMember("/")
    return members


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
