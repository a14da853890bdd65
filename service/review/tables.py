"""Review items (one per flagged listing) and their append-only audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_queue_status", "queue", "status"),
        # the queue's order within a level (review.repository.queue_keyset)
        Index("ix_review_items_queue_order", "status", "queue", "level", "enqueued_at", "id"),
        Index("ix_review_items_lease_holder", "lease_holder"),  # the item a person holds
        Index("ix_review_items_platform_seller", "platform_id", "seller_id"),  # seller history
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    listing_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("listings.id", ondelete="CASCADE"), unique=True)
    listing_id: Mapped[str] = mapped_column(String(200))
    seller_id: Mapped[str] = mapped_column(String(200))
    assessment_id: Mapped[int] = mapped_column(BigId, ForeignKey("listing_assessments.id"))
    status: Mapped[str] = mapped_column(String(20))  # open / decided / withdrawn
    queue: Mapped[str] = mapped_column(String(20))  # standard / senior
    risk: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    suggested: Mapped[str] = mapped_column(String(10))  # the scorer's decision
    brand: Mapped[str | None] = mapped_column(String(200), index=True)
    # ",code1,code2," so one LIKE finds a code on every database.
    reason_codes: Mapped[str] = mapped_column(String(2000))
    lease_holder: Mapped[str | None] = mapped_column(String(100))
    lease_holder_name: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    excluded_holder: Mapped[str | None] = mapped_column(String(100))  # set by an appeal
    appeals: Mapped[int] = mapped_column(default=0)
    enqueued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReviewAudit(Base):
    """Every claim, release, decision, escalation and appeal. Rows are never changed."""

    __tablename__ = "review_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_items.id"), index=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    listing_id: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))  # "key:<id>" or "platform:<id>"
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(20))
    reason_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
