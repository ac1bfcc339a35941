"""Secrets the platform must use again but must not keep in clear: webhook secrets, which sign every
delivery (an HMAC needs the secret itself, so a hash as for API keys will not do).

They are sealed with AES-256-GCM under a key derived (HKDF-SHA256, its own ``info``) from the ledger's
Ed25519 signing key: a key the platform already holds in a file only its owner may read, and never in
the database. A copy of the database, or a backup, reveals no secret; whoever holds the key file can
sign checkpoints as the platform, which is worse than reading webhook secrets. Each sealed secret is
bound to its row (the associated data), so it cannot be moved to another subscription. A rotation of
the ledger's key seals them again under the incoming key, in the rotation's transaction.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"liangshan sealed secrets v1"
NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed secret that this key did not seal, or that was changed."""


class Sealer:
    def __init__(self, signing_key: Ed25519PrivateKey) -> None:
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO)
        self._aead = AESGCM(derive.derive(signing_key.private_bytes_raw()))

    def seal(self, secret: bytes, context: str) -> bytes:
        """``secret`` sealed for the row ``context`` names: a fresh nonce, then ciphertext and tag."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret, context.encode())

    def open(self, sealed: bytes, context: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SealBroken(f"the secret of {context} was not sealed by this platform's key") from None
