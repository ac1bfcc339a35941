"""RFC 8785 (JCS) canonical bytes of ledger entries.

Ledger entries are restricted to what JCS encodes without judgement: objects with ASCII keys, arrays,
NFC strings, booleans, null and integers below 2^53 (no floats, DESIGN §5). On that domain JCS is
exactly ``json.dumps`` with sorted keys, no whitespace and no ASCII escaping — sorting ASCII keys by
UTF-16 code units equals sorting by code points, and the C encoder escapes the same characters the
same way (``\\b \\t \\n \\f \\r \\" \\\\`` and ``\\u00xx`` for the other controls). That runs about six
times faster than the general-purpose ``rfc8785`` package, which the tests use as the oracle over
generated values to hold this equivalence.
"""

import json
import unicodedata
from typing import Any

from registry.events import JSONValue

MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonicalisable(ValueError):
    """The value holds something a ledger entry may not: a float, a big integer, a non-NFC string."""


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def canonical_bytes(value: JSONValue) -> bytes:
    """Return the RFC 8785 bytes of a value we built.

    Numbers need no walk here: ``JSONValue`` admits no float (mypy holds every caller to it) and our
    integers are bounded where they are parsed (``MAX_UNITS``). Text needs the exact walk only when
    it is not pure ASCII (NFC, ASCII keys, no lone surrogates), which typical entries are.
    """
    try:
        text = _encoder.encode(value)
    except (TypeError, ValueError) as exc:
        raise NotCanonicalisable(str(exc)) from None
    if not text.isascii():
        _check(value, "$")
    return text.encode("utf-8")


def parse(raw: bytes) -> JSONValue:
    """Parse bytes we read (stored or exported entries), refusing floats, NaN and big integers in the
    C parser's own pass; non-ASCII text gets the exact walk."""
    try:
        value: JSONValue = _decoder.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotCanonicalisable(f"not JSON: {exc}") from None
    if not raw.isascii():
        _check(value, "$")
    return value


def _refuse_float(token: str) -> float:
    raise NotCanonicalisable(f"number {token} is not an integer; ledger entries carry decimal strings")


def _bounded_int(token: str) -> int:
    number = int(token)
    if abs(number) > MAX_SAFE_INTEGER:
        raise NotCanonicalisable(f"integer {token} is beyond 2^53")
    return number


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


_decoder = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_float, parse_int=_bounded_int)
