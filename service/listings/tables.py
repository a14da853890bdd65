"""Listings as platforms sent them, and every assessment version computed for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("platform_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    listing_id: Mapped[str] = mapped_column(String(200))
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    current_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ListingAssessment(Base):
    """One scoring of one version of a listing's content; never updated once written."""

    __tablename__ = "listing_assessments"
    __table_args__ = (
        UniqueConstraint("listing_pk", "version"),
        Index("ix_listing_assessments_listing_pk_content_hash", "listing_pk", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_pk: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    risk: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    decision: Mapped[str] = mapped_column(String(10))
    brand: Mapped[str | None] = mapped_column(String(200))
    reason_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full response body
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
