"""GB/T 2260 administrative divisions of Jiangxi (江西), shipped as data with validity dates.

Codes change (县 becomes 区, a district is merged), so a code is valid only between its dates; a right
confirmed today must name a division that is valid today, while history keeps the old codes readable.
The dates of changes are those of the State Council approvals, to the day where known.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

from registry.errors import InvalidInput

PROVINCE = "360000"


class UnknownDivision(InvalidInput):
    title = "Unknown division"
    template = "{division} is not a GB/T 2260 division code of Jiangxi (36xxxx)"


class DivisionNotValid(InvalidInput):
    title = "Division not valid on the day"
    template = "{division} {name} is not valid on {day}"


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str  # province | city | county
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@cache
def all_divisions() -> dict[str, Division]:
    """Load the shipped table once; it is read-only reference data."""
    text = resources.files("registry").joinpath("data/gb2260_jiangxi.csv").read_text("utf-8")
    return {
        row["code"]: Division(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent=row["parent"] or None,
            valid_from=dt.date.fromisoformat(row["valid_from"]),
            valid_to=dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
        )
        for row in csv.DictReader(text.splitlines())
    }


def division(code: str, *, on: dt.date, field: str = "division") -> Division:
    """Return the division named by ``code`` if it exists and is valid on ``on``."""
    found = all_divisions().get(code)
    if found is None:
        raise UnknownDivision(field, division=code)
    if not found.valid_on(on):
        raise DivisionNotValid(field, division=code, name=found.name, day=on.isoformat())
    return found


def county_of(code: str) -> bool:
    return all_divisions()[code].level == "county"


def city_of(code: str) -> str:
    """Return the city (地级市) a county or city code belongs to; the province maps to itself."""
    node = all_divisions()[code]
    while node.level == "county" and node.parent is not None:
        node = all_divisions()[node.parent]
    return node.code
