"""Tables the market owns."""

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market import engine as e
from registry.tables import ID, Base, UTCDateTime


class OfferRow(Base):
    """A negotiated transfer (协议转让): a seller's offer to one named buyer, open until a deadline."""

    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)  # fen per display unit (per year for unit_year)
    value: Mapped[int] = mapped_column(BigInteger)  # fen, as the buyer will pay it
    status: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    trade_id: Mapped[str | None] = mapped_column(String(36))
    years: Mapped[int] = mapped_column(Integer)


class MarketRulesRow(Base):
    """What an instrument's book accepts, and whether it trades; an instrument without a row trades
    under the defaults (tick 0.01 CNY, lot of one base unit), and without a band of its own
    (``band_bps`` None) in its asset class's (``ClassBandRow``)."""

    __tablename__ = "market_rules"
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"), primary_key=True)
    tick: Mapped[int] = mapped_column(BigInteger)  # fen
    lot: Mapped[int] = mapped_column(BigInteger)  # base units
    min_quantity: Mapped[int] = mapped_column(BigInteger)
    max_quantity: Mapped[int] = mapped_column(BigInteger)
    band_bps: Mapped[int | None] = mapped_column(Integer)
    reference_price: Mapped[int | None] = mapped_column(BigInteger)  # fen; the band's centre
    halted: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reference_set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # until a later close


class ClassBandRow(Base):
    """The price band (basis points either side of the reference price) that an asset class's
    instruments trade in until the registrar sets one of their own."""

    __tablename__ = "class_bands"
    asset_class: Mapped[str] = mapped_column(ForeignKey("asset_classes.code"), primary_key=True)
    band_bps: Mapped[int] = mapped_column(Integer)


class Side(StrEnum):
    """An order's side; every order term takes its value from the matching engine's own constants."""

    BUY = e.BUY
    SELL = e.SELL


class TimeInForce(StrEnum):
    GTC = e.GTC
    DAY = e.DAY  # until midnight China Standard Time
    GTD = e.GTD  # until the order's expires_at
    IOC = e.IOC
    FOK = e.FOK


class SelfTrade(StrEnum):
    """What happens when an order would trade with its own party's resting order."""

    CANCEL_NEWEST = e.CANCEL_NEWEST
    CANCEL_OLDEST = e.CANCEL_OLDEST
    CANCEL_BOTH = e.CANCEL_BOTH
    DECREMENT = e.DECREMENT


class OrderStatus(StrEnum):
    """An order's status (``OrderRow.status``): open, then filled, cancelled or expired."""

    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class OrderRow(Base):
    """An order on an instrument's book; the open ones, in ``priority`` order, are the book."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_book", "instrument_id", "status", "priority"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"))
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    side: Mapped[str] = mapped_column(String(4))
    price: Mapped[int | None] = mapped_column(BigInteger)  # fen; None for a market order
    quantity: Mapped[int] = mapped_column(BigInteger)  # as entered (or last amended)
    remaining: Mapped[int] = mapped_column(BigInteger)
    filled: Mapped[int] = mapped_column(BigInteger)
    tif: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    self_trade: Mapped[str] = mapped_column(String(16))
    issuance_id: Mapped[int | None] = mapped_column(ForeignKey("issuances.id"))  # what a sell delivers
    cash_per_lot: Mapped[int] = mapped_column(BigInteger)  # fen a buy holds per lot still open
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[int] = mapped_column(BigInteger)  # time priority; renewed when lost on amend
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FillRow(Base):
    """One execution on a book, settled delivery versus payment with its ledger entry: the tape."""

    __tablename__ = "fills"
    __table_args__ = (Index("ix_fills_tape", "instrument_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_id: Mapped[str] = mapped_column(ID, unique=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"))
    buy_order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    sell_order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(BigInteger)
    buyer_fee: Mapped[int] = mapped_column(BigInteger)
    seller_fee: Mapped[int] = mapped_column(BigInteger)
    aggressor: Mapped[str | None] = mapped_column(String(4))  # None in a call auction
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ListingRow(Base):
    """Units listed (挂牌) for sale at a fixed price or by auction (竞价); they stay reserved under the
    listing's id until it is sold, fails (流拍) or is cancelled. One item is priced per unit; a
    package (资产包) of several is priced whole."""

    __tablename__ = "listings"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    package: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(8))  # market.listings.ListingMode
    price: Mapped[int] = mapped_column(BigInteger)  # fen: the fixed price or the start price
    increment: Mapped[int] = mapped_column(BigInteger)  # fen; english only
    reserve_price: Mapped[int | None] = mapped_column(BigInteger)
    reserve_public: Mapped[bool] = mapped_column(Boolean)
    deposit: Mapped[int] = mapped_column(BigInteger)  # 保证金, fen, held from each registered bidder
    extension_minutes: Mapped[int] = mapped_column(Integer)  # anti-sniping; english only
    pledge_id: Mapped[str | None] = mapped_column(String(36))  # a forced sale of these pledged units
    contract_id: Mapped[str | None] = mapped_column(String(36))  # a sale under an operator's mandate
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ListingItemRow(Base):
    """Units of one issuance in a listing."""

    __tablename__ = "listing_items"
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    issuance_id: Mapped[int] = mapped_column(ForeignKey("issuances.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    scale: Mapped[int] = mapped_column(Integer)  # of its asset class, so views need no lookup
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))  # the seller, or a depositor
    contract_id: Mapped[str | None] = mapped_column(String(36))  # the mandate a depositor's units sell under
    value: Mapped[int | None] = mapped_column(BigInteger)  # fen: its share of the latest valuation


class BidderRow(Base):
    """A party registered to bid on a listing, and the cash held for it there (deposit and bid)."""

    __tablename__ = "listing_bidders"
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    held: Mapped[int] = mapped_column(BigInteger)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BidRow(Base):
    """A bid (per unit for one item, whole for a package); a party's latest bid on a sealed listing
    replaces its earlier one."""

    __tablename__ = "listing_bids"
    __table_args__ = (Index("ix_listing_bids_listing", "listing_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"))
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # market.listings.BidStatus
    allocated: Mapped[int] = mapped_column(BigInteger)
    trade_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CaseStatus(StrEnum):
    """A surveillance case's status: open, acknowledged by a regulator user, closed with a note."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class SurveillanceCaseRow(Base):
    """An alert surveillance raised, kept as a case a regulator works: ``natural_key`` (a hash of what
    it is about) makes raising it again a no-op. The trades, parties and path are kept as they were
    seen, names beside ids; who acknowledged and closed it is recorded here, not in the ledger."""

    __tablename__ = "surveillance_cases"
    __table_args__ = (Index("ix_surveillance_cases_filter", "status", "kind", "market"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    market: Mapped[str] = mapped_column(String(64))  # an instrument's id, or issuance-N for a unique right
    symbol: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text)
    trades: Mapped[list[Any]]
    parties: Mapped[list[Any]]
    path: Mapped[list[Any] | None]
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(36))  # the regulator user
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(36))
    closed_by_name: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
