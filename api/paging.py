"""Cursor paging: a page of items and an opaque cursor for the next one (None on the last page)."""

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,200}")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def after(cursor: str | None) -> str | None:
    """The key the cursor points past, or None for the first page."""
    if cursor is None:
        return None
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput("cursor", "not a cursor this API gave out")
    try:
        return base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "not a cursor this API gave out") from None


def after_int(cursor: str | None) -> int | None:
    key = after(cursor)
    if key is None:
        return None
    if not key.isdigit():
        raise InvalidInput("cursor", "not a cursor this API gave out")
    return int(key)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def page(items: list[T], limit: int, key: Callable[[T], object]) -> Page[T]:
    if len(items) < limit:
        return Page(items, None)
    return Page(items, base64.urlsafe_b64encode(str(key(items[-1])).encode()).decode().rstrip("="))
