"""The ledger's Ed25519 signing key, kept in a file that only its owner may read.

A new key is made only for an empty ledger: once entries exist, their checkpoints were signed by a
key that verifiers already trust, and silently replacing it would make every outside verifier fail
(or worse, teach them to accept a new key without question).
"""

import os
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
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


def load(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"cannot read the ledger signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} does not hold an Ed25519 private key")
    return key
