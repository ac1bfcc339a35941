"""The ledger entry object of DESIGN §5 and its canonical bytes.

``{"v":1, "log", "seq", "prev", "kind", "at", "actor", "body"}``: the bytes stored and served are the
RFC 8785 form of this object, and ``prev`` chains each entry to the leaf hash of the one before.
"""

import datetime as dt
from typing import NamedTuple

from registry.events import JSONValue
from settlement.canonical import NotCanonicalisable, canonical_bytes, parse_canonical

VERSION = 1
GENESIS_PREV = "0" * 64
FIELDS = frozenset({"v", "log", "seq", "prev", "kind", "at", "actor", "body"})


class MalformedEntry(ValueError):
    """Stored bytes that are not a canonical entry of this ledger."""


class Entry(NamedTuple):
    seq: int
    prev: str
    kind: str
    at: str
    actor: str
    body: dict[str, JSONValue]


def format_time(at: dt.datetime) -> str:
    """RFC 3339 in UTC with exactly six fractional digits and ``Z``."""
    if at.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(origin: str, entry: Entry) -> bytes:
    return canonical_bytes(
        {
            "v": VERSION,
            "log": origin,
            "seq": entry.seq,
            "prev": entry.prev,
            "kind": entry.kind,
            "at": entry.at,
            "actor": entry.actor,
            "body": entry.body,
        }
    )


def decode(raw: bytes, origin: str) -> Entry:
    """Parse stored bytes, insisting that they are exactly the canonical form of a valid entry."""
    try:
        value = parse_canonical(raw)
    except NotCanonicalisable as exc:
        raise MalformedEntry(str(exc)) from None
    if not isinstance(value, dict) or value.keys() != FIELDS:
        raise MalformedEntry("not an object with exactly the fields v, log, seq, prev, kind, at, actor, body")
    if value["v"] != VERSION or value["log"] != origin:
        raise MalformedEntry(f"entry is for log {value['log']!r} version {value['v']!r}")
    seq, prev, kind, at, actor, body = (
        value[name] for name in ("seq", "prev", "kind", "at", "actor", "body")
    )
    if not (
        type(seq) is int and type(body) is dict
        and type(prev) is str and type(kind) is str and type(at) is str and type(actor) is str
    ):  # fmt: skip
        raise MalformedEntry("seq must be an integer, body an object, prev, kind, at and actor strings")
    return Entry(seq, prev, kind, at, actor, body)
