"""The console's main pages, rendered by a real server over the demo's data (``liangshan demo seed``)
on SQLite, each asked ``TIMES`` times one after another by the role that sees it (the collateral page
answering a question: a signed attestation): the time from request to the page's last byte, p50 and
p95, in milliseconds. One client at a time, so that the figure is the page's own cost — its reads and
its template — not a queue's. The target is p95 under 100 ms a page."""

import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.live import Server, demo_keys, onboard, serving
from benchmarks.rounds import Report

TIMES = 40
TARGET_MS = 100.0


def signed_in(server: Server, key: str) -> httpx.Client:
    """A browser's session: the sign-in form's token, the key exchanged for the session cookie."""
    http = httpx.Client(base_url=server.url, timeout=30)
    form = http.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    answer = http.post("/sign-in", data={"key": key, "csrf_token": token.group(1), "next": "/"})
    assert answer.status_code in (200, 303), answer.text
    return http


def timed(http: httpx.Client, path: str) -> list[float]:
    """``path`` asked ``TIMES`` times (after one untimed warm-up): each answer's milliseconds."""
    assert http.get(path).status_code == 200, path
    found = []
    for _ in range(TIMES):
        started = time.perf_counter()
        answer = http.get(path)
        found.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.text[:300])
    return found


def pages(server: Server, keys: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Each main page's name, address and the key of the role that opens it (None: the public); the
    listing is one of the demo's open auctions. A trade is made first, between two collectives
    onboarded as the order benchmark does, so that the trade pages have one; the buyer's key is added
    to ``keys`` as ``BUYER_KEY``."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        market = onboard(http, keys, "1000", "100000.00")
        body = {"instrument": market.instrument, "side": "sell", "quantity": "10", "price": "44.00"}
        assert http.post("/api/v1/orders", json=body, headers=market.seller.headers).status_code == 201
        body |= {"side": "buy", "price": "46.00"}
        assert http.post("/api/v1/orders", json=body, headers=market.buyer.headers).status_code == 201
        trade = http.get("/api/v1/fills", headers=market.buyer.headers).json()["items"][0]["trade"]
        seq = int(http.get("/api/v1/ledger/checkpoint").text.splitlines()[1]) - 1
        collateral = consented(http, keys)
        listing = http.get("/api/v1/listings", params={"status": "open"}).json()["items"][0]["id"]
    keys["BUYER_KEY"] = market.buyer.key
    return {
        "home": ("/", None),
        "register": ("/register", None),
        "ledger": ("/ledger", None),
        "ledger_entry": (f"/ledger/entry?seq={seq}", "REGULATOR_KEY"),
        "market": ("/market", None),
        "instrument": (f"/market/{market.instrument}", None),
        "holdings": ("/holdings", "ENTERPRISE_KEY"),
        "trade": ("/trade", "BUYER_KEY"),
        "trade_confirmation": (f"/trade/confirmations/{trade}", "BUYER_KEY"),
        "review": ("/review", "REGULATOR_KEY"),
        "proposals": ("/proposals", "REVIEWER_KEY"),
        "cases": ("/cases", "REGULATOR_KEY"),
        "collateral": (collateral, "BANK_KEY"),
        "pledges": ("/pledges", "BANK_KEY"),
        "contracts": ("/contracts", "OPERATOR_KEY"),
        "inventory": ("/inventory", "OPERATOR_KEY"),
        "listing": (f"/listings/{listing}", "ENTERPRISE_KEY"),
        "offers": ("/offers", "ENTERPRISE_KEY"),
        "inbox": ("/inbox", "ENTERPRISE_KEY"),
        "webhooks": ("/webhooks", "BANK_KEY"),
        "application_form": ("/applications?asset_class=FR", "COLLECTIVE_KEY"),
        "provenance": (f"/holdings/{market.issuance}", "BUYER_KEY"),
        "parties": ("/parties", "REGULATOR_KEY"),
        "party": (f"/parties/{keys['ENTERPRISE_PARTY']}", "REGULATOR_KEY"),
        "valuations": (f"/valuations?issuance={market.issuance}", "OPERATOR_KEY"),
        "audit": ("/audit", "REGULATOR_KEY"),
        "audit_report": ("/audit/report", "REGULATOR_KEY"),
    }


def consented(http: httpx.Client, keys: dict[str, str]) -> str:
    """The collateral check of the demo enterprise's first right, which it lets the demo bank ask
    about: the page's address."""
    owner = {"Authorization": f"Bearer {keys['ENTERPRISE_KEY']}"}
    party = http.get("/api/v1/me", headers=owner).json()["party"]
    held = http.get(f"/api/v1/parties/{party['id']}/holdings", headers=owner).json()
    right = next(h["issuance"] for h in held if h["state"] == "active")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    consent = {"bank": keys["BANK_PARTY"], "issuance": right, "expires_at": until}
    granted = http.post(f"/api/v1/parties/{party['id']}/consents", json=consent, headers=owner)
    assert granted.status_code == 201, granted.text
    return f"/collateral?owner={party['credit_code']}&issuance={right}"


# what is timed beside the pages but not held to their target: the audit verifies and replays the whole
# ledger, work that grows with it (its page shows at once and fetches the run)
RUNS = {"audit_report"}


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = Server(f"sqlite+aiosqlite:///{folder}/pages.db", Path(folder))
        with serving(server):
            keys = demo_keys(server)
            worst = 0.0
            for name, (path, role) in pages(server, keys).items():
                http = (
                    signed_in(server, keys[role]) if role else httpx.Client(base_url=server.url, timeout=30)
                )
                try:
                    found = timed(http, path)
                finally:
                    http.close()
                p95 = statistics.quantiles(found, n=20)[18]
                report(f"console_{name}_p50_sqlite", statistics.median(found), "ms")
                report(f"console_{name}_p95_sqlite", p95, "ms")
                if name not in RUNS:
                    worst = max(worst, p95)
            report("console_worst_page_p95_sqlite", worst, "ms")
            report("console_worst_page_p95_vs_target_sqlite", worst / TARGET_MS, "×")
