"""Enrollment hashes of catalog images, and the change log other processes follow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class MatchingHash(Base):
    """One enrollment view of one catalog image: its three hashes (and colour layout) as hex."""

    __tablename__ = "matching_hashes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    image_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_images.id", ondelete="CASCADE"), index=True)
    view: Mapped[str] = mapped_column(String(32))
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str] = mapped_column(String(16))
    pdq: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int] = mapped_column(SmallInteger)
    # colour.layout as hex, for the views in models.hashing.colour.VIEWS; NULL elsewhere.
    colour: Mapped[str | None] = mapped_column(String(384), nullable=True)


class MatchingFeatures(Base):
    """Local features (ORB keypoints of the photo and its mirror) and global descriptors
    (the photo, its mirror and its centre) of one catalog image."""

    __tablename__ = "matching_features"

    image_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_images.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # LocalFeatures.to_bytes()
    # models.descriptor.index.pack_views of the views' descriptors; NULL on rows computed by
    # an earlier pipeline version, which the service re-enrols (evidence_version differs).
    descriptors: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # models.hashing.analysis.EVIDENCE_VERSION of this image's hashes and features; rows
    # from before the column existed were computed by the first version.
    evidence_version: Mapped[str] = mapped_column(String(16), server_default="h1.l1")


class MatchingChange(Base):
    """Append-only log of enrolled/removed images; every index replica replays it by seq.

    No foreign key: the entry for a removal must outlive the image it names.
    """

    __tablename__ = "matching_changes"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    image_id: Mapped[int] = mapped_column(BigInteger, index=True)
    op: Mapped[str] = mapped_column(String(8))  # "add" or "remove"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
