"""Decimal strings on the wire, integers of the smallest unit inside.

A quantity or price never passes through a float: the wire form is parsed digit by digit into an
integer count of base units (``10**-scale`` of the display unit) and formatted back the same way.
A ``Quantity`` carries its scale with its count and ``Money`` is a count whose scale is fixed (CNY in
fen), so no caller names a scale to write a figure out or guesses one to read it back.
"""

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from registry.errors import InvalidAmount

_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
MAX_UNITS = 2**53 - 1  # the ledger's integers must survive every JSON reader


class AmountNotAString(InvalidAmount):
    title = "Amount not a string"
    template = 'an amount is a decimal string such as "12.345", not a JSON number'


class NotPlainDecimal(InvalidAmount):
    title = "Not a plain decimal"
    template = '"{amount}" is not a plain decimal (digits, an optional point and more digits)'


class TooManyDecimals(InvalidAmount):
    title = "Too many decimals"
    template = "{amount} has more than {scale} decimal places"


class AmountNotPositive(InvalidAmount):
    title = "Amount not positive"
    template = "{amount} is not greater than zero"


class AmountTooLarge(InvalidAmount):
    title = "Amount too large"
    template = "{amount} is more than this platform counts"


def _parse_units(text: object, scale: int, *, field: str) -> int:
    """Parse a positive decimal string with at most ``scale`` decimals into base units."""
    if not isinstance(text, str):
        raise AmountNotAString(field)
    match = _DECIMAL.fullmatch(text)
    if match is None:
        raise NotPlainDecimal(field, amount=text)
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > scale:
        raise TooManyDecimals(field, amount=text, scale=scale)
    units = int(whole + fraction.ljust(scale, "0"))
    if units <= 0:
        raise AmountNotPositive(field, amount=text)
    if units > MAX_UNITS:
        raise AmountTooLarge(field, amount=text)
    return units


def _units_of(text: str, scale: int) -> int:
    """Base units of a decimal string this platform wrote (``str`` of a ``Quantity``), zero and sign allowed:
    for reading back our own figures, not for parsing input."""
    whole, _, fraction = text.partition(".")
    return int(whole + fraction.ljust(scale, "0"))


def _format_units(units: int, scale: int) -> str:
    """Format base units as a decimal string with exactly ``scale`` decimals."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), int(10**scale))
    if scale == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{scale}d}"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A count of base units of an asset class with ``scale`` decimals; ``str`` gives its wire form."""

    units: int
    scale: int

    @classmethod
    def parse(cls, text: object, scale: int, *, field: str) -> Self:
        """A client's quantity: a positive decimal string with at most ``scale`` decimals."""
        return cls(_parse_units(text, scale, field=field), scale)

    @classmethod
    def read(cls, text: str) -> Self:
        """A quantity this platform wrote: always with all its class's decimals, so they give its scale."""
        scale = len(text.partition(".")[2])
        return cls(_units_of(text, scale), scale)

    def __str__(self) -> str:
        return _format_units(self.units, self.scale)

    def __add__(self, other: "Quantity") -> "Quantity":
        if other.scale != self.scale:
            raise ValueError(f"cannot add quantities of scales {self.scale} and {other.scale}")
        return Quantity(self.units + other.units, self.scale)


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount of CNY in whole fen: ``str`` gives its wire form, ``parse`` reads a client's."""

    fen: int
    SCALE: ClassVar[int] = 2

    @classmethod
    def parse(cls, text: object, *, field: str) -> Self:
        """A client's amount: a positive decimal string with at most two decimals."""
        return cls(_parse_units(text, cls.SCALE, field=field))

    @classmethod
    def read(cls, text: str) -> Self:
        """An amount this platform wrote (``str(money)``), zero and sign allowed."""
        return cls(_units_of(text, cls.SCALE))

    def __str__(self) -> str:
        return _format_units(self.fen, self.SCALE)

    def __add__(self, other: "Money") -> "Money":
        return Money(self.fen + other.fen)
