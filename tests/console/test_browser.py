"""The console in a real browser: Debian's Chromium driven by Playwright (never a browser Playwright
downloads), against ``liangshan serve`` on a seeded SQLite platform, as a newcomer would meet it.

Each journey is clicked through and its result checked on the page and through the API; every main
page is photographed in Chinese and English into ``LIANGSHAN_SCREENSHOTS`` (default: the test's own
temporary folder, named in the test's output). Without Chromium the tests are skipped and say so,
except under ``CI=true``, where they must run (``make test`` installs Chromium where it can). They
run once per ``make test``, in its SQLite run: their server is their own, not the run's database."""

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from benchmarks.live import Market, Server, demo_keys, onboard, serving
from tests.platform import appraisal, fresh

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
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true",
        reason="Chromium is not installed (apt-get install chromium fonts-wqy-microhei): no browser tests",
    ),
    # the journeys drive a server of their own, on SQLite: once a test run is enough
    pytest.mark.skipif(
        os.environ.get("LIANGSHAN_TEST_DATABASE") == "postgres",
        reason="the browser journeys run in the SQLite run; their server is one of their own",
    ),
]
playwright = pytest.importorskip("playwright.sync_api")


@dataclass(frozen=True)
class Served:
    """The platform under test: its server, the demo's keys by name (``demo-keys.env``) and a
    carbon-sink (碳汇) market opened between two collectives."""

    server: Server
    keys: dict[str, str]
    market: Market

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=30)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[f'{role}_KEY']}"}

    def party(self, role: str) -> str:
        return self.keys[f"{role}_PARTY"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browser")
    # surveillance every few seconds, so that the demo's trades, seeded after the start, raise their cases
    server = Server(f"sqlite+aiosqlite:///{folder}/console.db", folder, LIANGSHAN_SURVEILLANCE_INTERVAL_S="2")
    with serving(server):
        keys = demo_keys(server)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            market = onboard(http, keys, "1000", "100000.00")
        yield Served(server, keys, market)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("LIANGSHAN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture
def page(platform: Served) -> Iterator["playwright.Page"]:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=FLAGS)
        context = browser.new_context(base_url=platform.server.url, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def photograph(page: "playwright.Page", shots: Path, name: str) -> None:
    """The page as it is, in Chinese, then in English (the switch in the header), then back."""
    page.screenshot(path=shots / f"{name}.zh-CN.png", full_page=True)
    page.get_by_role("link", name="English").click()
    page.screenshot(path=shots / f"{name}.en.png", full_page=True)
    page.get_by_role("link", name="中文").click()


def sign_in(page: "playwright.Page", key: str) -> None:
    """Sign in afresh (signing out whoever was signed in)."""
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("您的 API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()


def test_an_enterprise_enters_an_order_that_trades_prints_its_confirmation_and_retires(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    market = platform.market
    with platform.api() as api:
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
    fills = page.locator('section[aria-labelledby="fills-title"] .table')
    playwright.expect(fills).to_contain_text("¥6,600.00")  # at 44.00, the resting price
    page.get_by_role("link", name="成交确认书").first.click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("成交确认书")
    photograph(page, shots, "trade-confirmation")
    page.locator("figure.qr a").click()  # where the QR code leads: the entry, which its party reads
    page.get_by_role("button", name="核验").click()
    playwright.expect(page.locator('[data-step="path"]')).to_have_attribute("data-state", "ok")
    photograph(page, shots, "ledger-entry-own-trade")
    with platform.api() as api:
        held = api.get(f"/api/v1/parties/{market.buyer.party}/holdings", headers=market.buyer.headers).json()
    assert [(h["state"], h["quantity"]) for h in held] == [("active", "150")]
    page.get_by_role("link", name="持仓与资金", exact=True).click()
    playwright.expect(page.locator("main")).to_contain_text("150")
    photograph(page, shots, "holdings")
    page.get_by_role("link", name="取得经过").first.click()  # how it came by them: bought from the seller
    playwright.expect(page.locator("main table")).to_contain_text("转入")
    photograph(page, shots, "provenance")
    page.goto("/holdings")
    retire = page.locator('section[aria-labelledby="retire-title"]')
    retire.get_by_label("数量", exact=True).fill("10")
    retire.get_by_label("受益方").fill("资溪县绿色出行")
    page.get_by_role("button", name="注销", exact=True).click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("注销证明")
    photograph(page, shots, "retirement-certificate")


def test_a_collective_follows_its_application_to_its_certificate(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    sign_in(page, platform.market.seller.key)
    page.get_by_role("link", name="我的确权申请", exact=True).click()
    photograph(page, shots, "applications")
    page.get_by_role("link", name="确权证明").first.click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("确权证明")
    photograph(page, shots, "right-certificate")

    page.get_by_role("link", name="我的确权申请", exact=True).click()  # and applies for another right
    page.get_by_label("资产类别").select_option("CS")
    page.get_by_role("button", name="填写申请表").click()
    attributes = fresh("CS", 7002)
    page.get_by_label("行政区划").select_option("361028")
    page.get_by_label("年份").fill("2025")
    page.get_by_label("数量").fill("3000")
    for name in ("project_id", "methodology", "verifier", "monitoring_start", "monitoring_end"):
        page.locator(f'[name="attribute.{name}"]').fill(attributes[name])
    page.locator('[name="attribute.standard"]').select_option(attributes["standard"])
    page.locator('[name="attribute.project_type"]').select_option(attributes["project_type"])
    page.locator('[name="attribute.parcels"]').fill("361028-012-003\n361028-012-004")
    page.screenshot(path=shots / "application-form.zh-CN.png", full_page=True)
    page.get_by_role("button", name="提交申请").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已提交")
    filed = page.get_by_role("status").locator("code").inner_text()
    with platform.api() as api:
        found = api.get(f"/api/v1/applications/{filed}", headers=platform.market.seller.headers).json()
    assert (found["status"], found["quantity"], found["attributes"]["parcels"]) == (
        "pending",
        "3000",
        ["361028-012-003", "361028-012-004"],
    ), found


def test_the_public_checks_an_entrys_proof_in_the_browser(
    platform: Served, page: "playwright.Page", shots: Path
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
    page.locator("main table a").first.click()  # a right's page, with its status history
    playwright.expect(page.get_by_role("heading", level=1)).to_be_visible()
    photograph(page, shots, "right")
    page.goto("/sign-in")
    photograph(page, shots, "sign-in")
    page.get_by_role("link", name="市场", exact=True).click()
    photograph(page, shots, "market")
    page.locator("main table a").first.click()
    playwright.expect(page.get_by_role("heading", name="盘口")).to_be_visible()
    photograph(page, shots, "instrument")


def test_a_regulator_confirms_a_big_right_with_a_second_regulator(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    body = {
        "asset_class": "EP",
        "division": "360100",
        "vintage": 2026,
        "quantity": "600.000",  # above the class's 500 t/a: four eyes (四眼原则)
        "attributes": fresh("EP", 7001),
    }
    with platform.api() as api:
        filed = api.post("/api/v1/applications", json=body, headers=platform.auth("ENTERPRISE"))
        assert filed.status_code == 201, filed.text
    application = filed.json()["id"]
    sign_in(page, platform.keys["REGULATOR_KEY"])
    page.get_by_role("link", name="待办").click()
    playwright.expect(page.locator("ul.inbox-list")).to_contain_text("确权审核")
    photograph(page, shots, "inbox")
    page.locator("ul.inbox-list").get_by_role("link", name="确权审核").click()
    photograph(page, shots, "review")
    page.locator(f"#application-{application}").get_by_role("button", name="确权").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("四眼原则")
    sign_in(page, platform.keys["REVIEWER_KEY"])
    page.get_by_role("link", name="待复核", exact=True).click()
    photograph(page, shots, "proposals")
    page.locator("tr", has_text=application).get_by_role("button", name="批准").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已决定")
    with platform.api() as api:
        found = api.get(f"/api/v1/applications/{application}", headers=platform.auth("REGULATOR")).json()
    assert found["status"] == "confirmed", found
    page.get_by_role("link", name="监察案件", exact=True).click()
    case = page.locator("article.card", has=page.get_by_role("button", name="受理")).first
    playwright.expect(case).to_be_visible(timeout=15_000)
    case_id = (case.get_attribute("id") or "").removeprefix("case-")
    photograph(page, shots, "cases")
    case.get_by_role("button", name="受理").click()
    taken = page.locator(f"#case-{case_id}")
    taken.get_by_label("结案说明").fill("经核查，系正常交易，无操纵意图。")
    taken.get_by_role("button", name="结案").click()
    playwright.expect(page.locator(f"#case-{case_id}")).to_contain_text("经核查，系正常交易")
    with platform.api() as api:
        closed = api.get(f"/api/v1/supervision/cases/{case_id}", headers=platform.auth("REVIEWER")).json()
    assert closed["status"] == "closed" and closed["note"].startswith("经核查"), closed

    page.get_by_role("link", name="参与方", exact=True).click()  # freezes units of an enterprise's
    photograph(page, shots, "parties")
    page.locator(f'a[href="/parties/{platform.party("ENTERPRISE")}"]').click()
    freeze = page.locator('section[aria-labelledby="party-freezes"]')
    freeze.get_by_label("数量", exact=True).fill("1")
    freeze.get_by_label("理由").fill("环保督察：排放数据待核实")
    freeze.get_by_role("button", name="提议冻结").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已完成")
    sign_in(page, platform.keys["REGULATOR_KEY"])  # the other regulator approves (四眼原则)
    page.get_by_role("link", name="待复核", exact=True).click()
    page.locator("tr", has_text="环保督察").get_by_role("button", name="批准").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已决定")
    page.goto(f"/parties/{platform.party('ENTERPRISE')}")
    live = page.locator('section[aria-labelledby="party-freezes"] table')
    playwright.expect(live).to_contain_text("环保督察")
    photograph(page, shots, "party")
    with platform.api() as api:
        frozen = api.get("/api/v1/freezes", params={"status": "live"}, headers=platform.auth("REGULATOR"))
    assert [x["reason"] for x in frozen.json()["items"]] == ["环保督察：排放数据待核实"], frozen.text
    live.get_by_role("button", name="解除").click()
    playwright.expect(page.locator("main")).to_contain_text("无。")
    page.get_by_role("link", name="账本审计", exact=True).click()
    playwright.expect(page.get_by_role("status")).to_contain_text("账本核验通过")
    photograph(page, shots, "audit")


def test_a_bank_checks_collateral_and_registers_a_pledge(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    owner, bank = platform.auth("ENTERPRISE"), platform.auth("BANK")
    with platform.api() as api:
        me = api.get("/api/v1/me", headers=owner).json()["party"]
        held = api.get(f"/api/v1/parties/{me['id']}/holdings", headers=owner).json()
        right = next(h for h in held if h["state"] == "active")
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
        consent = {"bank": platform.party("BANK"), "issuance": right["issuance"], "expires_at": until}
        granted = api.post(f"/api/v1/parties/{me['id']}/consents", json=consent, headers=owner)
        assert granted.status_code == 201, granted.text
        valued = api.post("/api/v1/valuations", json=appraisal(right["issuance"], "900000.00"), headers=bank)
        assert valued.status_code == 201, valued.text
    sign_in(page, platform.keys["BANK_KEY"])
    page.get_by_role("link", name="押品查询", exact=True).click()
    page.get_by_label("权利人统一社会信用代码").fill(me["credit_code"])
    page.get_by_label("权利编号").fill(str(right["issuance"]))
    page.locator("main").get_by_role("button", name="核验").click()
    playwright.expect(page.locator("main")).to_contain_text("¥900,000.00")
    photograph(page, shots, "collateral")
    page.get_by_role("link", name="评估", exact=True).click()
    page.get_by_label("权利编号").first.fill(str(right["issuance"]))
    page.get_by_role("button", name="查看评估记录").click()
    playwright.expect(page.locator("main table")).to_contain_text("¥900,000.00")
    photograph(page, shots, "valuations")

    sign_in(page, platform.keys["ENTERPRISE_KEY"])  # the owner asks the bank for a loan
    page.get_by_role("link", name="质押", exact=True).click()
    asking = page.locator('section[aria-labelledby="pledge-title"]')
    asking.get_by_label("权利", exact=True).select_option(str(right["issuance"]))
    asking.get_by_label("银行", exact=True).select_option(platform.party("BANK"))
    asking.get_by_label("数量", exact=True).fill(right["quantity"])
    asking.get_by_label("担保贷款金额（元）").fill("100000.00")
    asking.get_by_label("贷款到期日").fill((dt.date.today() + dt.timedelta(days=180)).isoformat())
    asking.get_by_label("违约后通知期（天）").fill("0")
    asking.get_by_label("银行可依约提前宣布违约").check()
    asking.get_by_role("button", name="向银行申请").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已完成")
    pledge_id = page.get_by_role("status").locator("code").inner_text()
    sign_in(page, platform.keys["BANK_KEY"])
    page.get_by_role("link", name="质押", exact=True).click()
    photograph(page, shots, "pledges")
    page.locator(f"#pledge-{pledge_id}").get_by_role("button", name="办理质押登记").click()
    playwright.expect(page.get_by_role("status")).to_contain_text(pledge_id)
    with platform.api() as api:
        assert api.get(f"/api/v1/pledges/{pledge_id}", headers=bank).json()["status"] == "registered"
    page.locator(f"#pledge-{pledge_id}").get_by_role("link", name="质押登记通知书").click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("质押登记通知书")
    photograph(page, shots, "pledge-notice")
    page.get_by_role("link", name="资金存管", exact=True).click()
    photograph(page, shots, "cash-desk")
    page.get_by_role("link", name="Webhook 订阅", exact=True).click()
    photograph(page, shots, "webhooks")
    page.get_by_role("link", name="我的账户", exact=True).click()
    playwright.expect(page.locator('section[aria-labelledby="keys-title"]')).to_contain_text("lsk_")
    photograph(page, shots, "account")

    page.get_by_role("link", name="质押", exact=True).click()  # the loan defaults; the bank sells
    card = page.locator(f"#pledge-{pledge_id}")
    card.get_by_label("违约原因").select_option("declared")
    card.get_by_role("button", name="登记违约").click()
    playwright.expect(page.locator(f"#pledge-{pledge_id}")).to_contain_text("已违约")
    card = page.locator(f"#pledge-{pledge_id}")
    card.get_by_label("出售方式").select_option("english")
    card.get_by_label("单价或起拍单价（元）").fill("30.00")
    card.get_by_label("截止时间（北京时间）").fill(
        (dt.date.today() + dt.timedelta(days=7)).isoformat() + "T10:00"
    )
    card.get_by_role("button", name="挂牌强制变卖").click()
    playwright.expect(page.locator("main")).to_contain_text("进行中")
    listing = page.url.rsplit("/", 1)[-1]
    with platform.api() as api:
        sale = api.get(f"/api/v1/listings/{listing}").json()
    assert sale["seller"] == me["id"] and sale["mode"] == "english", sale


def test_an_operator_buys_out_a_collectives_right_and_lists_a_package(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    depositor = platform.auth("COLLECTIVE")  # a village collective (村集体) of the demo
    with platform.api() as api:
        held = api.get(f"/api/v1/parties/{platform.party('COLLECTIVE')}/holdings", headers=depositor).json()
    right = next(h for h in held if h["state"] == "active")
    sign_in(page, platform.keys["OPERATOR_KEY"])
    page.get_by_role("link", name="收储合同", exact=True).click()
    page.get_by_label("存储方（参与方编号）").fill(platform.party("COLLECTIVE"))
    page.get_by_label("权利编号").fill(str(right["issuance"]))
    page.get_by_label("数量", exact=True).fill(right["quantity"])
    page.get_by_label("合同类型").select_option("buyout")
    page.get_by_label("起始日期").fill(dt.date.today().isoformat())
    page.get_by_label("期限截止").fill((dt.date.today() + dt.timedelta(days=365)).isoformat())
    page.get_by_label("收购价（元）").fill("1000.00")
    page.get_by_role("button", name="发出要约").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已完成")
    contract = page.get_by_role("status").locator("code").inner_text()
    photograph(page, shots, "contracts")
    sign_in(page, platform.keys["COLLECTIVE_KEY"])
    page.get_by_role("link", name="收储合同", exact=True).click()
    page.locator(f"#contract-{contract}").get_by_role("button", name="签署合同").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已完成")
    sign_in(page, platform.keys["OPERATOR_KEY"])
    page.get_by_role("link", name="库存", exact=True).click()
    page.locator(f'input[name="pick-{right["issuance"]}"]').check()
    page.get_by_label("资产包整体价格（元）").fill("1200.00")
    page.get_by_label("截止时间（北京时间）").fill(
        (dt.date.today() + dt.timedelta(days=7)).isoformat() + "T10:00"
    )
    page.screenshot(path=shots / "inventory-package.zh-CN.png", full_page=True)
    page.get_by_role("button", name="挂牌资产包").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("资产包已挂牌")
    listing = page.get_by_role("status").locator("code").inner_text()
    with platform.api() as api:
        assert api.get(f"/api/v1/listings/{listing}").json()["status"] == "open"
    photograph(page, shots, "inventory")


def test_a_collective_auctions_units_and_offers_more_to_an_enterprise_which_bids_and_accepts(
    platform: Served, page: "playwright.Page", shots: Path
) -> None:
    seller, issuance = platform.market.seller, platform.market.issuance
    in_two_days = (dt.date.today() + dt.timedelta(days=2)).isoformat() + "T10:00"
    sign_in(page, seller.key)
    page.get_by_role("link", name="持仓与资金", exact=True).click()
    listing_form = page.locator('section[aria-labelledby="list-title"]')
    listing_form.get_by_label("数量", exact=True).fill("100")
    listing_form.get_by_label("交易方式").select_option("english")
    listing_form.get_by_label("单价或起拍单价（元）").fill("40.00")
    listing_form.get_by_label("截止时间（北京时间）").fill(in_two_days)
    listing_form.get_by_label("加价幅度（元）").fill("1.00")
    listing_form.get_by_label("保证金（元）").fill("500.00")
    listing_form.get_by_role("button", name="挂牌").click()
    playwright.expect(page.locator("main")).to_contain_text("进行中")
    listing = page.url.rsplit("/", 1)[-1]

    sign_in(page, platform.keys["ENTERPRISE_KEY"])
    page.get_by_role("link", name="市场", exact=True).click()
    page.locator(f'a[href="/listings/{listing}"]').click()
    page.get_by_role("button", name="报名竞买").click()
    page.get_by_label("您的出价（元）").fill("41.00")
    page.get_by_role("button", name="出价", exact=True).click()
    bids = page.locator('section[aria-labelledby="bids-title"]')
    playwright.expect(bids).to_contain_text("¥41.00")
    playwright.expect(bids).to_contain_text("有效")
    photograph(page, shots, "listing")
    with platform.api() as api:
        state = api.get(f"/api/v1/listings/{listing}").json()
    assert state["bids"] == 1 and state["high_bid"] == "41.00", state

    sign_in(page, seller.key)
    page.get_by_role("link", name="协议转让", exact=True).click()
    page.get_by_label("买方（主体编号）").fill(platform.party("ENTERPRISE"))
    page.get_by_label("权利", exact=True).select_option(str(issuance))
    page.get_by_label("数量", exact=True).fill("50")
    page.get_by_label("单价（元）").fill("45.00")
    page.get_by_label("截止时间（北京时间）").fill(in_two_days)
    page.get_by_role("button", name="发出要约").click()
    playwright.expect(page.get_by_role("status")).to_contain_text("已完成")
    offer = page.get_by_role("status").locator("code").inner_text()
    sign_in(page, platform.keys["ENTERPRISE_KEY"])
    page.get_by_role("link", name="协议转让", exact=True).click()
    photograph(page, shots, "offers")
    page.locator(f"#offer-{offer}").get_by_role("button", name="接受并付款").click()
    playwright.expect(page.locator(f"#offer-{offer}")).to_contain_text("已接受")
    with platform.api() as api:
        own = platform.auth("ENTERPRISE")
        held = api.get(f"/api/v1/parties/{platform.party('ENTERPRISE')}/holdings", headers=own).json()
    assert ("active", "50") in [(h["state"], h["quantity"]) for h in held if h["issuance"] == issuance]
    page.locator(f"#offer-{offer}").get_by_role("link", name="成交确认书").click()
    playwright.expect(page.get_by_role("heading", level=1)).to_have_text("成交确认书")
    playwright.expect(page.locator("main")).to_contain_text("¥2,250.00")  # 50 at 45.00
