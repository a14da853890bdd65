"""Listings as platforms sent them, and every assessment version computed for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("platform_id", "listing_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    listing_id: Mapped[str] = mapped_column(String(200))
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    current_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ListingAssessment(Base):
    """One scoring of one version of a listing's content. Its scores never change once
    written; only `result["image_check"]` moves from pending to complete when the deep check
    of its photos finishes (a deep check that finds matches writes a new version instead)."""

    __tablename__ = "listing_assessments"
    __table_args__ = (
        UniqueConstraint("listing_pk", "version"),
        Index("ix_listing_assessments_listing_pk_content_hash", "listing_pk", "content_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_pk: Mapped[int] = mapped_column(BigId, ForeignKey("listings.id", ondelete="CASCADE"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    risk: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    decision: Mapped[str] = mapped_column(String(10))
    brand: Mapped[str | None] = mapped_column(String(200))
    reason_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full response body
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListingDeepCheck(Base):
    """The keypoint ("local") matching stage of a listing's photos, run after the response.

    The database, not the queue, is the record of this work (as for batch jobs): the row and
    its photos commit in the transaction that stores the assessment it completes, a queue
    carries only its id, and a runner holds it with an expiring lock, so a runner killed
    mid-check leaves it pending for the queue's retry or the next start-up.
    """

    __tablename__ = "listing_deep_checks"
    __table_args__ = (Index("ix_listing_deep_checks_status_backend", "status", "backend"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_pk: Mapped[int] = mapped_column(BigId, ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    # The hash-stage assessment this check completes.
    assessment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("listing_assessments.id", ondelete="CASCADE"), unique=True)
    backend: Mapped[str] = mapped_column(String(20))  # rq / inprocess
    status: Mapped[str] = mapped_column(String(20))  # pending / done / failed
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the listing fields, to re-score with
    photo_count: Mapped[int]
    # photo index -> the matches the request found (hash stage, cached local results)
    request_matches: Mapped[dict[str, Any]] = mapped_column(JSON)
    runs: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # no_new_matches / rescored / superseded (the listing's content changed meanwhile)
    outcome: Mapped[str | None] = mapped_column(String(20))
    result_version: Mapped[int | None]  # the assessment version a re-score created
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ListingDeepCheckPhoto(Base):
    """A photo waiting for its deep check; the bytes are deleted once the check is done."""

    __tablename__ = "listing_deep_check_photos"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    check_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("listing_deep_checks.id", ondelete="CASCADE"), index=True)
    photo_index: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ListingPhoto(Base):
    """A flagged listing's photo as sent (one row per content version and photo), kept so a
    moderator sees the evidence; read only through the console's authenticated route."""

    __tablename__ = "listing_photos"
    __table_args__ = (UniqueConstraint("listing_pk", "content_hash", "photo_index"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_pk: Mapped[int] = mapped_column(BigId, ForeignKey("listings.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    photo_index: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
