"""Crash: SIGKILL the server during a stream of orders and restart it. Every acknowledged order is
there, the book the restarted server matches against is the database's, and the ledger verifies and
replays to the database."""

import threading
from pathlib import Path

import httpx
import pytest

from api.cli import main
from benchmarks.live import Server, Trader, open_market

ACKED = 30  # orders acknowledged before the kill, which lands in the middle of the stream


def stream_orders(
    url: str,
    instrument: str,
    seller: Trader,
    buyer: Trader,
    stop: threading.Event,
    acked: list[tuple[str, Trader]],
    enough: threading.Event,
) -> None:
    """Enter crossing and resting orders until the server dies or ``stop`` is set; ``enough`` once
    ``ACKED`` of them have been acknowledged."""
    with httpx.Client(base_url=url, timeout=10) as http:
        n = 0
        while not stop.is_set():
            n += 1
            trader, side = (seller, "sell") if n % 2 else (buyer, "buy")
            body = {
                "instrument": instrument,
                "side": side,
                "quantity": str(n % 7 + 1),
                "price": f"{40 + n % 5}.00",
            }
            try:
                answer = http.post("/api/v1/orders", json=body, headers=trader.headers)
            except httpx.TransportError:
                return  # killed mid-request: this order was never acknowledged
            if answer.status_code == 201:
                acked.append((answer.json()["id"], trader))
                if len(acked) == ACKED:
                    enough.set()


def test_sigkill_during_order_flow_loses_no_acknowledged_order(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(database_url, tmp_path)
    server.start()
    try:
        market = open_market(server)
        stop, acked, enough = threading.Event(), [], threading.Event()
        sender = threading.Thread(
            target=stream_orders,
            args=(server.url, market.instrument, market.seller, market.buyer, stop, acked, enough),
        )
        sender.start()
        assert enough.wait(timeout=60), "the stream should have run before the kill"
        server.kill()
        stop.set()
        sender.join()
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for order_id, trader in acked:
                assert http.get(f"/api/v1/orders/{order_id}", headers=trader.headers).status_code == 200
            asks = http.get(f"/api/v1/market/{market.instrument}/depth", params={"levels": 100}).json()[
                "asks"
            ]
            resting = sum(int(level["quantity"]) for level in asks)
            assert resting > 0
            sweep = http.post(
                "/api/v1/orders",
                json={
                    "instrument": market.instrument,
                    "side": "buy",
                    "quantity": str(resting),
                    "price": asks[-1]["price"],
                    "time_in_force": "IOC",
                },
                headers=market.buyer.headers,
            )
            assert sweep.status_code == 201, sweep.text
            assert sweep.json()["status"] == "filled"  # the restarted book held exactly the database's asks
            assert http.get(f"/api/v1/market/{market.instrument}/depth").json()["asks"] == []
    finally:
        server.stop()
    # the checks run in this process, as the same command line, without three more interpreter starts
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "ledger.key"))
    assert main(["ledger", "audit"]) == 0
    assert main(["ledger", "export", str(tmp_path / "export")]) == 0
    assert main(["ledger", "verify", str(tmp_path / "export")]) == 0
