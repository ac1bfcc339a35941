"""The API's messages in the caller's language: English by default, Chinese (zh-CN) when the request's
``Accept-Language`` prefers it.

Message ids are the English ``title`` and ``template`` of each error (``registry.errors``); their
translations live in Babel catalogues (``api/locale/<locale>/LC_MESSAGES/messages.po``), read once at
start. ``make messages`` lists every message id of every error class into the template catalogue, and
a test fails if one has no Chinese translation.
"""

import functools
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

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
