from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class SellerFeedback(Base):
    """One buyer's feedback on one order. The buyer appears only as a keyed pseudonym."""

    __tablename__ = "seller_feedback"
    __table_args__ = (UniqueConstraint("platform_id", "order_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[str] = mapped_column(String(200))
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    buyer_key: Mapped[str] = mapped_column(String(40), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    as_described: Mapped[bool | None] = mapped_column(Boolean)
    counterfeit_suspected: Mapped[bool] = mapped_column(Boolean, default=False)
    order_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "platform": the platform attests the order; "public_form": anonymous, unverified.
    source: Mapped[str] = mapped_column(String(20))
    verified_order: Mapped[bool] = mapped_column(Boolean)
    # What was known about the buyer when the feedback arrived, frozen so later activity cannot
    # retroactively make a throw-away account look established.
    buyer_first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    buyer_orders_other: Mapped[int] = mapped_column(default=0)
    buyer_sellers_other: Mapped[int] = mapped_column(default=0)
    buyer_account_created: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the submitted fields: a retry matches it, a conflicting duplicate does not.
    fingerprint: Mapped[str] = mapped_column(String(64))


class ConfirmedCounterfeit(Base):
    """A moderator's decision that a seller sold a counterfeit (idempotent per reference)."""

    __tablename__ = "seller_confirmed_counterfeits"
    __table_args__ = (UniqueConstraint("seller_id", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    reference: Mapped[str] = mapped_column(String(200))  # e.g. "review:17" or a listing id
    platform_id: Mapped[str | None] = mapped_column(String(100))
    order_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    confirmed_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
