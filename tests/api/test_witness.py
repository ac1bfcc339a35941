"""Witnessed checkpoints: a regulator's witness checks and cosigns the platform's checkpoints (C2SP
``tlog-cosignature``), the platform keeps only its configured witnesses' valid cosignatures and serves
them with the checkpoint they cosign, and a witness shown a split view says so and cosigns nothing."""

import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import witness
from api.cli import main
from settlement import signing_key
from settlement.checkpoint import Checkpoint, parse_body, sign, split_note, verifier_key
from settlement.cosignature import cosign, cosigner_key
from tests import independent_verifier as outsider
from tests.platform import Platform

pytestmark = pytest.mark.anyio
NOW = 1_780_000_000  # the witness's clock: POSIX seconds


@pytest.fixture(scope="session")
def witness_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A witness key made as a regulator makes one, and the verifier key it prints."""
    path = tmp_path_factory.mktemp("witness") / "witness.key"
    assert main(["witness", "keygen", "jxhb.example/witness", str(path)]) == 0
    return path, cosigner_key("jxhb.example/witness", witness.load_signer(path)[1].public_key())


@pytest.fixture
async def platform(
    database_url: str, ledger_key: Path, witness_key: tuple[Path, str]
) -> AsyncIterator[Platform]:
    async with Platform.start(database_url, ledger_key, witnesses=(witness_key[1],)) as running:
        yield running


async def served(platform: Platform) -> tuple[str, list[str]]:
    """The served checkpoint's text and its signature lines."""
    note = (await platform.get("/api/v1/ledger/checkpoint")).text
    body, signatures = note.split("\n\n")
    return body + "\n", signatures.splitlines()


async def test_the_witness_cosigns_and_the_checkpoint_carries_its_cosignature(
    platform: Platform, witness_key: tuple[Path, str], tmp_path: Path
) -> None:
    for _ in range(3):
        await platform.onboard("enterprise")
    log_key = (await platform.get("/api/v1/ledger/key")).text
    signer, state = witness.load_signer(witness_key[0]), tmp_path / "state.json"

    first = await witness.witness(platform.client, state, log_key, signer, NOW)
    assert first.previous is None  # nothing seen before: trust on first use of the pinned key
    body, lines = await served(platform)
    assert parse_body(body) == first.checkpoint and len(lines) == 2
    outsider.open_checkpoint(f"{body}\n{lines[0]}\n", log_key)  # the log's own signature still first
    assert outsider.open_cosignature(lines[1], body, witness_key[1]) == NOW

    await platform.onboard("enterprise")
    body, lines = await served(platform)
    assert len(lines) == 1  # the new size is not cosigned yet
    second = await witness.witness(platform.client, state, log_key, signer, NOW + 60)
    assert second.previous == first.checkpoint and second.checkpoint.size > first.checkpoint.size
    body, lines = await served(platform)
    assert outsider.open_cosignature(lines[1], body, witness_key[1]) == NOW + 60


async def test_the_platform_keeps_only_valid_cosignatures_of_its_own_checkpoints_by_its_witnesses(
    platform: Platform, witness_key: tuple[Path, str]
) -> None:
    await platform.onboard("enterprise")
    body, _ = await served(platform)
    name, key = witness.load_signer(witness_key[0])
    checkpoint = parse_body(body)

    async def submit(text: str, line: str) -> httpx.Response:
        return await platform.post(
            "/api/v1/ledger/cosignatures", None, {"checkpoint": text, "cosignature": line}
        )

    stranger = cosign(body, name, Ed25519PrivateKey.generate(), NOW).removesuffix("\n")
    good = cosign(body, name, key, NOW).removesuffix("\n")
    blob = bytearray(base64.b64decode(good.rsplit(" ", 1)[1]))
    blob[11] ^= 1  # another time than the one signed
    retimed = f"{good.rsplit(' ', 1)[0]} {base64.b64encode(bytes(blob)).decode()}"
    other_root = Checkpoint(checkpoint.origin, checkpoint.size, hashlib.sha256(b"x").digest()).body()
    beyond = Checkpoint(checkpoint.origin, checkpoint.size + 5, checkpoint.root).body()
    other_log = Checkpoint("elsewhere.example/log", checkpoint.size, checkpoint.root).body()
    for text, line, status, kind in [
        (body, stranger, 403, "unknown-witness"),
        (body, retimed, 422, "cosignature-invalid"),
        (
            other_root,
            cosign(other_root, name, key, NOW).removesuffix("\n"),
            422,
            "not-this-ledgers-checkpoint",
        ),
        (beyond, cosign(beyond, name, key, NOW).removesuffix("\n"), 400, "beyond-ledger-size"),
        (other_log, cosign(other_log, name, key, NOW).removesuffix("\n"), 422, "foreign-origin"),
        (body, "not a signature line", 400, "malformed"),
        (body, good + "\n", 400, "malformed"),
    ]:
        refused = await submit(text, line)
        assert refused.status_code == status, refused.text
        assert refused.json()["type"].endswith("/" + kind), refused.json()
    _, lines = await served(platform)
    assert len(lines) == 1  # nothing was kept

    accepted = await submit(body, good)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"witness": witness_key[1], "size": checkpoint.size, "timestamp": NOW}
    older = cosign(body, name, key, NOW - 5).removesuffix("\n")
    assert (await submit(body, older)).status_code == 201
    _, lines = await served(platform)
    assert lines[1:] == [good]  # the newest cosignature of a size is kept


class Hostile:
    """The platform as a log that lies to one witness: it serves ``note`` as its checkpoint (signed
    with its real key) and answers everything else truthfully."""

    def __init__(self, platform: Platform, note: str) -> None:
        self.platform, self.note, self.posted = platform, note, 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/ledger/checkpoint":
            return httpx.Response(200, text=self.note)
        if request.method == "POST":
            self.posted += 1
        answer = await self.platform.client.request(
            request.method,
            request.url.path,
            params=request.url.params,
            content=request.content,
            headers={"content-type": request.headers.get("content-type", "")},
        )
        kind = answer.headers.get("content-type", "")
        return httpx.Response(answer.status_code, content=answer.content, headers={"content-type": kind})


@pytest.mark.parametrize("shown", ["same size, another root", "larger, inconsistent", "smaller"])
async def test_a_split_view_fails_the_witness_which_keeps_its_state_and_cosigns_nothing(
    platform: Platform, witness_key: tuple[Path, str], ledger_key: Path, tmp_path: Path, shown: str
) -> None:
    for _ in range(4):
        await platform.onboard("enterprise")
    log_key = (await platform.get("/api/v1/ledger/key")).text
    signer, state = witness.load_signer(witness_key[0]), tmp_path / "state.json"
    seen = await witness.witness(platform.client, state, log_key, signer, NOW)
    kept = state.read_text()

    origin, size = seen.checkpoint.origin, seen.checkpoint.size
    forged_size = {"same size, another root": size, "larger, inconsistent": size + 3, "smaller": size - 1}[
        shown
    ]
    forged = sign(
        Checkpoint(origin, forged_size, hashlib.sha256(b"fork").digest()),
        origin,
        signing_key.load(ledger_key),
    )
    for _ in range(3):
        await platform.onboard("enterprise")  # the real log has grown meanwhile
    hostile = Hostile(platform, forged)
    async with httpx.AsyncClient(transport=httpx.MockTransport(hostile), base_url="http://log") as client:
        with pytest.raises(witness.SplitView) as split:
            await witness.witness(client, state, log_key, signer, NOW + 60)
    assert split.value.shown == forged and split.value.seen.startswith(seen.checkpoint.body())
    assert split_note(split.value.seen)[0] == seen.checkpoint.body()
    assert hostile.posted == 0 and state.read_text() == kept

    honest = await witness.witness(platform.client, state, log_key, signer, NOW + 120)
    assert honest.previous == seen.checkpoint  # the real log is still consistent with what was seen


async def test_a_checkpoint_not_signed_by_the_pinned_key_is_not_cosigned(
    platform: Platform, witness_key: tuple[Path, str], tmp_path: Path
) -> None:
    await platform.onboard("enterprise")
    pinned = verifier_key("liangshan.local/ledger", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(witness.WitnessFailed, match="not signed by the log key"):
        await witness.witness(
            platform.client, tmp_path / "state.json", pinned, witness.load_signer(witness_key[0]), NOW
        )
    assert not (tmp_path / "state.json").exists()
    _, lines = await served(platform)
    assert len(lines) == 1
