"""Crash: SIGKILL the real server (``liangshan serve``) under a bounded write load from several clients
— orders from a seller and a buyer, the seller's transfers of the same units, a bank's deposits and
withdrawals — and restart it.

Then every acknowledged write is there; every write the kill left in doubt happened whole or not at
all (sent again with its Idempotency-Key, each lands exactly once, so the totals come out exact); the
order book the restarted server rebuilt is the database's; and the ledger, exported, verifies offline
(``liangshan ledger verify``) and replays to the database (``liangshan ledger audit``).
"""

import asyncio
import itertools
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.cli import main
from api.config import Settings
from api.database import connect
from api.platform import build_platform
from benchmarks.live import CARBON_SINK, Server
from market.tables import OrderRow, OrderStatus
from registry import context as c
from registry.identifiers import credit_code_check_char
from registry.parties import bootstrap

ACKED = 40  # writes acknowledged, over all clients, before the kill lands
BOUND = 500  # no client sends more than this many writes


@dataclass
class Write:
    path: str
    body: dict[str, Any]
    key: str  # the sender's API key
    idempotency_key: str = field(default_factory=lambda: secrets.token_hex(8))
    answer: Any = None  # the acknowledged body

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Idempotency-Key": self.idempotency_key}


@dataclass
class Load:
    """What the clients sent: acknowledged, in doubt (no answer: the kill), refused (a wrong load)."""

    acked: list[Write] = field(default_factory=list)
    in_doubt: list[Write] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)

    def sent(self, path: str) -> list[Write]:
        return [w for w in self.acked + self.in_doubt if w.path == path]


def send(url: str, writes: Iterator[Write], load: Load) -> None:
    """One client: its writes one after another, until the server dies."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for write in itertools.islice(writes, BOUND):
            try:
                answer = http.post(write.path, json=write.body, headers=write.headers)
            except httpx.TransportError:
                load.in_doubt.append(write)  # killed mid-request, or before it: unacknowledged
                return
            if answer.status_code not in (200, 201):
                load.refused.append(f"{write.path} {write.body}: {answer.text}")
                return
            write.answer = answer.json()
            load.acked.append(write)
            if len(load.acked) >= ACKED:
                load.enough.set()


@dataclass(frozen=True)
class Cast:
    seller: str  # key of a collective holding carbon sink (碳汇), which it sells and transfers
    buyer: str  # key of a collective with cash
    bank: str  # a bank's key
    receiver: str  # party that receives the transfers and the bank's deposits
    receiver_key: str
    instrument: str
    issuance: int


def orders(cast: Cast, key: str, side: str) -> Iterator[Write]:
    for n in itertools.count():
        body = {
            "instrument": cast.instrument,
            "side": side,
            "quantity": str(n % 7 + 1),
            "price": f"{40 + n % 5}.00",
        }
        yield Write("/api/v1/orders", body, key)


def transfers(cast: Cast) -> Iterator[Write]:
    for n in itertools.count():
        body = {"issuance": cast.issuance, "to": cast.receiver, "quantity": str(n % 5 + 1)}
        yield Write("/api/v1/transfers", body, cast.seller)


def cash_movements(cast: Cast) -> Iterator[Write]:
    """10.00 in, 3.00 out, and again: the balance never runs short."""
    for n in itertools.count():
        kind, amount = ("deposits", "10.00") if n % 2 == 0 else ("withdrawals", "3.00")
        body = {"party": cast.receiver, "amount": amount, "reference": f"CRASH-{n}"}
        yield Write(f"/api/v1/cash/{kind}", body, cast.bank)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def _roots(settings: Settings) -> tuple[str, str]:
    """The platform's registrar and first regulator, created in this process as the command line
    does (one interpreter start fewer); their keys."""
    keys = []
    async with build_platform(settings) as core:
        for kind, name in (
            (c.PartyKind.REGISTRAR, "江西省公共资源交易中心"),
            (c.PartyKind.REGULATOR, "资溪县生态环境局"),
        ):
            async with core.unit_of_work() as work:
                issued = await bootstrap(
                    work,
                    kind=kind,
                    name=name,
                    credit_code=code("11"),
                    division_code="360100",
                    user_name="经办人",
                )
                await work.commit()
            keys.append(issued.key)
    return keys[0], keys[1]


def code(head: str) -> str:
    """A fresh 统一社会信用代码 in 资溪县."""
    body = f"{head}361028{secrets.randbelow(10**9):09d}"
    return body + credit_code_check_char(body)


def _onboard(http: httpx.Client, registrar: str, kind: str, name: str, approver: str) -> tuple[str, str]:
    """A party of ``kind`` and its first manager's key, onboarded by the registrar; a bank's manager
    takes four eyes, which ``approver`` (a regulator) gives."""
    auth = {"Authorization": f"Bearer {registrar}"}
    body = {
        "kind": kind,
        "name": name,
        "division": "361028",
        "credit_code": code("N1" if kind == "collective" else "91"),
    }
    party = ok(http.post("/api/v1/parties", json=body, headers=auth))
    added = http.post(
        f"/api/v1/parties/{party['id']}/users", json={"name": "经办人", "role": "manager"}, headers=auth
    )
    if added.status_code == 202:
        proposal = added.json()["proposal"]["id"]
        ok(
            http.post(
                f"/api/v1/proposals/{proposal}/approve", headers={"Authorization": f"Bearer {approver}"}
            )
        )
    else:
        ok(added)
    return party["id"], added.json()["key"]


def _cast(server: Server, registrar: str, regulator: str) -> Cast:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        bank_party, bank = _onboard(http, registrar, "bank", "资溪县农村商业银行", regulator)
        _, seller = _onboard(http, registrar, "collective", "资溪县售方村股份经济合作社", regulator)
        buyer_party, buyer = _onboard(http, registrar, "collective", "资溪县买方村股份经济合作社", regulator)
        receiver, receiver_key = _onboard(
            http, registrar, "enterprise", "江西受让环保科技有限公司", regulator
        )
        application = {"asset_class": "CS", "division": "361028", "vintage": 2024, "quantity": "150000",
                       "attributes": CARBON_SINK}  # fmt: skip
        filed = ok(
            http.post("/api/v1/applications", json=application, headers={"Authorization": f"Bearer {seller}"})
        )
        issued = ok(
            http.post(
                f"/api/v1/applications/{filed['id']}/confirm",
                headers={"Authorization": f"Bearer {regulator}"},
            )
        )
        opening = {"reference_price": "42.00"}  # the orders' 40.00–44.00 lie in its band of ±10%
        registrar_auth = {"Authorization": f"Bearer {registrar}"}
        ok(http.put(f"/api/v1/market/{issued['instrument']}/rules", json=opening, headers=registrar_auth))
        for party, key in ((buyer_party, buyer), (receiver, receiver_key)):  # the bank serves them
            named = {"bank": bank_party}
            headers = {"Authorization": f"Bearer {key}"}
            ok(http.put(f"/api/v1/parties/{party}/settlement-bank", json=named, headers=headers))
        deposit = {"party": buyer_party, "amount": "100000000.00", "reference": "CRASH-FUNDING"}
        ok(http.post("/api/v1/cash/deposits", json=deposit, headers={"Authorization": f"Bearer {bank}"}))
    return Cast(seller, buyer, bank, receiver, receiver_key, issued["instrument"], issued["id"])


def run_load_and_kill(server: Server, cast: Cast) -> Load:
    load = Load()
    streams = [
        orders(cast, cast.seller, "sell"),
        orders(cast, cast.buyer, "buy"),
        transfers(cast),
        cash_movements(cast),
    ]
    clients = [threading.Thread(target=send, args=(server.url, stream, load)) for stream in streams]
    for client in clients:
        client.start()
    assert load.enough.wait(timeout=60), f"the load should have run before the kill: {load.refused}"
    server.kill()
    for client in clients:
        client.join()
    assert load.refused == [], load.refused
    assert len(load.in_doubt) == len(clients)  # the kill stopped every client, none ran out of writes
    return load


def every(http: httpx.Client, path: str, key: str, **params: Any) -> list[Any]:
    """Every item of a paged list, following its cursors."""
    items, cursor = [], None
    while True:
        page = ok(http.get(path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})},
                           headers={"Authorization": f"Bearer {key}"}))  # fmt: skip
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def check_acknowledged_writes_are_there(http: httpx.Client, cast: Cast, load: Load) -> None:
    for write in load.acked:
        if write.path == "/api/v1/orders":
            found = http.get(
                f"/api/v1/orders/{write.answer['id']}", headers={"Authorization": f"Bearer {write.key}"}
            )
            assert found.status_code == 200, found.text
    statement = every(
        http, f"/api/v1/parties/{cast.receiver}/statement", cast.receiver_key, issuance=cast.issuance
    )
    received = {line["serials"] for line in statement}
    for write in load.acked:
        if write.path == "/api/v1/transfers":
            assert set(write.answer["serials"]) <= received, write.answer
    cash = every(http, f"/api/v1/parties/{cast.receiver}/cash/statement", cast.receiver_key)
    references = {line["reference"] for line in cash}
    assert {w.body["reference"] for w in load.acked if w.path.startswith("/api/v1/cash")} <= references


def send_again(http: httpx.Client, load: Load) -> None:
    """Each write left in doubt, sent again with its Idempotency-Key: done now, or answered as done."""
    for write in load.in_doubt:
        answer = http.post(write.path, json=write.body, headers=write.headers)
        assert answer.status_code in (200, 201), answer.text


def check_each_write_landed_once(http: httpx.Client, cast: Cast, load: Load) -> None:
    holdings = ok(
        http.get(
            f"/api/v1/parties/{cast.receiver}/holdings",
            headers={"Authorization": f"Bearer {cast.receiver_key}"},
        )
    )
    units = sum(int(h["quantity"]) for h in holdings if h["issuance"] == cast.issuance)
    assert units == sum(int(w.body["quantity"]) for w in load.sent("/api/v1/transfers"))
    balance = ok(
        http.get(
            f"/api/v1/parties/{cast.receiver}/cash", headers={"Authorization": f"Bearer {cast.receiver_key}"}
        )
    )["balance"]
    fen = sum(1000 for _ in load.sent("/api/v1/cash/deposits")) - sum(
        300 for _ in load.sent("/api/v1/cash/withdrawals")
    )
    assert balance == f"{fen // 100}.{fen % 100:02d}"
    for key in (cast.seller, cast.buyer):
        entered = [w for w in load.sent("/api/v1/orders") if w.key == key]
        assert len(every(http, "/api/v1/orders", key)) == len(entered)


async def _open_orders(database_url: str, instrument: str) -> dict[str, dict[str, int]]:
    database = connect(database_url)
    try:
        async with database.reads() as session:
            query = (
                select(OrderRow.side, OrderRow.price, func.sum(OrderRow.remaining))
                .where(OrderRow.instrument_id == instrument, OrderRow.status == OrderStatus.OPEN)
                .group_by(OrderRow.side, OrderRow.price)
            )
            levels: dict[str, dict[str, int]] = {"bids": {}, "asks": {}}
            for side, price, remaining in await session.execute(query):
                levels["bids" if side == "buy" else "asks"][f"{price // 100}.{price % 100:02d}"] = int(
                    remaining
                )
            return levels
    finally:
        await database.dispose()


def check_book_is_the_database(http: httpx.Client, database_url: str, cast: Cast) -> None:
    depth = ok(http.get(f"/api/v1/market/{cast.instrument}/depth", params={"levels": 100}))
    book = {
        side: {level["price"]: int(level["quantity"]) for level in depth[side]} for side in ("bids", "asks")
    }
    assert book == asyncio.run(_open_orders(database_url, cast.instrument))


def test_sigkill_under_write_load_loses_no_acknowledged_write_and_leaves_nothing_half_done(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar, regulator = asyncio.run(
        _roots(Settings(database_url=database_url, ledger_key=tmp_path / "ledger.key"))
    )
    server = Server(database_url, tmp_path)
    server.start()
    try:
        cast = _cast(server, registrar, regulator)
        load = run_load_and_kill(server, cast)
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            check_book_is_the_database(http, database_url, cast)  # as rebuilt on start
            check_acknowledged_writes_are_there(http, cast, load)
            send_again(http, load)
            check_each_write_landed_once(http, cast, load)
            check_book_is_the_database(http, database_url, cast)
    finally:
        server.stop()
    # the checks run in this process, as the same command line, without three more interpreter starts
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "ledger.key"))
    assert main(["ledger", "audit"]) == 0
    assert main(["ledger", "export", str(tmp_path / "export")]) == 0
    assert main(["ledger", "verify", str(tmp_path / "export")]) == 0
