"""A platform's decision thresholds, and the append-only record of every change to them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class PlatformThresholds(Base):
    """Set by an admin; wins over TRUST_PLATFORM_RISK_THRESHOLDS (the default)."""

    __tablename__ = "platform_thresholds"

    platform_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    review: Mapped[float] = mapped_column(Float)
    block: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class PlatformThresholdChange(Base):
    """Audit: one row per change (set or reset), never updated or deleted."""

    __tablename__ = "platform_threshold_changes"
    __table_args__ = (Index("ix_platform_threshold_changes_platform_id_id", "platform_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))  # set / reset
    review: Mapped[float | None] = mapped_column(Float)
    block: Mapped[float | None] = mapped_column(Float)
    previous_review: Mapped[float] = mapped_column(Float)  # what applied before the change
    previous_block: Mapped[float] = mapped_column(Float)
    actor_key_id: Mapped[int] = mapped_column(BigId)
    actor_name: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
