"""The console's catalogue kept up to its messages: ``python -m api.console.catalogue`` extracts the
English text of the templates (Babel's Jinja extractor, as ``jinja2.ext.i18n`` marks it) and of
``api.console``'s modules (``_``, ``gettext`` and ``N_``), adds new ones untranslated and drops gone
ones; a test fails while one has no Chinese translation (``api.console.locale`` reads it)."""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from api.console.locale import DOMAIN
from api.i18n import LOCALES

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
    """Bring ``locale``'s console catalogue up to ``message_ids()``: new ids come in untranslated,
    gone ones leave; return how many still need a translation."""
    path = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    current = message_ids()
    if path.exists():
        with path.open("rb") as file:
            messages = read_po(file, locale=locale, domain=DOMAIN)
    else:
        messages = Catalog(locale=locale, domain=DOMAIN, project="liangshan console", fuzzy=False)
    for gone in [m.id for m in messages if m.id and m.id not in current]:
        del messages[gone]
    for message in current:
        if message not in messages:
            messages.add(message, "")
    with path.open("wb") as file:
        write_po(file, messages, width=110, sort_output=True, omit_header=False)
    return sum(1 for message in messages if message.id and not message.string)


if __name__ == "__main__":
    print(f"{update_catalogue()} console messages await a translation")
