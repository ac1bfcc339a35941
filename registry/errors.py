"""Errors the registry raises, each named after the rule that was broken.

    RegistryError
    ├── InvalidInput            (the request itself is wrong; names the field)
    │   ├── Malformed           (not even well-formed: a wrong type, an unknown parameter)
    │   │   └── UnknownCursor
    │   ├── NotOneOf, ReasonRequired, EndNotAfterStart, PartyKindMayNotHold
    │   ├── InvalidAmount
    │   ├── InvalidIdentifier
    │   └── InvalidAttributes
    ├── NotFound                (an id that names nothing, or nothing the caller may see)
    │   └── UnknownParty, UnknownIssuance
    ├── Forbidden               (the caller's party kind or role may not use this at all)
    └── RuleBroken              (well-formed, but the state of the registry does not allow it)
        ├── Conflict            (already exists, already decided)
        ├── InsufficientUnits
        │   └── UnitsNotFree
        └── InsufficientCash
            └── CashNotFree

A rule gets its own subclass of one of these families, named after the rule (``PriceOffTick``,
``PledgeExceedsLoanToValue``), with an English ``template`` that names its facts::

    class PriceOffTick(RuleBroken):
        title = "Price off tick"
        template = "{price} is not a multiple of the tick {tick}"

    raise PriceOffTick("price", price="389.005", tick="0.01")

The rules drawn in the tree are shared by several modules. A rule of one module is defined beside
the use case that enforces it, under one of these families: ``registry.pledges.LoanOutrunsTerm``,
``market.errors`` (the market's rules), and ``settlement.ledger.LedgerRangeError`` (an
``InvalidInput``) with its own rules such as ``SeqOutsideTree``.

The API maps the family to a status, the class name to a stable problem ``type``, ``field`` to a JSON
pointer and the facts to extension members; it translates ``title`` and ``template`` (they are the
message ids of the catalogues) before filling in the facts. So no caller formats a sentence, and
clients branch on ``type`` and read the facts without parsing ``detail``. A family has no template
and cannot be raised itself: every refusal names the rule it enforces.

An object the caller may not see is reported exactly as one that does not exist (``NotFound``, with
the same message), so that a refusal never confirms that someone else's order, pledge or contract
exists; ``Forbidden`` is only for what the caller's party kind or role may not use at all.
"""

from typing import ClassVar

Fact = str | int


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    title: ClassVar[str] = "Registry error"
    template: ClassVar[str | None] = None

    def __init__(self, field: str | None = None, /, **facts: Fact) -> None:
        if self.template is None:
            raise TypeError(f"{type(self).__name__} is a family: raise the rule that was broken")
        self.field = field
        self.facts = facts
        self.message = self.render(self.template)
        super().__init__(self.message)

    def render(self, template: str) -> str:
        """``template`` (this error's, or its translation) filled in with this error's facts."""
        return template.format(**self.facts)


class InvalidInput(RegistryError):
    title = "Invalid input"


class Malformed(InvalidInput):
    """The request is not well-formed, whatever the registry's state: the API answers 400, not 422."""

    title = "Malformed request"
    template = "{reason}"


class UnknownCursor(Malformed):
    title = "Unknown cursor"
    template = "not a cursor this API gave out"


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


class NotOneOf(InvalidInput):
    title = "Not one of the choices"
    template = "{value} is not one of: {choices}"


class ReasonRequired(InvalidInput):
    title = "Reason required"
    template = "give the reason for this decision"


class EndNotAfterStart(InvalidInput):
    title = "End not after start"
    template = "the term must end after it starts; {end} is not after {start}"


class PartyKindMayNotHold(InvalidInput):
    title = "Party kind may not hold rights"
    template = "{kind} parties may not hold rights"


class UnknownParty(NotFound):
    title = "Unknown party"
    template = "no party {party}"


class UnknownIssuance(NotFound):
    title = "Unknown issuance"
    template = "no issuance {issuance}"


class UnitsNotFree(InsufficientUnits):
    title = "Units not free"
    template = "{free} {unit} are free; {asked} {unit} were asked for"


class CashNotFree(InsufficientCash):
    title = "Cash not free"
    template = "{free} CNY is free; {asked} CNY is needed"
