"""The console in a real browser: Debian's Chromium driven by Playwright (never a browser Playwright
downloads), against ``liangshan serve`` on a seeded SQLite platform, as a newcomer would meet it.

Each journey is clicked through and its result checked on the page and through the API; every main
page is photographed in Chinese and English into ``LIANGSHAN_SCREENSHOTS`` (default: the test's own
temporary folder, named in the test's output). Without Chromium the tests are skipped and say so,
except under ``CI=true``, where they must run (``make test`` installs Chromium where it can)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.live import Market, Server, open_market, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the flags this machine's Chromium needs: no sandbox as root, no GPU, no calls home (its network is closed)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="Chromium is not installed (apt-get install chromium fonts-wqy-microhei): browser tests skipped",
)
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Market]]:
    """A served platform with the demo's data and a carbon-sink (碳汇) market between two collectives."""
    folder = tmp_path_factory.mktemp("browser")
    server = Server(f"sqlite+aiosqlite:///{folder}/console.db", folder)
    with serving(server):
        yield server, open_market(server, units="1000", cash="100000.00")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("LIANGSHAN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture
def page(platform: tuple[Server, Market]) -> Iterator["playwright.Page"]:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=FLAGS)
        context = browser.new_context(base_url=platform[0].url, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def photograph(page: "playwright.Page", shots: Path, name: str) -> None:
    """The page as it is, in Chinese, then in English (the switch in the header), then back."""
    page.screenshot(path=shots / f"{name}.zh-CN.png", full_page=True)
    page.get_by_role("link", name="English").click()
    page.screenshot(path=shots / f"{name}.en.png", full_page=True)
    page.get_by_role("link", name="中文").click()


def sign_in(page: "playwright.Page", key: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("您的 API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()


def test_an_enterprise_enters_an_order_that_trades_and_prints_its_confirmation(
    platform: tuple[Server, Market], page: "playwright.Page", shots: Path
) -> None:
    server, market = platform
    with httpx.Client(base_url=server.url) as api:
        body = {"instrument": market.instrument, "side": "sell", "quantity": "200", "price": "44.00"}
        assert api.post("/api/v1/orders", json=body, headers=market.seller.headers).status_code == 201
    sign_in(page, market.buyer.key)
    page.get_by_role("link", name="交易", exact=True).click()
    photograph(page, shots, "trade")
    page.get_by_label("数量", exact=True).fill("150")
    page.get_by_label("限价（元/单位；留空为市价委托）").fill("46.00")
    playwright.expect(page.locator("#quote")).to_contain_text("¥6,900.00")  # 150 at its limit, with htmx
    page.screenshot(path=shots / "trade-ticket.zh-CN.png", full_page=True)
    page.get_by_role("button", name="提交委托").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("委托已提交")
    playwright.expect(page.locator("#fills-title + .table")).to_contain_text("¥6,600.00")  # at 44.00
    page.get_by_role("link", name="成交确认书").first.click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("成交确认书")
    photograph(page, shots, "trade-confirmation")
    page.locator("figure.qr a").click()  # where the QR code leads: the entry, which its party reads
    page.get_by_role("button", name="核验").click()
    playwright.expect(page.locator('[data-step="path"]')).to_have_attribute("data-state", "ok")
    photograph(page, shots, "ledger-entry-own-trade")
    with httpx.Client(base_url=server.url) as api:
        held = api.get(f"/api/v1/parties/{market.buyer.party}/holdings", headers=market.buyer.headers).json()
    assert [(h["state"], h["quantity"]) for h in held] == [("active", "150")]
    page.get_by_role("link", name="持仓与资金", exact=True).click()
    playwright.expect(page.locator("main")).to_contain_text("150")
    photograph(page, shots, "holdings")


def test_the_public_checks_an_entrys_proof_in_the_browser(
    platform: tuple[Server, Market], page: "playwright.Page", shots: Path
) -> None:
    page.goto("/")
    photograph(page, shots, "home")
    page.get_by_role("link", name="账本浏览", exact=True).click()
    photograph(page, shots, "ledger")
    page.locator("table.entries a").first.click()
    page.get_by_role("button", name="核验").click()
    for step in ("leaf", "path", "signature"):
        playwright.expect(page.locator(f'[data-step="{step}"]')).to_have_attribute("data-state", "ok")
    photograph(page, shots, "ledger-entry")
    page.goto("/register")
    photograph(page, shots, "register")
