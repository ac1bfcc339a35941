"""An outsider's verifier, written from RFC 9162, RFC 8785 and the C2SP specs with none of our code.

It imports nothing from the project: only the standard library, ``cryptography`` for Ed25519 and
the ``rfc8785`` package for canonical JSON. The tests feed it what the server serves.
"""

import base64
import hashlib
import json

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively, over the raw entries."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return _h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """C2SP signed-note + tlog-checkpoint: return origin, size and root, or raise."""
    name, key_hash, key_b64 = vkey.strip().split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 1 and len(key) == 33
    assert _h(name.encode() + b"\n" + key)[:4].hex() == key_hash
    text, signatures = note.split("\n\n", 1)
    text += "\n"
    for line in signatures.splitlines():
        signer, blob_b64 = line.removeprefix("\u2014 ").rsplit(" ", 1)
        blob = base64.b64decode(blob_b64)
        if signer == name and blob[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], text.encode())
            origin, size, root = text.split("\n")[:3]
            return origin, int(size), base64.b64decode(root)
    raise AssertionError("no signature by the key")


def check_entries(lines: list[bytes], origin: str) -> None:
    prev = "0" * 64
    for seq, raw in enumerate(lines):
        entry = json.loads(raw)
        assert rfc8785.dumps(entry) == raw, f"entry {seq} is not canonical"
        assert entry["v"] == 1 and entry["log"] == origin and entry["seq"] == seq
        assert entry["prev"] == prev, f"entry {seq} breaks the chain"
        assert entry["at"].endswith("Z") and len(entry["at"]) == 27
        prev = _h(b"\x00" + raw).hex()


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, path: list[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return path == [] and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = _h(b"\x01" + c + fr)
            sr = _h(b"\x01" + c + sr)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def verify_attestation(document: dict, vkey: str) -> dict:
    """The README's attestation contract: the signature over the context line and the RFC 8785
    bytes of ``attestation``, the checkpoint, and each evidence entry canonical and included.
    Returns the answer, or raises."""
    attestation = document["attestation"]
    assert document["key"] == vkey.strip()
    key = base64.b64decode(vkey.strip().split("+", 2)[2])
    message = b"liangshan collateral attestation v1\n" + rfc8785.dumps(attestation)
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(base64.b64decode(document["signature"]), message)
    origin, size, root = open_checkpoint(attestation["checkpoint"], vkey)
    assert origin == attestation["log"] and attestation["answer"].get("ledger_size") == size
    for item in attestation["evidence"]:
        raw = item["entry"].encode()
        entry = json.loads(raw)
        assert rfc8785.dumps(entry) == raw and entry["seq"] == item["seq"] and entry["log"] == origin
        leaf = _h(b"\x00" + raw)
        assert verify_inclusion(leaf, item["seq"], size, [bytes.fromhex(p) for p in item["path"]], root)
    return attestation["answer"]


def open_cosignature(line: str, body: str, vkey: str) -> int:
    """C2SP tlog-cosignature (Ed25519, cosignature/v1) over a checkpoint body: return its time."""
    name, key_hash, encoded = vkey.split("+", 2)
    key = base64.b64decode(encoded)
    assert key[0] == 4 and hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_hash
    signer, blob_b64 = line.removeprefix("\u2014 ").rsplit(" ", 1)
    blob = base64.b64decode(blob_b64)
    assert signer == name and blob[:4].hex() == key_hash and len(blob) == 76
    timestamp = int.from_bytes(blob[4:12], "big")
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[12:], message)
    return timestamp
