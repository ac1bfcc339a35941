"""Signing-key rotation as a ledger entry: the outgoing key signs the handover to the incoming one.

The outgoing key signs exactly these bytes (UTF-8)::

    liangshan key rotation/v1\\n
    <incoming verifier key>\\n
    <origin>\\n<size>\\n<base64 root>\\n

— a context line, the incoming key's C2SP verifier key, then the C2SP checkpoint text of the tree of
the ``size`` entries before the rotation entry. So the handover is bound to one place in one history:
it cannot be replayed elsewhere in the log or in another log, and it says, under the old key, what the
tree looked like when the key changed (a witness checks that as it checks a checkpoint). Its second
line is a verifier key, never a tree size, so it can never pass for a checkpoint note's signature, nor
for an attestation's (whose prefix differs).

A verifier pinned to a key follows the chain of ``ledger.key_rotated`` entries from it: each must be
signed by the key current before it; checkpoints after the last are signed by its key.
"""

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.events import LedgerKeyRotated
from settlement.checkpoint import Checkpoint, CheckpointError, parse_verifier_key

CONTEXT = "liangshan key rotation/v1\n"


def message(incoming: str, before: Checkpoint) -> bytes:
    return f"{CONTEXT}{incoming}\n{before.body()}".encode()


def hand_over(
    outgoing: Ed25519PrivateKey, previous: str, incoming: str, before: Checkpoint
) -> LedgerKeyRotated:
    """The rotation event, signed by ``outgoing`` (whose verifier key is ``previous``)."""
    signature = outgoing.sign(message(incoming, before))
    return LedgerKeyRotated(
        key=incoming,
        previous=previous,
        size=before.size,
        root=base64.b64encode(before.root).decode(),
        signature=base64.b64encode(signature).decode(),
    )


def check(rotation: LedgerKeyRotated, before: Checkpoint, current: str) -> None:
    """Check that ``rotation`` hands over from ``current`` (the key then in force), names the tree
    ``before`` it and is signed by its ``previous`` key; raise ``CheckpointError`` saying what is
    wrong."""
    if rotation.previous != current:
        raise CheckpointError(f"the handover is from {rotation.previous}, but the key then was {current}")
    name, _, public_key = parse_verifier_key(rotation.previous)
    incoming, _, _ = parse_verifier_key(rotation.key)  # a key checkpoints can be checked against
    if name != before.origin or incoming != before.origin:
        raise CheckpointError(f"the keys are named {name} and {incoming}, not both {before.origin}")
    if rotation.size != before.size or rotation.root != base64.b64encode(before.root).decode():
        raise CheckpointError(
            f"names the tree of size {rotation.size} and root {rotation.root}; the entries before it "
            f"are {before.size} with root {base64.b64encode(before.root).decode()}"
        )
    try:
        public_key.verify(base64.b64decode(rotation.signature, validate=True), message(rotation.key, before))
    except (InvalidSignature, binascii.Error, ValueError):
        raise CheckpointError(f"the handover is not signed by the outgoing key {rotation.previous}") from None
