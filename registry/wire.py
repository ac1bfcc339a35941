"""The JSON form of a frozen dataclass, read from its fields once per class, never per value.

A ``Record`` subclass is a frozen dataclass whose fields are the keys of a JSON object: the key is
the field's name without a trailing underscore (``from_`` → ``from``, ``kind_`` → ``kind``); a field
made with ``absent()`` is left out when it is None, every other field is always written (None as
null). ``to_json`` writes the object; ``from_json`` reads one back and refuses a missing, unknown or
mistyped field, so a reader never looks a key up by string.

Field types are those JSON holds without loss: ``int`` (never a bool), ``str``, either or None,
``Ranges`` of serials, a ``JSONObject`` kept as it is, and tuples of other records.
"""

from collections.abc import Callable
from dataclasses import field, fields
from typing import Any, ClassVar, NamedTuple, Self, TypeAlias, get_args, get_origin

JSONValue: TypeAlias = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject: TypeAlias = dict[str, JSONValue]
Ranges: TypeAlias = tuple[tuple[int, int], ...]  # serial ranges [first, last], first ≤ last

_ABSENT_WHEN_NONE = "absent when None"


def absent() -> Any:
    """A field left out of the JSON object, not written as null, when it is None."""
    return field(default=None, metadata={_ABSENT_WHEN_NONE: True})


class _Key(NamedTuple):
    attribute: str
    name: str
    read: Callable[[JSONValue], Any]
    write: Callable[[Any], JSONValue]
    absent_when_none: bool


class Record:
    """A frozen dataclass with a JSON object form; call ``describe`` on each concrete subclass."""

    __slots__ = ()
    _keys: ClassVar[tuple[_Key, ...]]
    _readers: ClassVar[tuple[tuple[str, Callable[[JSONValue], Any], bool], ...]]  # for speed: plain tuples

    def to_json(self) -> JSONObject:
        found: JSONObject = {}
        for key in self._keys:
            value = getattr(self, key.attribute)
            if value is not None or not key.absent_when_none:
                found[key.name] = key.write(value)
        return found

    @classmethod
    def from_json(cls, value: JSONValue) -> Self:
        if type(value) is not dict:
            raise TypeError(f"{cls.__name__} must be an object")
        values: list[Any] = []
        present = 0
        for name, read, absent_when_none in cls._readers:
            if name in value:
                values.append(read(value[name]))
                present += 1
            elif absent_when_none:
                values.append(None)
            else:
                raise KeyError(f"{name} is missing")
        if present != len(value):
            raise ValueError(f"unknown field {', '.join(sorted(set(value) - set(keys(cls))))}")
        return cls(*values)


def describe(cls: type[Record]) -> None:
    """Work out once how each field of ``cls`` is read and written."""
    cls._keys = tuple(
        _Key(
            f.name,
            f.name.removesuffix("_"),
            *_codec(cls, f.type),
            bool(f.metadata.get(_ABSENT_WHEN_NONE)),
        )
        for f in fields(cls)  # type: ignore[arg-type]  # every Record subclass is a dataclass
    )
    cls._readers = tuple((key.name, key.read, key.absent_when_none) for key in cls._keys)


def keys(cls: type[Record]) -> list[str]:
    """The JSON keys of ``cls``, in field order."""
    return [key.name for key in cls._keys]


def _int(value: JSONValue) -> int:
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an integer")
    return value


def _str(value: JSONValue) -> str:
    if type(value) is not str:
        raise TypeError(f"{value!r} is not a string")
    return value


def _object(value: JSONValue) -> JSONObject:
    if type(value) is not dict:
        raise TypeError(f"{value!r} is not an object")
    return value


def _ranges(value: JSONValue) -> Ranges:
    if type(value) is not list:
        raise TypeError("ranges must be a list of [first, last]")
    result = []
    for item in value:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not int or type(item[1]) is not int:
            raise TypeError(f"range {item!r} is not [first, last]")
        if item[0] > item[1]:
            raise ValueError(f"range {item!r} is empty")
        result.append((item[0], item[1]))
    return tuple(result)


def _same(value: Any) -> JSONValue:
    return value  # type: ignore[no-any-return]  # ints, strings and objects are their own JSON


def ranges_json(ranges: Ranges | list[tuple[int, int]]) -> JSONValue:
    """Serial ranges as JSON ``[[first, last], …]``, in entries and in the tables that keep them."""
    return [[first, last] for first, last in ranges]


def _or_none(read: Callable[[JSONValue], Any]) -> Callable[[JSONValue], Any]:
    return lambda value: None if value is None else read(value)


_CODECS: dict[Any, tuple[Callable[[JSONValue], Any], Callable[[Any], JSONValue]]] = {
    int: (_int, _same),
    str: (_str, _same),
    int | None: (_or_none(_int), _same),
    str | None: (_or_none(_str), _same),
    JSONObject: (_object, _same),
    Ranges: (_ranges, ranges_json),
}


def _codec(cls: type, annotation: Any) -> tuple[Callable[[JSONValue], Any], Callable[[Any], JSONValue]]:
    if annotation in _CODECS:
        return _CODECS[annotation]
    args = get_args(annotation)
    if get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if isinstance(item, type) and issubclass(item, Record):
            return _records(item)
    raise TypeError(f"{cls.__name__}: no JSON form for {annotation!r}")


def _records(item: type[Record]) -> tuple[Callable[[JSONValue], Any], Callable[[Any], JSONValue]]:
    def read(value: JSONValue) -> tuple[Record, ...]:
        if type(value) is not list:
            raise TypeError(f"{value!r} is not a list")
        return tuple(item.from_json(x) for x in value)

    def write(records: tuple[Record, ...]) -> JSONValue:
        return [r.to_json() for r in records]

    return read, write
