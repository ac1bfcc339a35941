"""C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes, Ed25519 (signature type 0x01).

A checkpoint commits to a tree size and root under the log's origin; the note signature lets anyone
with the verifier key check it offline. Other signers (witnesses) may add signature lines; a verifier
checks the one whose name and key id match its key and ignores the rest, as the spec asks.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space begin every signature line


class CheckpointError(ValueError):
    """A note or checkpoint that is malformed or not signed by the expected key."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def key_id(name: str, public_key: bytes, signature_type: bytes = ED25519) -> bytes:
    """C2SP signed-note key id: SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + signature_type + public_key).digest()[:4]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def verifier_key(name: str, key: Ed25519PublicKey, signature_type: bytes = ED25519) -> str:
    """The C2SP verifier key string ``<name>+<hex key id>+<base64(type ‖ key)>``."""
    raw = raw_public_key(key)
    encoded = base64.b64encode(signature_type + raw).decode()
    return f"{name}+{key_id(name, raw, signature_type).hex()}+{encoded}"


def parse_verifier_key(text: str, signature_type: bytes = ED25519) -> tuple[str, bytes, Ed25519PublicKey]:
    """Return the name, key id and public key of a verifier key string of ``signature_type``."""
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        blob = base64.b64decode(encoded, validate=True)
        claimed = bytes.fromhex(hex_id)
    except (ValueError, binascii.Error) as exc:
        raise CheckpointError(f"verifier key is not <name>+<hex id>+<base64 key>: {exc}") from None
    if len(blob) != 33 or blob[:1] != signature_type:
        raise CheckpointError(
            f"verifier key is not an Ed25519 key of signature type 0x{signature_type.hex()}"
        )
    if not name or claimed != key_id(name, blob[1:], signature_type):
        raise CheckpointError(f"verifier key id {hex_id} does not match its name and key")
    return name, claimed, Ed25519PublicKey.from_public_bytes(blob[1:])


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    body = checkpoint.body()
    signature = key.sign(body.encode())
    blob = key_id(name, raw_public_key(key.public_key())) + signature
    return f"{body}\n{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The note's text (with its final newline) and its signatures as (key name, key id ‖ signature)."""
    body, separator, signatures = note.partition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("note has no blank line before its signatures")
    return body + "\n", [signature_line(line) for line in signatures[:-1].split("\n")]


def signature_line(line: str) -> tuple[str, bytes]:
    """Key name and decoded ``key id ‖ signature`` of one ``— <name> <base64>`` line."""
    signer, _, encoded = line.removeprefix(SIGNATURE_PREFIX).rpartition(" ")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        blob = b""
    if not line.startswith(SIGNATURE_PREFIX) or not signer or " " in signer or len(blob) < 5:
        raise CheckpointError(f"malformed signature line {line[:80]!r}")
    return signer, blob


def open_note(note: str, verifier: str) -> Checkpoint:
    """Check ``note`` against ``verifier`` and return the checkpoint it carries."""
    name, expected_id, public_key = parse_verifier_key(verifier)
    body, signatures = split_note(note)
    for signer, blob in signatures:
        if signer != name or blob[:4] != expected_id:
            continue
        try:
            public_key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise CheckpointError(f"signature by {name} does not verify") from None
        return parse_body(body)
    raise CheckpointError(f"note carries no signature by {name}")


def parse_body(body: str) -> Checkpoint:
    """The checkpoint a note's text states; its signature is the caller's to check."""
    lines = body.split("\n")
    if len(lines) < 4 or not lines[0] or not (lines[1].isascii() and lines[1].isdigit()) or lines[-1]:
        raise CheckpointError("checkpoint body is not origin, size, root")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        root = b""
    if len(root) != 32:
        raise CheckpointError("checkpoint root is not a SHA-256 hash")
    return Checkpoint(origin=lines[0], size=int(lines[1]), root=root)
