"""``python -m api.console``: bring the console's catalogue up to its messages (``api.console.locale``)."""

from api.console.locale import update_catalogue

print(f"{update_catalogue()} console messages await a translation")
