"""The console's own assets: the vendored scripts exactly as the checksum file pins them, with their
licences; pages that run only same-origin scripts under a policy stricter than the docs', while the
API keeps its own, which runs nothing; and a catalogue that translates every message into Chinese."""

import hashlib
import re

import pytest

from api.console import HERE, catalogue, locale
from api.console.view import POLICY
from api.headers import API_POLICY
from tests.platform import Platform

pytestmark = pytest.mark.anyio
VENDOR = HERE / "static" / "vendor"


def test_the_vendored_files_are_exactly_those_the_checksum_file_pins() -> None:
    lines = (VENDOR / "SHA256SUMS").read_text("utf-8").splitlines()
    assert re.match(
        r"# htmx\.org \d+\.\d+\.\d+ and @alpinejs/csp \d+\.\d+\.\d+, from the npm registry", lines[0]
    )
    pinned = dict(reversed(line.split(maxsplit=1)) for line in lines[1:])
    assert set(pinned) == {"htmx.min.js", "LICENSE-htmx", "alpine-csp.min.js", "LICENSE-alpinejs.md"}
    assert {path.name for path in VENDOR.iterdir()} - {"SHA256SUMS"} == set(pinned)
    for name, digest in pinned.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("page", ["/", "/ledger", "/sign-in", "/ledger/entry?seq=999999", "/account"])
async def test_pages_run_only_their_own_scripts(platform: Platform, page: str) -> None:
    answer = await platform.get(page)
    assert answer.headers["content-security-policy"] == POLICY
    assert "'unsafe-inline'" not in POLICY and "'unsafe-eval'" not in POLICY
    assert "script-src 'self';" in POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    elsewhere = r'\s(?:src|href|action|hx-[a-z]+)="\s*(?:[a-z][a-z0-9+.-]*:|//)'
    assert not re.search(elsewhere, answer.text, re.IGNORECASE), "every link and form stays on this origin"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text), "no inline script"
    assert not re.search(r"\sstyle=|<style", answer.text), "no inline style"
    assert not re.search(r"\son[a-z]+=", answer.text), "no inline event handler"
    for source in re.findall(r'<(?:script|link)[^>]*(?:src|href)="(/static/[^"]+)"', answer.text):
        asset = await platform.get(source)
        assert asset.status_code == 200, source
        assert asset.content == (HERE / source.removeprefix("/")).read_bytes()


async def test_the_api_keeps_its_own_policy(platform: Platform) -> None:
    for path in ("/api/v1/asset-classes", "/health", "/no-such-page"):
        assert (await platform.get(path)).headers["content-security-policy"] == API_POLICY


def test_every_console_message_has_a_chinese_translation_and_the_catalogue_is_current() -> None:
    translations = locale.catalogue("zh_CN")
    ids = catalogue.message_ids()
    assert ids, "the templates' messages are found"
    assert "Ledger explorer" in ids
    missing = [message for message in ids if not translations.get(message)]
    assert missing == [], f"run `python -m api.console.catalogue` and translate: {missing}"
    assert set(translations) == set(ids), (
        "run `python -m api.console.catalogue`: the catalogue has stale messages"
    )


def test_figures_are_written_as_the_locale_writes_them() -> None:
    chinese, english = {"locale": "zh_CN"}, {"locale": "en"}  # the page's context, as Jinja hands it
    assert locale.number(chinese, "186720.50") == "186,720.50"
    assert locale.number(english, "1000") == "1,000"
    assert locale.money(chinese, "186720.00") == "¥186,720.00"
    assert locale.money(english, "186720.00") == "CN¥186,720.00"
    assert "10:00" in locale.when(chinese, "2026-06-01T02:00:00Z")  # China Standard Time
    assert locale.when(english, "2026-06-01T02:00:00Z").endswith("(UTC+8)")
