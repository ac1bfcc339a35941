"""Verifying an export against a pinned key, through the ledger's key rotations: no database.

The defect this pins down: an export with one entry altered, everything after it re-chained and a
checkpoint signed by a new key verified OK, because the verifier trusted the key the export brought.
"""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.cli import main
from registry.events import CashDeposited, Event, LedgerKeyRotated
from settlement import merkle, rotation
from settlement.checkpoint import Checkpoint, sign, verifier_key
from settlement.entries import GENESIS_PREV, Entry, encode
from settlement.verify import VerificationFailed, verify

ORIGIN = "test.example/ledger"
AT = "2026-01-01T00:00:00.000000Z"


def vkey(key: Ed25519PrivateKey) -> str:
    return verifier_key(ORIGIN, key.public_key())


def deposit(n: int) -> CashDeposited:
    return CashDeposited(party=f"p{n}", bank="b", amount="10.00")


class Log:
    """A ledger built in memory as the platform writes one: entries chained, rotations signed."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def append(self, event: Event) -> None:
        self.add(event.kind, event.to_json())

    def add(self, kind: str, body: dict) -> None:
        prev = merkle.leaf_hash(self.lines[-1]).hex() if self.lines else GENESIS_PREV
        self.lines.append(encode(ORIGIN, Entry(len(self.lines), prev, kind, AT, "system", body)))

    def tree(self) -> Checkpoint:
        return Checkpoint(ORIGIN, len(self.lines), merkle.root_of(map(merkle.leaf_hash, self.lines)))

    def rotate(self, outgoing: Ed25519PrivateKey, incoming: Ed25519PrivateKey) -> None:
        self.append(rotation.hand_over(outgoing, vkey(outgoing), vkey(incoming), self.tree()))

    def note(self, key: Ed25519PrivateKey) -> str:
        return sign(self.tree(), ORIGIN, key)


def deposits(n: int) -> Log:
    log = Log()
    for i in range(n):
        log.append(deposit(i))
    return log


def rechained(lines: list[bytes], seq: int, change: tuple[bytes, bytes]) -> Log:
    """The export as a forger leaves it: entry ``seq`` changed, every later ``prev`` recomputed."""
    log = Log()
    for i, raw in enumerate(lines):
        entry = json.loads(raw.replace(*change) if i == seq else raw)
        log.add(entry["kind"], entry["body"])
    return log


def test_an_entry_altered_rechained_and_resigned_by_a_new_key_fails_against_the_pinned_key() -> None:
    platform_key, forger_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    honest = deposits(10)
    assert verify(honest.lines, honest.note(platform_key), vkey(platform_key)).keys == [vkey(platform_key)]

    forged = rechained(honest.lines, 3, (b'"amount":"10.00"', b'"amount":"90.00"'))
    note = forged.note(forger_key)
    assert verify(forged.lines, note, vkey(forger_key)).state.cash["p3"] == 9000  # consistent with itself
    with pytest.raises(VerificationFailed, match="checkpoint: note carries no signature"):
        verify(forged.lines, note, vkey(platform_key))


def test_a_rotation_is_followed_from_the_pinned_key() -> None:
    first, second, third = (Ed25519PrivateKey.generate() for _ in range(3))
    log = deposits(4)
    log.rotate(first, second)
    log.append(deposit(4))
    log.rotate(second, third)
    log.append(deposit(5))
    note = log.note(third)
    chain = [vkey(first), vkey(second), vkey(third)]
    for pinned in chain:
        assert verify(log.lines, note, pinned).keys == chain
    with pytest.raises(VerificationFailed, match="none of the keys"):
        verify(log.lines, note, vkey(Ed25519PrivateKey.generate()))
    with pytest.raises(VerificationFailed, match="checkpoint"):  # the retired key signs nothing more
        verify(log.lines, log.note(second), vkey(first))


def test_a_rotation_not_signed_by_the_key_then_current_fails_at_its_entry() -> None:
    platform_key, forger_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    log = deposits(3)
    log.append(rotation.hand_over(forger_key, vkey(platform_key), vkey(forger_key), log.tree()))  # forged
    log.append(deposit(3))
    with pytest.raises(VerificationFailed, match="not signed by the outgoing key") as failed:
        verify(log.lines, log.note(forger_key), vkey(platform_key))
    assert failed.value.seq == 3

    chained = deposits(3)
    chained.rotate(platform_key, forger_key)
    stranger = Ed25519PrivateKey.generate()
    chained.rotate(stranger, platform_key)  # signed by a key that was not current then
    with pytest.raises(VerificationFailed, match="but the key then was") as failed:
        verify(chained.lines, chained.note(platform_key), vkey(platform_key))
    assert failed.value.seq == 4


def test_a_rotation_bound_to_another_place_in_the_log_fails() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    log = deposits(3)
    early = rotation.hand_over(old, vkey(old), vkey(new), log.tree())
    log.append(deposit(3))
    log.append(early)  # signed for the tree of 3 entries, appended after 4
    with pytest.raises(VerificationFailed, match="names the tree of size 3") as failed:
        verify(log.lines, log.note(new), vkey(old))
    assert failed.value.seq == 4
    assert LedgerKeyRotated.from_json(json.loads(log.lines[4])["body"]) == early


def export(directory: Path, log: Log, note: str, key: str) -> Path:
    directory.mkdir()
    (directory / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in log.lines))
    (directory / "checkpoint").write_text(note)
    (directory / "key").write_text(key)
    return directory


def test_the_command_refuses_a_resigned_export_with_key_and_warns_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform_key, forger_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    forged = rechained(deposits(10).lines, 3, (b'"amount":"10.00"', b'"amount":"90.00"'))
    directory = export(tmp_path / "forged", forged, forged.note(forger_key), vkey(forger_key))
    (tmp_path / "platform.vkey").write_text(vkey(platform_key) + "\n")

    assert main(["ledger", "verify", str(directory), "--key", vkey(platform_key)]) == 1
    assert "FAILED" in capsys.readouterr().err
    assert main(["ledger", "verify", str(directory), "--key", str(tmp_path / "platform.vkey")]) == 1
    capsys.readouterr()

    assert main(["ledger", "verify", str(directory)]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "consistency only" in said and "WARNING no --key" in said


def test_the_command_accepts_the_pinned_key_through_a_rotation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    log = deposits(5)
    log.rotate(old, new)
    log.append(deposit(5))
    directory = export(tmp_path / "export", log, log.note(new), vkey(new))
    assert main(["ledger", "verify", str(directory), "--key", vkey(old)]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "reached from the pinned key by 1 rotation" in said and "WARNING" not in said
