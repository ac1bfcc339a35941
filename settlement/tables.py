"""Ledger tables: the stored canonical entries, the completed Merkle nodes, the head row, the indexes
of what each entry concerns, the regulators' read-all grants and the witnesses' cosignatures of
checkpoints; and what follows the ledger for its parties: each user's read mark of its notifications,
webhook subscriptions and their deliveries.

The head row is the append lock: every writer updates it, so appends are serialised per ledger (on
PostgreSQL by the row lock, on SQLite by the database write lock) and ``seq`` has no gaps or forks.
"""

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.tables import ID, Base, UTCDateTime

VKEY_LENGTH = 300  # a C2SP verifier key: name, 8 hex digits, 44 base64 characters
LINE_LENGTH = 420  # a cosignature line: "— ", a key name, a space, base64 of 76 bytes


class LedgerHeadRow(Base):
    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    last_leaf: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)  # (level byte ‖ 32-byte hash)*
    # The verifier key of the signing key the latest ``ledger.key_rotated`` entry handed over to; None
    # until the first rotation. A server holding another key refuses to sign.
    verifier_key: Mapped[str | None] = mapped_column(String(VKEY_LENGTH))


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    canonical: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerSubjectRow(Base):
    """Which entries concern which issuance, so the entries that determine a right's state (for a
    bank's attestation) are found without reading the whole ledger."""

    __tablename__ = "ledger_subjects"
    issuance: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class LedgerPartyRow(Base):
    """Which entries name which party (as actor or in the body), so the entries a party may read
    are found by index, not by reading every body."""

    __tablename__ = "ledger_parties"
    party: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class LedgerGrantRow(Base):
    """A regulator's grant to an auditor (a party) to read every entry, until it expires or is
    revoked."""

    __tablename__ = "ledger_grants"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    auditor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    granted_by: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))


class LedgerNodeRow(Base):
    """A completed perfect subtree, keyed by ``level · 2^48 + index`` so that any set of them is one
    primary-key ``IN`` lookup with a statement of one shape."""

    __tablename__ = "ledger_nodes"
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCosignatureRow(Base):
    """A witness's cosignature (C2SP ``tlog-cosignature``) of the checkpoint of ``size`` entries, the
    newest it sent. Not a ledger entry: an entry would grow the ledger past the checkpoint it cosigns."""

    __tablename__ = "ledger_cosignatures"
    witness: Mapped[str] = mapped_column(String(VKEY_LENGTH), primary_key=True)  # its verifier key
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # POSIX seconds, as the cosignature states
    line: Mapped[str] = mapped_column(String(LINE_LENGTH))  # the note signature line, as sent


NODE_INDEX_BITS = 48  # 2^48 leaves: far beyond any ledger, and keys stay unique below 2^63


def node_key(level: int, index: int) -> int:
    return (level << NODE_INDEX_BITS) | index


class NotificationMarkRow(Base):
    """How far a user has read its party's notifications: every entry up to ``read_through`` is read.
    The notifications themselves are the ledger's entries (``settlement.notifications``)."""

    __tablename__ = "notification_marks"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    read_through: Mapped[int] = mapped_column(BigInteger)


URL_LENGTH = 2000  # an endpoint's address, as browsers and most servers bound it


class WebhookRow(Base):
    """A party's subscription: the entries naming it (of ``kinds``, or all) are POSTed to ``url``,
    signed with its secret, which is kept sealed (``settlement.sealing``), never in clear. ``cursor``
    is the next ledger position the dispatcher looks at."""

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    kinds: Mapped[list[str] | None] = mapped_column(JSON)
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # nonce ‖ AES-256-GCM ciphertext and tag
    cursor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(ID)  # the user who subscribed


ERROR_LENGTH = 200


class WebhookDeliveryRow(Base):
    """One entry's delivery to one subscription: its attempts and how the last one went."""

    __tablename__ = "webhook_deliveries"
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed (given up)
    attempts: Mapped[int] = mapped_column(Integer)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the endpoint's HTTP status
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))  # no answer: why
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
