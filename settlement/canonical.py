"""RFC 8785 (JCS) canonical bytes of ledger entries.

Ledger entries are restricted to what JCS encodes without judgement: objects with ASCII keys, arrays,
NFC strings, booleans, null and integers below 2^53 (no floats, DESIGN §5). On that domain JCS is
exactly what ``orjson`` writes with sorted keys and its 53-bit integer limit — sorting ASCII keys by
UTF-16 code units equals sorting by bytes, and it escapes the same characters the same way
(``\\b \\t \\n \\f \\r \\" \\\\`` and ``\\u00xx`` for the other controls, nothing else). It runs about
twenty times faster than the general-purpose ``rfc8785`` package, which the tests use as the oracle
over generated values to hold this equivalence.
"""

import re
import unicodedata
from typing import Any

import orjson

from registry.events import JSONValue

MAX_SAFE_INTEGER = 2**53 - 1
_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_STRICT_INTEGER
    | orjson.OPT_PASSTHROUGH_DATETIME  # refuse, rather than stringify, what is not JSON
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
# A number token with a fraction or an exponent, right after a key ('":') or after a ',' or '['. Text
# inside strings can match too; that only costs the exact walk. Two patterns with a literal or a small
# class in front search several times faster than one alternation.
_FLOAT_VALUE = re.compile(rb'":-?[0-9]+[.eE]')
_FLOAT_ITEM = re.compile(rb"[,\[]-?[0-9]+[.eE]")


class NotCanonicalisable(ValueError):
    """The value holds something a ledger entry may not: a float, a big integer, a non-NFC string."""


def canonical_bytes(value: JSONValue) -> bytes:
    """Return the RFC 8785 bytes of a value we built.

    Numbers need no walk here: ``JSONValue`` admits no float (mypy holds every caller to it) and the
    encoder refuses integers beyond 2^53. Text needs the exact walk only when it is not pure ASCII
    (NFC, ASCII keys, no lone surrogates), which typical entries are.
    """
    try:
        raw = orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        raise NotCanonicalisable(str(exc)) from None
    if not raw.isascii():
        _check(value, "$")
    return raw


def parse_canonical(raw: bytes) -> JSONValue:
    """Parse bytes we read (stored or exported entries) that must be canonical, in the ledger's domain.

    Re-encoding checks the form and refuses integers beyond 2^53; the exact walk runs only when the
    bytes could hold a float or non-ASCII text, or are not an object or array at all.
    """
    try:
        value: Any = orjson.loads(raw)  # not JSONValue until checked: it may hold floats
    except orjson.JSONDecodeError as exc:
        raise NotCanonicalisable(f"not JSON: {exc}") from None
    if not isinstance(value, dict | list) or _FLOAT_VALUE.search(raw) or _FLOAT_ITEM.search(raw):
        _check(value, "$")
    checked: JSONValue = value
    if canonical_bytes(checked) != raw:
        raise NotCanonicalisable("bytes are not the RFC 8785 canonical form of their value")
    return checked


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalisable(f"{path}: integer beyond 2^53")
    elif isinstance(value, str):
        _check_string(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonicalisable(f"{path}: key {key!r} is not an ASCII string")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    else:
        raise NotCanonicalisable(f"{path}: {type(value).__name__} is not allowed in a ledger entry")


def _check_string(value: str, path: str) -> None:
    if not value.isascii():
        if not unicodedata.is_normalized("NFC", value):
            raise NotCanonicalisable(f"{path}: string is not in Unicode NFC")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotCanonicalisable(f"{path}: string holds a lone surrogate") from None
