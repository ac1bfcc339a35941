"""Frozen dataclasses with a JSON object form, worked out from their fields once per class.

The key of a field is its name without a trailing underscore (``from_`` → ``from``, ``kind_`` →
``kind``); a field made with ``absent()`` is left out when it is None, every other field is always
written (None as null). Field types are those JSON holds without loss: ``int`` (never a bool),
``str``, either or None, ``Ranges`` of serials, a ``JSONObject`` kept as it is, and tuples of other
records. ``from_json`` refuses a missing, unknown or mistyped key, so a reader never looks a key up
by string. The loops that apply this to every value are compiled, in ``registry.wire``.
"""

from dataclasses import field, fields, is_dataclass
from typing import Any, ClassVar, Self, get_args, get_origin

from registry import wire
from registry.wire import JSONObject, JSONValue, Key, Ranges, Reader, Writer

_ABSENT_WHEN_NONE = "absent when None"
_CODECS: dict[Any, tuple[Reader, Writer]] = {
    int: (wire.read_int, wire.write_plain),
    str: (wire.read_str, wire.write_plain),
    int | None: (wire.read_int_or_none, wire.write_plain),
    str | None: (wire.read_str_or_none, wire.write_plain),
    JSONObject: (wire.read_object, wire.write_plain),
    Ranges: (wire.read_ranges, wire.ranges_json),
}


def absent() -> Any:
    """A field left out of the JSON object, not written as null, when it is None."""
    return field(default=None, metadata={_ABSENT_WHEN_NONE: True})


class Record:
    """Base of a frozen dataclass with a JSON object form; ``describe`` each concrete subclass."""

    __slots__ = ()
    _keys: ClassVar[tuple[Key, ...]]

    def to_json(self) -> JSONObject:
        return wire.write_fields(self._keys, self)

    @classmethod
    def from_json(cls, value: JSONValue) -> Self:
        return cls(*wire.read_fields(cls.__name__, cls._keys, value))


def describe(cls: type[Record]) -> None:
    """Work out once how each field of ``cls`` is read and written."""
    assert is_dataclass(cls)
    cls._keys = tuple(
        (f.name, f.name.removesuffix("_"), *_codec(cls, f.type), bool(f.metadata.get(_ABSENT_WHEN_NONE)))
        for f in fields(cls)
    )


def keys(cls: type[Record]) -> list[str]:
    """The JSON keys of ``cls``, in field order."""
    return [key[1] for key in cls._keys]


def _codec(cls: type, annotation: Any) -> tuple[Reader, Writer]:
    if annotation in _CODECS:
        return _CODECS[annotation]
    args = get_args(annotation)
    if get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if isinstance(item, type) and issubclass(item, Record):
            return wire.read_list(item.from_json), wire.write_list(item.to_json)
    raise TypeError(f"{cls.__name__}: no JSON form for {annotation!r}")
