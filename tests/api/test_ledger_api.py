"""The ledger endpoints, checked by an independent verifier as a bank or regulator would."""

import math
import shutil
from pathlib import Path

import pytest

from tests import independent_verifier as outsider
from tests.platform import Platform, cli

pytestmark = pytest.mark.anyio


async def busy_ledger(platform: Platform) -> None:
    """A ledger of a few dozen entries of every kind."""
    holder, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    for n in range(3):
        issued = await platform.confirmed(holder, "CS", str(1000 + n))
        await platform.post(
            "/api/v1/transfers", holder, {"issuance": issued["id"], "to": buyer.party, "quantity": "100"}
        )
        await platform.post(
            "/api/v1/retirements",
            buyer,
            {"issuance": issued["id"], "quantity": "10", "beneficiary": "碳中和", "purpose": "voluntary"},
        )
    await platform.deposit(buyer, "1000.00")


async def served(platform: Platform) -> tuple[str, str, list[bytes]]:
    """The key, the checkpoint and every entry, as a regulator reads them."""
    regulator = await platform.regulator()
    key = (await platform.get("/api/v1/ledger/key")).text
    assert key == key.strip() and key.count("+") >= 2  # exactly the C2SP vkey token
    note = (await platform.get("/api/v1/ledger/checkpoint")).text
    size = int(note.split("\n")[1])
    entries = await platform.get("/api/v1/ledger/entries", regulator, start=0, end=size)
    assert entries.headers["content-type"].startswith("application/x-ndjson")
    return key, note, entries.content.split(b"\n")[:-1]


async def test_an_independent_verifier_accepts_checkpoint_entries_and_proofs(platform: Platform) -> None:
    await busy_ledger(platform)
    key, note, lines = await served(platform)
    origin, size, root = outsider.open_checkpoint(note, key)
    assert size == len(lines) >= 18
    outsider.check_entries(lines, origin)
    assert outsider.mth(lines) == root
    for seq in (0, 1, size // 2, size - 1):
        for tree in (seq + 1, size):
            proof = (await platform.get("/api/v1/ledger/proof/inclusion", seq=seq, size=tree)).json()
            assert proof["leaf_hash"] == outsider._h(b"\x00" + lines[seq]).hex()
            assert proof["root"] == outsider.mth(lines[:tree]).hex()
            assert len(proof["path"]) <= math.ceil(math.log2(tree)) if tree > 1 else proof["path"] == []
            path = [bytes.fromhex(h) for h in proof["path"]]
            assert outsider.verify_inclusion(
                bytes.fromhex(proof["leaf_hash"]), seq, tree, path, bytes.fromhex(proof["root"])
            )
    for first in (1, 2, 3, size // 2, size - 1, size):
        proof = (await platform.get("/api/v1/ledger/proof/consistency", first=first, second=size)).json()
        assert proof["first_root"] == outsider.mth(lines[:first]).hex()
        path = [bytes.fromhex(h) for h in proof["path"]]
        assert outsider.verify_consistency(
            first, size, path, bytes.fromhex(proof["first_root"]), bytes.fromhex(proof["second_root"])
        )


async def test_the_checkpoint_covers_every_committed_entry(platform: Platform) -> None:
    first = (await platform.get("/api/v1/ledger/checkpoint")).text
    await platform.onboard("enterprise")
    second = (await platform.get("/api/v1/ledger/checkpoint")).text
    assert int(second.split("\n")[1]) == int(first.split("\n")[1]) + 1  # one party onboarded: one entry


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("proof/consistency", {"first": 0, "second": 1}, "first"),
        ("proof/consistency", {"first": 3, "second": 2}, "first"),
        ("proof/consistency", {"first": 1, "second": 10_000}, "second"),
        ("proof/inclusion", {"seq": 5, "size": 5}, "seq"),
        ("proof/inclusion", {"seq": 0, "size": 10_000}, "size"),
        ("entries", {"start": 0, "end": 10_000}, "end"),
        ("entries", {"start": 3, "end": 2}, "start"),
        ("entries", {"start": "x", "end": 2}, "start"),
    ],
)
async def test_out_of_range_requests_are_problems(
    platform: Platform, path: str, params: dict, field: str
) -> None:
    for _ in range(5):
        await platform.onboard("enterprise")
    refused = await platform.get(f"/api/v1/ledger/{path}", **params)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == field


async def test_equal_sizes_have_an_empty_consistency_proof(platform: Platform) -> None:
    size = int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1])
    proof = (await platform.get("/api/v1/ledger/proof/consistency", first=size, second=size)).json()
    assert proof["path"] == [] and proof["first_root"] == proof["second_root"]


async def test_export_verifies_offline_and_tampering_is_named(
    platform: Platform,
    database_url: str,
    ledger_key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    await busy_ledger(platform)
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    export = tmp_path / "export"
    assert await cli("ledger", "export", str(export)) == 0
    assert await cli("ledger", "verify", str(export)) == 0
    assert await cli("ledger", "audit") == 0
    _key, note, lines = await served(platform)
    assert (export / "entries.jsonl").read_bytes().split(b"\n")[:-1] == lines
    assert (export / "checkpoint").read_text() == note

    def tampered(change) -> Path:
        copy = tmp_path / f"t{len(list(tmp_path.iterdir()))}"
        shutil.copytree(export, copy)
        rows = (copy / "entries.jsonl").read_bytes().split(b"\n")
        change(rows)
        (copy / "entries.jsonl").write_bytes(b"\n".join(rows))
        return copy

    def one_byte(rows: list[bytes]) -> None:  # the last digit of entry 7's microseconds
        stamp = rows[7].index(b'Z","body"') - 1
        digit = b"1" if rows[7][stamp : stamp + 1] != b"1" else b"2"
        rows[7] = rows[7][:stamp] + digit + rows[7][stamp + 1 :]

    for change, named in [
        (one_byte, "entry 7"),
        (lambda r: r.pop(5), "entry 5"),
        (lambda r: r.insert(4, r.pop(5)), "entry 4"),
    ]:
        capfd.readouterr()
        assert await cli("ledger", "verify", str(tampered(change))) == 1
        assert named in capfd.readouterr().err.replace("\n", " ")
