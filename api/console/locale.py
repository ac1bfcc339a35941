"""The console's language and formats: Chinese (zh-CN) by default, English by a switch (``?lang=en``
on any page, kept in a cookie); numbers, money and times as the locale writes them, times in China
Standard Time.

Text goes through Babel catalogues beside the API's (``api/locale``, ``api.i18n``), in a domain of
its own, ``console``: its message ids are the English text of the templates and of ``api.console``'s
modules (``api.console.catalogue`` keeps the catalogue up to them).
"""

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context

from api.i18n import LOCALES
from market.pricing import CHINA_STANDARD_TIME

DOMAIN = "console"
DEFAULT = "zh_CN"
CHOICES = {"zh-CN": "zh_CN", "en": "en"}  # ?lang= value → Babel locale
TAGS = {locale: tag for tag, locale in CHOICES.items()}  # … and back, for <html lang> and links
COOKIE = "ls_lang"


def chosen(query: str | None, cookie: str | None) -> str:
    """The locale a request asks for: ``?lang=``, else the cookie, else Chinese."""
    for asked in (query, cookie):
        if asked in CHOICES:
            return CHOICES[asked]
    return DEFAULT


@functools.cache
def catalogue(locale: str) -> dict[str, str]:
    """The console's translations into ``locale`` (none for English, whose ids are the text)."""
    path = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == "en" or not path.exists():
        return {}
    with path.open("rb") as file:
        messages = read_po(file, locale=locale, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def translate(message: str, locale: str) -> str:
    return catalogue(locale).get(message, message)


@pass_context
def gettext(context: Context, message: str) -> str:
    """Jinja's ``_()`` and ``{% trans %}``: the message in the page's locale (``locale`` in its context)."""
    return translate(message, context["locale"])


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural, context["locale"])


@pass_context
def number(context: Context, value: Decimal | int | str) -> str:
    """A quantity as the locale groups its digits, every decimal kept (``"1234.50"`` → ``1,234.50``)."""
    return _number(str(value), context["locale"])


@pass_context
def money(context: Context, value: Decimal | int | str) -> str:
    """An amount of CNY, with its sign as the locale writes it (¥ in Chinese, CN¥ in English)."""
    return _money(str(value), context["locale"])


# Babel parses its pattern on every call: a page of a few hundred figures spent a sixth of its time
# there. The same figures recur (a page's, the next request's), so their text is kept.
@functools.lru_cache(maxsize=8192)
def _number(value: str, locale: str) -> str:
    amount = Decimal(value)
    places = max(0, -int(amount.as_tuple().exponent))
    return format_decimal(amount, format="#,##0." + "0" * places if places else "#,##0", locale=locale)


@functools.lru_cache(maxsize=8192)
def _money(value: str, locale: str) -> str:
    return format_currency(Decimal(value), "CNY", locale=locale)


@pass_context
def when(context: Context, value: dt.datetime | str) -> str:
    """An instant in China Standard Time, as the locale writes a date and time, zone named."""
    instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    shown = format_datetime(instant.astimezone(CHINA_STANDARD_TIME), "medium", locale=context["locale"])
    return f"{shown} (UTC+8)"


@pass_context
def left(context: Context, until: dt.datetime, now: dt.datetime) -> str:
    """The time from ``now`` to ``until`` as the locale says it (``3 days``, ``3天``); nought once past."""
    remaining = until - now
    if remaining <= dt.timedelta(0):
        return format_timedelta(dt.timedelta(0), locale=context["locale"])
    return format_timedelta(remaining, threshold=1.5, locale=context["locale"])


FILTERS: dict[str, Any] = {"number": number, "money": money, "when": when, "left": left}


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark ``message`` for the catalogue where it is defined; it is translated where it is shown."""
    return message
