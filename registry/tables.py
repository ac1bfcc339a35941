"""SQLAlchemy tables of the registry. Rows never leave the package: services map them to values.

Quantities are BIGINT counts of base units (10^-scale of the display unit), cash is BIGINT fen.
The schema is created only by the Alembic migrations; this module is what they are checked against.
"""

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps are stored and read back as aware UTC on both engines (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; take the time from the clock in UTC")
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class PartyRow(Base):
    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    resident_id: Mapped[str | None] = mapped_column(String(18), unique=True)
    division: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a regulator's freeze of the party


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # the user whose call issued this user's first key (and so saw it); None for the platform's own
    created_by: Mapped[str | None] = mapped_column(String(36))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a rotated key's overlap end
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # to the minute, at most


class AssetClassRow(Base):
    __tablename__ = "asset_classes"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(16))
    scale: Mapped[int] = mapped_column(Integer)
    price_basis: Mapped[str] = mapped_column(String(16))
    retirable: Mapped[bool]
    fungible_by: Mapped[list[Any] | None]
    fungible_when: Mapped[dict[str, Any] | None]
    attribute_schema: Mapped[dict[str, Any]]
    term_attribute: Mapped[str | None] = mapped_column(String(50))
    # how old a valuation may be for a pledge to be enforced at it (折价)
    valuation_max_age_days: Mapped[int] = mapped_column(Integer, server_default="365")
    identity: Mapped[dict[str, Any] | None]  # registry.identity.Identity: what names one right
    date_ranges: Mapped[list[Any] | None]  # [start, end] pairs of date attributes
    parcel_rule: Mapped[dict[str, Any] | None]  # registry.parcel_geometry.ParcelRule, for land


class RightIdentityRow(Base):
    """One row per identity of a right ever confirmed (``registry.claims``): what a confirmation locks,
    so that two confirmations of the same right never run at once."""

    __tablename__ = "right_identities"
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class InstrumentRow(Base):
    __tablename__ = "instruments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(120), unique=True)
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"))
    key: Mapped[dict[str, Any]]


class ApplicationRow(Base):
    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"))
    division: Mapped[str] = mapped_column(String(6))
    vintage: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(BigInteger)
    attributes: Mapped[dict[str, Any]]
    identity: Mapped[str | None] = mapped_column(String(64), index=True)  # Identity.key of the attributes
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    issuance_id: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IssuanceRow(Base):
    __tablename__ = "issuances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"))
    instrument_id: Mapped[str | None] = mapped_column(ForeignKey("instruments.id"), index=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    division: Mapped[str] = mapped_column(String(6))
    vintage: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(BigInteger)
    attributes: Mapped[dict[str, Any]]
    identity: Mapped[str | None] = mapped_column(String(64), index=True)  # Identity.key of the attributes
    term_end: Mapped[dt.date | None] = mapped_column(Date, index=True)
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BlockRow(Base):
    """A run of serials with one owner and one state; the rows of an issuance tile its range."""

    __tablename__ = "serial_blocks"
    __table_args__ = (
        CheckConstraint("first <= last", name="nonempty"),
        Index("ix_serial_blocks_lookup", "issuance_id", "owner_id", "state"),
        Index("ix_serial_blocks_owner", "owner_id", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    state: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64))


class MovementRow(Base):
    """One line of a party's unit statement; transfers also answer provenance questions."""

    __tablename__ = "movements"
    __table_args__ = (Index("ix_movements_party_issuance", "party_id", "issuance_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(BigInteger)  # signed: + in, - out
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    counterparty_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    reference: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RetirementRow(Base):
    __tablename__ = "retirements"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the certificate number
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    ranges: Mapped[list[Any]]
    beneficiary: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FreezeRow(Base):
    __tablename__ = "freezes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    ranges: Mapped[list[Any]]
    reason: Mapped[str] = mapped_column(Text)
    regulator_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CashAccountRow(Base):
    __tablename__ = "cash_accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= balance", name="reserved_within_balance"),
    )
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    reserved: Mapped[int] = mapped_column(BigInteger)


class SettlementBankRow(Base):
    """The bank a party names to serve its cash account (存管银行): the one bank that may confirm its
    deposits and withdrawals. The party changes it; a party without one receives and pays out no cash
    through a bank."""

    __tablename__ = "settlement_banks"
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    designated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CashMovementRow(Base):
    __tablename__ = "cash_movements"
    __table_args__ = (UniqueConstraint("bank_id", "reference"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed fen
    balance_after: Mapped[int] = mapped_column(BigInteger)
    bank_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))  # for deposits and withdrawals
    counterparty_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))  # for payments
    reference: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ValuationRow(Base):
    """An appraisal of a whole issuance (评估), valid from ``valued_on`` until ``valid_until``."""

    __tablename__ = "valuations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"), index=True)
    appraiser: Mapped[str] = mapped_column(String(200))
    appraiser_credit_code: Mapped[str] = mapped_column(String(18))
    method: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(BigInteger)  # fen
    valued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PledgeRow(Base):
    """A pledge (质押) of an owner's units to a bank: requested by the owner, registered by the bank
    (the units become pledged), then released on repayment or, after default and the notice its terms
    set, enforced. A junior pledge (rank 2) rides on the units of its senior, with the senior bank's
    leave."""

    __tablename__ = "pledges"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    loan: Mapped[int] = mapped_column(BigInteger)  # fen, the amount secured
    loan_term_end: Mapped[dt.date] = mapped_column(Date)  # the loan's due date
    rank: Mapped[int] = mapped_column(Integer)
    senior_id: Mapped[str | None] = mapped_column(String(36))
    allows_junior: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), index=True)
    enforcement: Mapped[str | None] = mapped_column(String(16))  # registry.pledges.Enforcement
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the terms on default, and the default once the bank records it (registry.pledges)
    notice_days: Mapped[int] = mapped_column(Integer, server_default="15")
    early_default_allowed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    default_cause: Mapped[str | None] = mapped_column(String(16))
    defaulted_on: Mapped[dt.date | None] = mapped_column(Date)
    enforceable_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_value: Mapped[int | None] = mapped_column(BigInteger)  # fen, of the pledged units
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    enforced_value: Mapped[int | None] = mapped_column(BigInteger)  # fen, the units taken at (折价)


class ClaimRow(Base):
    """A bank's unsecured claim on a pledge's owner: what the pledged units, taken at their value,
    did not cover of the secured amount."""

    __tablename__ = "unsecured_claims"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    pledge_id: Mapped[str] = mapped_column(ForeignKey("pledges.id"), unique=True)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # fen
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PartyLinkRow(Base):
    """A declared relation between two parties — a shared legal representative, controller or
    beneficial owner — from which surveillance draws the related-party graph."""

    __tablename__ = "party_links"
    party_a: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    party_b: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    declared_by: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProposalRow(Base):
    """A regulator's decision awaiting a second regulator (four-eyes): a freeze, or the confirmation
    of an issuance above its class's threshold."""

    __tablename__ = "proposals"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    action: Mapped[str] = mapped_column(String(24))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    proposed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str | None] = mapped_column(String(36))  # what the approval made: freeze, issuance…
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ContractRow(Base):
    """An acquisition contract (收储) between an operator (两山银行) and a depositor — a household, a
    village collective or an enterprise — over units of one issuance."""

    __tablename__ = "contracts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    depositor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(12))  # registry.contracts.ContractMode
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date, index=True)
    price: Mapped[int] = mapped_column(BigInteger)  # fen: a buy-out's price; 0 otherwise
    annual_rent: Mapped[int] = mapped_column(BigInteger)  # fen a year, paid to the depositor (lease)
    minimum_dividend: Mapped[int] = mapped_column(BigInteger)  # fen a year guaranteed (custody, co-op)
    revenue_share_bps: Mapped[int] = mapped_column(Integer)  # the depositor's share of a sale's proceeds
    end_share_bps: Mapped[int] = mapped_column(Integer)  # the depositor's share of value at term end
    floor_price: Mapped[int] = mapped_column(BigInteger)  # fen per unit: the mandate's lowest sale price
    status: Mapped[str] = mapped_column(String(12), index=True)  # registry.contracts.ContractStatus
    years_due: Mapped[int] = mapped_column(Integer)  # contract years with rent or a dividend owed
    years_paid: Mapped[int] = mapped_column(Integer)  # of those, the years paid
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ConsentRow(Base):
    """A party's consent that a named bank may ask collateral questions about one of its rights (an
    issuance) or, with no issuance, all of them, until it expires or the party revokes it."""

    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    issuance_id: Mapped[int | None] = mapped_column(ForeignKey("issuances.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ParcelRow(Base):
    """A confirmed right's boundary, indexed by its bounding box (microdegrees) so that the parcels
    near a new one are an index range, whatever the engine; ``geometry`` is its WKB. An index of the
    issuances' ``boundary`` attributes, which the ledger holds: the parcel of an issuance never changes."""

    __tablename__ = "parcels"
    __table_args__ = (Index("ix_parcels_box", "min_lon", "min_lat", "max_lon", "max_lat"),)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"), primary_key=True)
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"))
    min_lon: Mapped[int] = mapped_column(Integer)
    min_lat: Mapped[int] = mapped_column(Integer)
    max_lon: Mapped[int] = mapped_column(Integer)
    max_lat: Mapped[int] = mapped_column(Integer)
    lon_span: Mapped[int] = mapped_column(Integer, index=True)  # max_lon - min_lon: bounds the search
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
