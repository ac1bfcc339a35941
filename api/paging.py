"""Cursor paging: a page of items and an opaque cursor for the next one (None on the last page)."""

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from litestar.params import QueryParameter

from registry.errors import UnknownCursor

T = TypeVar("T")
MAX_LIMIT = 500
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,200}")
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=200, description="next_cursor of the page before; omit for the first"),
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="items per page")]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def after(cursor: str | None) -> str | None:
    """The key the cursor points past, or None for the first page."""
    if cursor is None:
        return None
    if not _CURSOR.fullmatch(cursor):
        raise UnknownCursor("cursor")
    try:
        return base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
    except (binascii.Error, UnicodeDecodeError):
        raise UnknownCursor("cursor") from None


def after_int(cursor: str | None) -> int | None:
    key = after(cursor)
    if key is None:
        return None
    if not key.isdigit():
        raise UnknownCursor("cursor")
    return int(key)


def page(items: list[T], limit: int, key: Callable[[T], object]) -> Page[T]:
    if len(items) < limit:
        return Page(items, None)
    return Page(items, base64.urlsafe_b64encode(str(key(items[-1])).encode()).decode().rstrip("="))
