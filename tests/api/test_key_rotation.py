"""The ledger's signing key: never readable by others, changed only by a ledgered rotation that the old
key signs, which verifiers and witnesses pinned to the old key follow; the key route always names the
key in force, and a server holding a retired key refuses to sign or to start."""

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import AsyncTestClient

from api import witness
from api.app import create_app
from api.config import Settings
from settlement.checkpoint import verifier_key
from settlement.cosignature import cosigner_key, signer_key
from settlement.signing_key import SigningKeyError
from tests import independent_verifier as outsider
from tests.platform import Platform, cli

pytestmark = pytest.mark.anyio
NOW = 1_780_000_000
WITNESS = "jxhb.example/witness"


@pytest.fixture(scope="session")
def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
async def platform(
    database_url: str, ledger_key: Path, witness_key: Ed25519PrivateKey
) -> AsyncIterator[Platform]:
    witnesses = (cosigner_key(WITNESS, witness_key.public_key()),)
    async with Platform.start(database_url, ledger_key, witnesses=witnesses) as running:
        yield running


async def test_a_signing_key_file_others_may_read_is_refused_at_start(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "ledger.key"
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(key))
    assert await cli("ledger", "export", str(tmp_path / "export")) == 0  # makes the key, mode 0600
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o640)
    capfd.readouterr()
    assert await cli("serve", "--port", "1") == 3  # refused before it listens
    said = " ".join(capfd.readouterr().err.split())
    assert "refusing to start" in said and "may be read or written by others (mode 0640)" in said
    with pytest.raises(BaseExceptionGroup) as refused:
        async with create_app(Settings(database_url=database_url, ledger_key=key)).lifespan():
            pass
    assert refused.group_contains(SigningKeyError, match="chmod 600")


async def test_a_rotation_hands_the_ledger_to_the_new_key_and_the_old_key_reaches_it(
    platform: Platform,
    database_url: str,
    ledger_key: Path,
    witness_key: Ed25519PrivateKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    await platform.onboard("enterprise")
    old = (await platform.get("/api/v1/ledger/key")).text
    (tmp_path / "witness.key").write_text(signer_key(WITNESS, witness_key))
    (tmp_path / "witness.key").chmod(0o600)
    signer, state = witness.load_signer(tmp_path / "witness.key"), tmp_path / "state.json"
    seen = await witness.witness(platform.client, state, old, signer, NOW)  # before the rotation

    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    new_file = tmp_path / "new.key"
    assert await cli("ledger", "rotate-key", str(new_file)) == 0
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    new = capfd.readouterr().out.strip()
    assert new != old and new.startswith("liangshan.local/ledger+")

    refused = await platform.get("/api/v1/ledger/checkpoint")  # this server holds the retired key
    assert refused.status_code == 500
    with pytest.raises(BaseExceptionGroup) as restart:
        async with create_app(Settings(database_url=database_url, ledger_key=ledger_key)).lifespan():
            pass
    assert restart.group_contains(SigningKeyError, match="rotated")

    settings = Settings(
        database_url=database_url,
        ledger_key=new_file,
        witnesses=(cosigner_key(WITNESS, witness_key.public_key()),),
    )
    async with AsyncTestClient(create_app(settings)) as client:
        assert (await client.get("/api/v1/ledger/key")).text == new
        size = outsider.open_checkpoint((await client.get("/api/v1/ledger/checkpoint")).text, new)[1]
        last = json.loads(
            (await client.get("/api/v1/ledger/entries", params={"start": size - 1, "end": size})).text
        )
        assert (
            last["kind"] == "ledger.key_rotated"
            and last["body"]["previous"] == old
            and last["body"]["key"] == new
        )
        followed = await witness.witness(client, state, old, signer, NOW + 60)
        assert followed.rotations == 1 and followed.previous == seen.checkpoint
        assert followed.line in (await client.get("/api/v1/ledger/checkpoint")).text

    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(new_file))
    export = tmp_path / "export"
    assert await cli("ledger", "export", str(export)) == 0
    assert await cli("ledger", "audit") == 0
    capfd.readouterr()
    assert await cli("ledger", "verify", str(export), "--key", old) == 0
    assert "reached from the pinned key by 1 rotation" in " ".join(capfd.readouterr().err.split())
    stranger = verifier_key("liangshan.local/ledger", Ed25519PrivateKey.generate().public_key())
    assert await cli("ledger", "verify", str(export), "--key", stranger) == 1
    assert await cli("ledger", "rotate-key", str(new_file)) == 2  # the key in force already
