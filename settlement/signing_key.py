"""The ledger's Ed25519 signing key, kept in a file that only its owner may read.

A new key is made only for an empty ledger: once entries exist, their checkpoints were signed by a
key that verifiers already trust, and silently replacing it would make every outside verifier fail
(or worse, teach them to accept a new key without question). A key is changed only by a ledgered
rotation (``settlement.rotation``). A key file that others may read or write is refused: whoever
reads it can sign checkpoints as the platform.
"""

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)


class SigningKeyError(RuntimeError):
    """The key file is missing for a ledger that has entries, or cannot be read."""


def load_or_create(path: Path, *, ledger_size: int) -> Ed25519PrivateKey:
    if path.exists():
        return load(path)
    if ledger_size:
        raise SigningKeyError(
            f"the ledger holds {ledger_size} entries but its signing key {path} is missing; restore the "
            "key file (or point LIANGSHAN_LEDGER_KEY at it) rather than signing with a new key"
        )
    return create(path)


def create(path: Path) -> Ed25519PrivateKey:
    """A new key in a new file of mode 0600 (never over an existing one)."""
    key = Ed25519PrivateKey.generate()
    write_private(path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return key


def write_private(path: Path, content: bytes) -> None:
    """Write a new file that only its owner may read (mode 0600); refuse to replace one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def read_private(path: Path) -> bytes:
    """The bytes of a key file, refused if anyone but its owner may read or write it."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningKeyError(
                f"{path} may be read or written by others (mode {stat.S_IMODE(mode):04o}); a signing "
                f"key must be its owner's alone: chmod 600 {path}"
            )
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the key {path}: {exc}") from None


def load(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(read_private(path), password=None)
    except ValueError as exc:
        raise SigningKeyError(f"cannot read the ledger signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} does not hold an Ed25519 private key")
    return key
