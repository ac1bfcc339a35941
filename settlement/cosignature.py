"""C2SP ``tlog-cosignature`` (Ed25519, ``cosignature/v1``): a witness's signed statement that a
checkpoint is the largest consistent tree head it has seen of that log, as of a time.

A cosignature is a note signature line ``— <name> base64(key id ‖ timestamp ‖ signature)``: the key id
is the signed-note one with signature type 0x04, the timestamp 8 bytes big-endian (POSIX seconds) and
the signature Ed25519 over ``"cosignature/v1\\n" "time <timestamp>\\n"`` followed by the checkpoint's
note text (its body, final newline included, no signature lines). A witness's verifier key is the
C2SP vkey ``<name>+<hex key id>+base64(0x04 ‖ 32-byte key)``; its private key is kept as the
signer-key line ``PRIVATE+KEY+<name>+<hex key id>+base64(0x04 ‖ 32-byte seed)``, so one file names it.
"""

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from settlement.checkpoint import (
    SIGNATURE_PREFIX,
    CheckpointError,
    key_id,
    parse_verifier_key,
    raw_public_key,
    signature_line,
    verifier_key,
)

COSIGNATURE_V1 = b"\x04"
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
_SIGNER_PREFIX = "PRIVATE+KEY+"


@dataclass(frozen=True, slots=True)
class Cosigner:
    """A witness as a verifier knows it: its name, key id and public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    vkey: str

    @classmethod
    def of(cls, vkey: str) -> "Cosigner":
        name, identifier, public_key = parse_verifier_key(vkey, COSIGNATURE_V1)
        return cls(name, identifier, public_key, vkey.strip())


def message(body: str, timestamp: int) -> bytes:
    """The bytes a ``cosignature/v1`` signs: header line, time line, then the checkpoint text."""
    return f"{HEADER}time {timestamp}\n{body}".encode()


def cosigner_key(name: str, key: Ed25519PublicKey) -> str:
    return verifier_key(name, key, COSIGNATURE_V1)


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line (with its newline) of ``key`` named ``name`` on the checkpoint ``body``."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is outside 0 … 2^63-1")
    identifier = key_id(name, raw_public_key(key.public_key()), COSIGNATURE_V1)
    signature = key.sign(message(body, timestamp))
    blob = identifier + timestamp.to_bytes(8, "big") + signature
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def open_cosignature(line: str, body: str, cosigner: Cosigner) -> int:
    """Check the cosignature ``line`` by ``cosigner`` over the checkpoint ``body``; return its time."""
    name, blob = signature_line(line.removesuffix("\n"))
    if name != cosigner.name or blob[:4] != cosigner.key_id:
        raise CheckpointError(f"the line is not signed by the witness {cosigner.name}")
    if len(blob) != 4 + 8 + 64:
        raise CheckpointError("a cosignature/v1 is key id, 8-byte time and a 64-byte Ed25519 signature")
    timestamp = int.from_bytes(blob[4:12], "big")
    if timestamp > MAX_TIMESTAMP:
        raise CheckpointError(f"cosignature time {timestamp} exceeds 2^63-1")
    try:
        cosigner.public_key.verify(blob[12:], message(body, timestamp))
    except InvalidSignature:
        raise CheckpointError(f"the cosignature by {cosigner.name} does not verify") from None
    return timestamp


def signer_key(name: str, key: Ed25519PrivateKey) -> str:
    """The private key line a witness keeps (in a file only its owner may read); ``name`` is a note
    key name: not empty, no spaces, no ``+``."""
    if not name or "+" in name or any(character.isspace() for character in name):
        raise CheckpointError(f"a key name is not empty and holds no spaces or +: {name!r}")
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    identifier = key_id(name, raw_public_key(key.public_key()), COSIGNATURE_V1).hex()
    return f"{_SIGNER_PREFIX}{name}+{identifier}+{base64.b64encode(COSIGNATURE_V1 + seed).decode()}"


def parse_signer_key(text: str) -> tuple[str, Ed25519PrivateKey]:
    """Name and key of a witness's private key line, checked against its own key id."""
    if not text.startswith(_SIGNER_PREFIX):
        raise CheckpointError("a witness key begins PRIVATE+KEY+")
    try:
        name, hex_id, encoded = text.removeprefix(_SIGNER_PREFIX).strip().split("+", 2)
        blob = base64.b64decode(encoded, validate=True)
        claimed = bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise CheckpointError("a witness key is PRIVATE+KEY+<name>+<hex id>+<base64 key>") from None
    if len(blob) != 33 or blob[:1] != COSIGNATURE_V1:
        raise CheckpointError("a witness key is an Ed25519 seed of signature type 0x04")
    key = Ed25519PrivateKey.from_private_bytes(blob[1:])
    if not name or claimed != key_id(name, raw_public_key(key.public_key()), COSIGNATURE_V1):
        raise CheckpointError(f"witness key id {hex_id} does not match its name and key")
    return name, key
