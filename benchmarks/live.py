"""A real server process on loopback with a market ready to trade, as a user would meet it: seeded by
``liangshan demo seed``, then two collectives (a seller of carbon sink 碳汇 and a buyer with cash)
onboarded through the API with the demo's registrar, regulator and bank keys.

Used by the HTTP load benchmark and by the crash test (which kills the process with SIGKILL)."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from registry.identifiers import credit_code_check_char

CARBON_SINK = {
    "project_id": "JX-FC-361028-900",
    "standard": "JX-FCER",
    "methodology": "AR-CM-001-V01",
    "project_type": "afforestation",
    "monitoring_start": "2024-01-01",
    "monitoring_end": "2024-12-31",
    "verifier": "中环联合（北京）认证中心有限公司",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))", *args]


class Server:
    """``liangshan serve`` in a child process, with its own database and ledger key."""

    def __init__(self, database_url: str, workdir: Path, **settings: str) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LIANGSHAN_DATABASE_URL": database_url,
            "LIANGSHAN_LEDGER_KEY": str(workdir / "ledger.key"),
            # the load comes from one address with a few keys, far above any client's rate limit
            "LIANGSHAN_RATE_PER_ADDRESS": "off",
            "LIANGSHAN_RATE_PER_KEY": "off",
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (our own CLI)
            _cli(*args), env=self.env, cwd=self.workdir, capture_output=True, text=True, check=False
        )

    def command(self) -> list[str]:
        return _cli("serve", "--port", str(self.port))

    def start(self) -> None:
        with (self.workdir / "server.log").open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(  # noqa: S603  (our own code, fixed arguments)
                self.command(),
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.workdir / 'server.log'}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextlib.contextmanager
def serving(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def databases(folder: Path, postgres_url: str | None, stem: str) -> list[tuple[str, str]]:
    """The engines an HTTP figure is measured on, by name: SQLite (a file ``stem``.db in ``folder``)
    and PostgreSQL when a server is at hand."""
    found = [("sqlite", f"sqlite+aiosqlite:///{folder}/{stem}.db")]
    return [*found, ("postgres", postgres_url)] if postgres_url else found


@dataclass(frozen=True)
class Trader:
    party: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass(frozen=True)
class Market:
    instrument: str
    seller: Trader
    buyer: Trader
    issuance: int  # the seller's carbon sink
    seller_credit_code: str
    bank: Trader  # the demo's bank


def demo_keys(server: Server) -> dict[str, str]:
    seeded = server.run("demo", "seed", "--keys-file", "demo-keys.env")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    lines = (server.workdir / "demo-keys.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def open_market(server: Server, units: str = "150000", cash: str = "100000000.00") -> Market:
    keys = demo_keys(server)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        return onboard(http, keys, units, cash)


def onboard(http: httpx.Client, keys: dict[str, str], units: str, cash: str) -> Market:
    """The market of ``open_market`` opened through ``http`` on a seeded platform whose demo keys are
    ``keys``: a real server's, or an app in this process (Litestar's test client is an httpx client)."""
    auth = {
        role: {"Authorization": f"Bearer {keys[f'{role.upper()}_KEY']}"}
        for role in ("registrar", "regulator", "bank")
    }
    traders, codes = [], []
    for n in (1, 2):
        code = f"N1361028{secrets.randbelow(10**9):09d}"
        codes.append(code + credit_code_check_char(code))
        party = _ok(
            http.post(
                "/api/v1/parties",
                json={
                    "kind": "collective",
                    "name": f"资溪县交易测试{n}村股份经济合作社",
                    "division": "361028",
                    "credit_code": codes[-1],
                },
                headers=auth["registrar"],
            )
        )
        user = _ok(
            http.post(
                f"/api/v1/parties/{party['id']}/users",
                json={"name": "交易员", "role": "manager"},
                headers=auth["registrar"],
            )
        )
        traders.append(Trader(party["id"], user["key"]))
    seller, buyer = traders
    filed = _ok(
        http.post(
            "/api/v1/applications",
            json={
                "asset_class": "CS",
                "division": "361028",
                "vintage": 2024,
                "quantity": units,
                "attributes": CARBON_SINK,
            },
            headers=seller.headers,
        )
    )
    issued = _ok(http.post(f"/api/v1/applications/{filed['id']}/confirm", headers=auth["regulator"]))
    _ok(
        http.put(
            f"/api/v1/parties/{buyer.party}/settlement-bank",
            json={"bank": keys["BANK_PARTY"]},
            headers=buyer.headers,
        )
    )
    _ok(
        http.post(
            "/api/v1/cash/deposits",
            json={"party": buyer.party, "amount": cash, "reference": f"LOAD-{secrets.token_hex(6)}"},
            headers=auth["bank"],
        )
    )
    bank = Trader(keys["BANK_PARTY"], keys["BANK_KEY"])
    return Market(issued["instrument"], seller, buyer, issued["id"], codes[0], bank)
