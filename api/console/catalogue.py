"""The console's catalogue kept up to its messages: ``python -m api.console.catalogue`` extracts the
English text of the templates (Babel's Jinja extractor, as ``jinja2.ext.i18n`` marks it) and of
``api.console``'s modules (``_``, ``gettext`` and ``N_``), adds new ones untranslated and drops gone
ones; a test fails while one has no Chinese translation (``api.console.locale`` reads it)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir

from api.console.locale import DOMAIN
from api.i18n import LOCALES, sync_catalogue

SOURCES = Path(__file__).resolve().parent


def message_ids() -> list[str]:
    """Every message the console shows: the templates' and ``api.console``'s own."""
    methods = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    found: dict[str, None] = {}
    for _, _, message, _, _ in extract_from_dir(
        SOURCES, methods, options_map=options, keywords={"_": None, "gettext": None, "N_": None}
    ):
        found.update(dict.fromkeys(message if isinstance(message, tuple) else (message,)))
    return sorted(found)


def update_catalogue(locale: str = "zh_CN") -> int:
    """Bring ``locale``'s console catalogue up to ``message_ids()``; return how many need a
    translation."""
    path = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    return sync_catalogue(path, message_ids(), locale, DOMAIN)


if __name__ == "__main__":
    print(f"{update_catalogue()} console messages await a translation")
