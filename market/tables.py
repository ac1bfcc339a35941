"""Tables the market owns."""

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

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
