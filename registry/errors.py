"""Errors the registry raises, each named after the rule that was broken.

    RegistryError
    ├── InvalidInput            (the request itself is wrong; names the field)
    │   ├── InvalidAmount
    │   ├── InvalidIdentifier
    │   └── InvalidAttributes
    ├── NotFound                (an id that names nothing, or nothing the caller may see)
    ├── Forbidden               (the caller's party or role may not do this)
    └── RuleBroken              (well-formed, but the state of the registry does not allow it)
        ├── Conflict            (already exists, already decided)
        └── InsufficientUnits / InsufficientCash

A rule gets its own subclass of one of these families, named after the rule (``PriceOffTick``,
``PledgeExceedsLoanToValue``), with an English ``template`` that names its facts::

    class PriceOffTick(RuleBroken):
        title = "Price off tick"
        template = "{price} is not a multiple of the tick {tick}"

    raise PriceOffTick("price", price="389.005", tick="0.01")

The API maps the family to a status, the class name to a stable problem ``type``, ``field`` to a JSON
pointer and the facts to extension members; it translates ``title`` and ``template`` (they are the
message ids of the catalogues) before filling in the facts. So no caller formats a sentence, and
clients branch on ``type`` and read the facts without parsing ``detail``. A family raised directly
carries a one-off English ``detail`` instead of a template: rules still raised that way are waiting
for a name.
"""

from typing import ClassVar

Fact = str | int


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    title: ClassVar[str] = "Registry error"
    template: ClassVar[str | None] = None

    def __init__(self, field: str | None = None, detail: str | None = None, /, **facts: Fact) -> None:
        if (self.template is None) == (detail is None):
            raise TypeError(f"{type(self).__name__} takes either a template's facts or a detail")
        self.field = field
        self.facts = facts
        self.message = detail if detail is not None else self.render(self.template or "")
        super().__init__(self.message)

    def render(self, template: str) -> str:
        """``template`` (this error's, or its translation) filled in with this error's facts."""
        return template.format(**self.facts)


class InvalidInput(RegistryError):
    title = "Invalid input"


class InvalidAmount(InvalidInput):
    title = "Invalid amount"


class InvalidIdentifier(InvalidInput):
    title = "Invalid identifier"


class InvalidAttributes(InvalidInput):
    title = "Invalid attributes"


class NotFound(RegistryError):
    title = "Not found"


class Forbidden(RegistryError):
    title = "Forbidden"


class RuleBroken(RegistryError):
    title = "Rule broken"


class Conflict(RuleBroken):
    title = "Conflict"


class InsufficientUnits(RuleBroken):
    title = "Insufficient free units"


class InsufficientCash(RuleBroken):
    title = "Insufficient free cash"
