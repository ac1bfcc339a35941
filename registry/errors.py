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

Every error carries the field it concerns (or ``None``) so the API can name it without parsing messages.
"""


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    title = "Registry error"

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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
