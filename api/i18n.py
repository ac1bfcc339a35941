"""The API's messages in the caller's language: English by default, Chinese (zh-CN) when the request's
``Accept-Language`` prefers it.

Message ids are the English ``title`` and ``template`` of each error (``registry.errors``); their
translations live in Babel catalogues (``api/locale/<locale>/LC_MESSAGES/messages.po``), read once at
start. ``python -m api.i18n`` brings the catalogue up to every message the API can send (new ones
untranslated), and a test fails while one has no Chinese translation.
"""

import functools
import importlib
import pkgutil
import re
from http import HTTPStatus
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from registry.errors import RegistryError

LOCALES = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "zh_CN")


@functools.cache
def catalogue(locale: str) -> dict[str, str]:
    """Translations of ``locale``: message id to text (empty for English, whose ids are the text)."""
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not path.exists():
        return {}
    with path.open("rb") as file:
        messages = read_po(file, locale=locale)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def negotiate(accept_language: str | None) -> str:
    """The supported locale the ``Accept-Language`` header (RFC 9110 §12.5.4) prefers, or English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-weight, position, tag.strip()))
    for weight, _, tag in sorted(ranked):
        if weight < 0 and (locale := _supported(tag)) is not None:
            return locale
    return DEFAULT


def _supported(tag: str) -> str | None:
    if tag == "*":
        return DEFAULT
    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "zh" and locale.script != "Hant" and locale.territory not in ("TW", "HK", "MO"):
        return "zh_CN"
    return DEFAULT if locale.language == "en" else None


def translate(message: str, locale: str) -> str:
    return catalogue(locale).get(message, message)


# How pydantic words a field's refusal (its messages are English only): each phrasing as a template
# whose facts are read back out of the message, so the catalogue translates it like any other.
VALIDATION = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"Field required", "Field required"),
        (r"Extra inputs are not permitted", "Extra inputs are not permitted"),
        (r"Input should be a valid (?P<type>[a-z ]+?)(?:, .*)?", "Input should be a valid {type}"),
        (
            r"Input should be (?P<bound>(?:greater|less) than(?: or equal to)?) (?P<limit>\S+)",
            "Input should be {bound} {limit}",
        ),
        (
            r"String should have at (?P<bound>most|least) (?P<limit>\d+) characters?",
            "String should have at {bound} {limit} characters",
        ),
        (
            r"List should have at (?P<bound>most|least) (?P<limit>\d+) items?.*",
            "List should have at {bound} {limit} items",
        ),
        (r"String should match pattern '(?P<pattern>.*)'", "String should match pattern {pattern}"),
        (r"must be one of: (?P<choices>.*)", "must be one of: {choices}"),
    )
)
VALIDATION_WORDS = (
    "integer",
    "string",
    "boolean",
    "dictionary",
    "list",
    "date",
    "datetime",
    "number",
    "most",
    "least",
    "greater than",
    "greater than or equal to",
    "less than",
    "less than or equal to",
)


def translate_validation(message: str, locale: str) -> str:
    """A validation message of pydantic's (or of our validators, after pydantic's "Value error, ")
    in ``locale``; one it does not know stays as it is."""
    message = message.removeprefix("Value error, ")
    for pattern, template in VALIDATION:
        if (found := pattern.fullmatch(message)) is not None:
            facts = {name: translate(value, locale) for name, value in found.groupdict().items()}
            return translate(template, locale).format(**facts)
    return translate(message, locale)


# what the edge itself says, besides the titles and templates of the domain's errors
EDGE_MESSAGES = (
    "Invalid request",
    "Conflict",
    "Busy",
    "a concurrent request changed the same records; retry",
    "the database is busy or unavailable; retry",
    "send the header Authorization: Bearer <API key>",
    "unknown or revoked API key",
    "a JSON body is required",
    *(template for _, template in VALIDATION),
    *VALIDATION_WORDS,
    'must be a decimal string such as "12.345", not a JSON number',
    "must be an RFC 3339 date-time with its zone, such as 2026-12-01T10:00:00+08:00",
    "must be a date such as 2026-12-01",
    "sale terms are given for method sale, and only for it",
    *(status.phrase for status in HTTPStatus if 400 <= status < 600),
)


def message_ids() -> list[str]:
    """Every message the API can send: the edge's, and each domain error's title and template."""
    importlib.import_module("api.app")  # the app's import order first: registry.certificates alone is a cycle
    for package in ("registry", "settlement", "market", "api"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            importlib.import_module(module.name)
    found = dict.fromkeys(EDGE_MESSAGES)
    for error in _subclasses(RegistryError):
        found.update(dict.fromkeys(m for m in (error.title, error.template) if m))
    return list(found)


def _subclasses(cls: type[RegistryError]) -> list[type[RegistryError]]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in _subclasses(direct))]


def update_catalogue(locale: str = "zh_CN") -> int:
    """Bring ``locale``'s catalogue up to ``message_ids()``; return how many need a translation."""
    return sync_catalogue(LOCALES / locale / "LC_MESSAGES" / "messages.po", message_ids(), locale)


def sync_catalogue(path: Path, current: list[str], locale: str, domain: str | None = None) -> int:
    """Bring the catalogue at ``path`` (made if missing) up to ``current``: new ids come in
    untranslated, gone ones leave; return how many still need a translation. The API's messages
    and the console's pages keep their catalogues the same way."""
    if path.exists():
        with path.open("rb") as file:
            messages = read_po(file, locale=locale, domain=domain)
    else:
        messages = Catalog(locale=locale, domain=domain, project="liangshan", fuzzy=False)
    for gone in [m.id for m in messages if m.id and m.id not in current]:
        del messages[gone]
    for message in current:
        if message not in messages:
            messages.add(message, "")
    with path.open("wb") as file:
        write_po(file, messages, width=110, sort_output=True)
    return sum(1 for message in messages if message.id and not message.string)


if __name__ == "__main__":
    print(f"{update_catalogue()} messages await a translation")
