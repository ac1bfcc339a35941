"""Recovery, as an operator runs it: back up while the platform serves, write more, restore into an
empty database; the restored ledger verifies offline, its replay equals its tables, and the log that
went on being written is an append-only extension of it (a consistency proof from the restored size
to the later one). The signing key is never in a backup, and a restore needs it."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from settlement import merkle
from settlement.checkpoint import open_note
from tests.conftest import BACKEND, TEST_DB, _admin, _postgres_url
from tests.platform import Member, Platform, cli

pytestmark = pytest.mark.anyio


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A second database of the engine under test, with nothing in it."""
    if BACKEND != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'new' / 'liangshan.db'}"  # its folder not made yet
        return
    name = f"{TEST_DB}_restored"
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"))
    yield _postgres_url(name)
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def said(capfd: pytest.CaptureFixture[str]) -> str:
    """What the command printed, with the console's line wrapping undone."""
    return " ".join(capfd.readouterr().err.split())


async def _trade(platform: Platform, seller: Member, buyer: Member) -> None:
    issued = await platform.confirmed(seller, "CS", "500")
    moved = await platform.post(
        "/api/v1/transfers", seller, {"issuance": issued["id"], "to": buyer.party, "quantity": "120"}
    )
    assert moved.status_code == 201, moved.text
    assert (await platform.deposit(buyer, "250.00")).status_code == 201


async def test_a_backup_taken_while_serving_restores_to_a_ledger_the_later_one_extends(
    platform: Platform,
    database_url: str,
    empty_database: str,
    ledger_key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    await _trade(platform, seller, buyer)
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    saved = tmp_path / "backup"
    assert await cli("backup", str(saved)) == 0
    assert "NOT in the backup" in said(capfd)
    for file in saved.iterdir():
        assert b"PRIVATE KEY" not in file.read_bytes(), file
    assert await cli("backup", str(saved)) == 2  # a backup is never overwritten
    at_backup = (saved / "checkpoint").read_text()

    await _trade(platform, seller, buyer)  # the platform goes on
    later = (await platform.get("/api/v1/ledger/checkpoint")).text
    before = await platform.fingerprint()
    assert await cli("restore", str(saved)) == 2  # the live database holds a ledger
    assert "--force" in said(capfd)
    assert await platform.fingerprint() == before

    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", empty_database)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "missing.key"))
    assert await cli("restore", str(saved)) == 2  # not without the key that signed it
    assert "signing key is not in a backup" in said(capfd)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    assert await cli("restore", str(saved)) == 0
    export = tmp_path / "export"
    assert await cli("ledger", "export", str(export)) == 0
    assert await cli("ledger", "verify", str(export)) == 0
    assert await cli("ledger", "audit") == 0
    restored = (export / "checkpoint").read_text()
    assert restored == at_backup  # nothing wrote between the checkpoint and the copy

    key = (saved / "key").read_text()
    first, second = open_note(restored, key), open_note(later, key)
    assert first.size < second.size
    proof = (
        await platform.get("/api/v1/ledger/proof/consistency", first=first.size, second=second.size)
    ).json()
    path = [bytes.fromhex(h) for h in proof["path"]]
    assert merkle.verify_consistency(first.size, second.size, path, first.root, second.root)

    assert await cli("restore", str(saved)) == 2  # now the restored one holds a ledger
    assert await cli("restore", str(saved), "--force") == 0
    assert await cli("ledger", "audit") == 0


async def test_a_backup_restores_only_into_its_own_engine(
    platform: Platform, database_url: str, ledger_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await platform.onboard("enterprise")
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    assert await cli("backup", str(tmp_path / "backup")) == 0
    other = (
        f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        if BACKEND == "postgres"
        else "postgresql+asyncpg://postgres@127.0.0.1:5432/none"
    )
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", other)
    assert await cli("restore", str(tmp_path / "backup")) == 2
