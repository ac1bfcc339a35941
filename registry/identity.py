"""Identity of a right: which attribute values name one underlying right, so that it is recorded once.

An asset class declares, as data beside its attribute schema, the attributes that identify the right
an application claims: an emission permit by its 排污许可证 number and pollutant, a forest right by its
不动产单元号 (``by``); optionally only for applications whose attributes hold some values (``when``: a
wetland operation right has a unit number, a wetland indicator is fungible and has none); and
optionally a ``period`` of two date attributes, for rights that one project holds period after period
(a carbon sink's monitoring periods): two claims with the same ``by`` values are then the same right
only where their periods overlap. Pure: the database side (who holds a live right) is
``registry.claims``.
"""

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

Period = tuple[dt.date, dt.date]


@dataclass(frozen=True, slots=True)
class Identity:
    by: tuple[str, ...]
    when: dict[str, Any] | None = None
    period: tuple[str, str] | None = None

    @classmethod
    def of(cls, declared: dict[str, Any] | None) -> "Identity | None":
        """The identity an asset class declares (its ``identity`` column), or None if it has none."""
        if not declared:
            return None
        period = declared.get("period")
        return cls(tuple(declared["by"]), declared.get("when"), (period[0], period[1]) if period else None)

    def applies(self, attributes: dict[str, Any]) -> bool:
        return not self.when or all(attributes.get(k) == v for k, v in self.when.items())

    def missing(self, attributes: dict[str, Any]) -> list[str]:
        """The identifying attributes an application it applies to leaves out."""
        if not self.applies(attributes):
            return []
        return [name for name in (*self.by, *(self.period or ())) if attributes.get(name) in (None, "")]

    def key(self, attributes: dict[str, Any]) -> str | None:
        """A fixed-width key for the ``by`` values (None where the identity does not apply): the same
        for values that differ only in case, width, spaces or dashes, which name the same permit."""
        if not self.applies(attributes) or self.missing(attributes):
            return None
        values = [_normal(attributes[name]) for name in self.by]
        canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def canonical(self, attributes: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        """The attributes with their free-text identifying numbers in canonical form (``canonical_text``);
        values the schema lists (a pollutant) are left as they are."""
        properties = schema.get("properties", {})
        return {
            name: canonical_text(value)
            if name in self.by and isinstance(value, str) and "enum" not in properties.get(name, {})
            else value
            for name, value in attributes.items()
        }

    def period_of(self, attributes: dict[str, Any]) -> Period | None:
        if self.period is None:
            return None
        start, end = self.period
        return dt.date.fromisoformat(attributes[start]), dt.date.fromisoformat(attributes[end])

    def same_right(self, one: dict[str, Any], other: dict[str, Any]) -> bool:
        """Whether two claims whose keys are equal name the same right: always, unless their periods
        (inclusive of both days) do not overlap."""
        mine, theirs = self.period_of(one), self.period_of(other)
        if mine is None or theirs is None:
            return True
        return mine[0] <= theirs[1] and theirs[0] <= mine[1]

    def describe(self, attributes: dict[str, Any]) -> str:
        """The identifying values as a message quotes them: ``permit_no 9136…, pollutant SO2``."""
        names = (*self.by, *(self.period or ()))
        return ", ".join(f"{name} {attributes.get(name)}" for name in names)


# What never tells two numbers apart: spaces, controls and zero-width marks; and, in the key, dashes.
_BLANKS = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
_BLANKS_AND_DASHES = _BLANKS | {"Pd"}


def canonical_text(value: str) -> str:
    """An identifying number as the register keeps it: full-width forms narrowed, upper case, no
    spaces (``91360200 pw0001so`` is ``91360200PW0001SO``)."""
    return _without(value, _BLANKS)


def _normal(value: object) -> object:
    return _without(value, _BLANKS_AND_DASHES) if isinstance(value, str) else value


def _without(value: str, categories: frozenset[str]) -> str:
    text = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in text if unicodedata.category(ch) not in categories)
