"""Standard Webhooks (https://www.standardwebhooks.com, spec v1): the secret's form and the signature
headers a receiver checks, so that it can use any Standard Webhooks library, or a few lines of HMAC.

- the secret is 32 random bytes, shown as ``whsec_`` followed by their base64;
- ``webhook-id`` names the message, the same on every retry (receivers drop duplicates by it);
- ``webhook-timestamp`` is the attempt's time in whole POSIX seconds (receivers refuse stale ones);
- ``webhook-signature`` is ``v1,`` and the base64 of HMAC-SHA256, keyed by the secret's bytes, over
  ``{webhook-id}.{webhook-timestamp}.{body}``.

Pure: no clock, no randomness but the secret handed in.
"""

import base64
import datetime as dt
import hashlib
import hmac

PREFIX = "whsec_"
SECRET_BYTES = 32
VERSION = "v1"


def show(secret: bytes) -> str:
    """The secret as the subscriber is given it, once."""
    return PREFIX + base64.b64encode(secret).decode()


def message_id(webhook: str, seq: int) -> str:
    """The ``webhook-id`` of ledger entry ``seq`` sent to subscription ``webhook``: the same on every
    attempt, different for every message."""
    return f"msg_{webhook}_{seq}"


def headers(secret: bytes, message: str, at: dt.datetime, body: bytes) -> dict[str, str]:
    """The three headers that let the receiver authenticate ``body``, sent at ``at``."""
    stamp = str(int(at.timestamp()))
    signed = message.encode() + b"." + stamp.encode() + b"." + body
    signature = base64.b64encode(hmac.digest(secret, signed, hashlib.sha256)).decode()
    return {"webhook-id": message, "webhook-timestamp": stamp, "webhook-signature": f"{VERSION},{signature}"}
