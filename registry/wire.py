"""The JSON form of a record's fields: the checks and loops run for every ledger entry read or
written, compiled by mypyc (``setup.py``) because replay reads every entry through them.

A field is read by a ``Reader`` that refuses a value of the wrong JSON type (an integer is never a
bool, a string never a number) and written by a ``Writer``. ``registry.records`` works out once per
class which reader and writer each field takes; here they are only applied.
"""

from collections.abc import Callable
from typing import Any, TypeAlias

JSONValue: TypeAlias = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject: TypeAlias = dict[str, JSONValue]
Ranges: TypeAlias = tuple[tuple[int, int], ...]  # serial ranges [first, last], first ≤ last
Reader: TypeAlias = Callable[[JSONValue], Any]
Writer: TypeAlias = Callable[[Any], JSONValue]
# a field: its attribute, its JSON key, how it is read and written, whether left out when None
Key: TypeAlias = tuple[str, str, Reader, Writer, bool]


def read_fields(what: str, keys: tuple[Key, ...], value: JSONValue, beside: str = "") -> list[Any]:
    """The field values of ``value``, in field order; a missing, unknown or mistyped key is refused,
    except ``beside``, a string member that may stand beside the fields (an entry's acting user)."""
    if type(value) is not dict:
        raise TypeError(f"{what} must be an object")
    values: list[Any] = []
    present = 0
    for _, name, read, _, absent_when_none in keys:
        if name in value:
            values.append(read(value[name]))
            present += 1
        elif absent_when_none:
            values.append(None)
        else:
            raise KeyError(f"{name} is missing")
    if beside and beside in value:
        if type(value[beside]) is not str:
            raise TypeError(f"{beside} must be a string")
        present += 1
    if present != len(value):
        unknown = sorted(set(value) - {key[1] for key in keys})
        raise ValueError(f"unknown field {', '.join(unknown)}")
    return values


def write_fields(keys: tuple[Key, ...], record: object) -> JSONObject:
    found: JSONObject = {}
    for attribute, name, _, write, absent_when_none in keys:
        value = getattr(record, attribute)
        if value is not None or not absent_when_none:
            found[name] = write(value)
    return found


def read_int(value: JSONValue) -> int:
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an integer")
    return value


def read_str(value: JSONValue) -> str:
    if type(value) is not str:
        raise TypeError(f"{value!r} is not a string")
    return value


def read_int_or_none(value: JSONValue) -> int | None:
    return None if value is None else read_int(value)


def read_str_or_none(value: JSONValue) -> str | None:
    return None if value is None else read_str(value)


def read_object(value: JSONValue) -> JSONObject:
    if type(value) is not dict:
        raise TypeError(f"{value!r} is not an object")
    return value


def read_ranges(value: JSONValue) -> Ranges:
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


def ranges_json(ranges: Ranges | list[tuple[int, int]]) -> JSONValue:
    """Serial ranges as JSON ``[[first, last], …]``, in entries and in the tables that keep them."""
    return [[first, last] for first, last in ranges]


def write_plain(value: Any) -> JSONValue:
    """Integers, strings, None and JSON objects are their own JSON."""
    return value  # type: ignore[no-any-return]


def read_list(read: Reader) -> Reader:
    def read_each(value: JSONValue) -> tuple[Any, ...]:
        if type(value) is not list:
            raise TypeError(f"{value!r} is not a list")
        return tuple(read(x) for x in value)

    return read_each


def write_list(write: Writer) -> Writer:
    def write_each(values: tuple[Any, ...]) -> JSONValue:
        return [write(x) for x in values]

    return write_each
