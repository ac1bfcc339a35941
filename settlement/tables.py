"""Ledger tables: the stored canonical entries, the completed Merkle nodes, the head row, the indexes
of what each entry concerns, and the regulators' read-all grants.

The head row is the append lock: every writer updates it, so appends are serialised per ledger (on
PostgreSQL by the row lock, on SQLite by the database write lock) and ``seq`` has no gaps or forks.
"""

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.tables import ID, Base, UTCDateTime


class LedgerHeadRow(Base):
    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    last_leaf: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)  # (level byte ‖ 32-byte hash)*


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


NODE_INDEX_BITS = 48  # 2^48 leaves: far beyond any ledger, and keys stay unique below 2^63


def node_key(level: int, index: int) -> int:
    return (level << NODE_INDEX_BITS) | index
