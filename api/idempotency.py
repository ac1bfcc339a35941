"""Idempotency-Key for creating calls: a retry returns the first answer and does nothing twice.

The stored answer is written in the same transaction as the change it describes, so either both
exist or neither does. A key reused with a different request body is refused (422), as the IETF
draft on the header recommends.
"""

import datetime as dt
import hashlib

from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from registry.errors import InvalidInput
from registry.tables import Base, UTCDateTime

MAX_KEY_LENGTH = 200


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IdempotencyKeyReused(InvalidInput):
    title = "Idempotency key reused"
    template = "this key was already used for a different request"


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def recall(session: AsyncSession, user_id: str, key: str, digest: str) -> IdempotencyRow | None:
    """The stored answer for this key, or None; refuse a key reused for a different request. (The key's
    length is the header's bound, checked at the edge.)"""
    query = select(IdempotencyRow).where(IdempotencyRow.user_id == user_id, IdempotencyRow.key == key)
    row = (await session.execute(query)).scalar()
    if row is not None and row.request_hash != digest:
        raise IdempotencyKeyReused("Idempotency-Key")
    return row
