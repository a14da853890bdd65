"""What sellers post (prints), grouped by near-identity, with the keys that find a group.

A group is one photo (or one caption) as the platform has seen it, whoever posted it and
however recompressed: its representative code is the first print's; later prints join the
nearest group within the rules' distance (models/networks/rules.py). Only groups carry
bucket keys, so a photo posted ten thousand times is one entry to search, not ten thousand.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime

PHOTO, CAPTION = "photo", "caption"  # the kinds of print and group


class NetworkGroup(Base):
    __tablename__ = "network_groups"
    # Two listings posting the same file at once end in one group (service/networks/recording).
    __table_args__ = (UniqueConstraint("platform_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # photo / caption
    # photo: PDQ (32 bytes) then pHash (8); caption: the MinHash signature
    code: Mapped[bytes] = mapped_column(LargeBinary)
    # Distinct sellers who posted it, counted up to service.networks.service.SELLERS_KEPT.
    sellers: Mapped[int] = mapped_column(Integer, default=0)
    # A print in it matched a catalog photo: an official photo, which never links anyone.
    catalog: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class NetworkGroupKey(Base):
    """An LSH band key of a caption group (models/networks/captions.band_keys). Photo
    groups have none: they are searched in process by their pHash
    (service/networks/runtime.py). The lookup index holds every column a search reads."""

    __tablename__ = "network_group_keys"
    __table_args__ = (Index("ix_network_group_keys_lookup", "platform_id", "kind", "key",
                            "group_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[int] = mapped_column(BigId)


class NetworkMember(Base):
    """A seller who posted the group's photo or caption (one row per seller and group)."""

    __tablename__ = "network_members"
    __table_args__ = (UniqueConstraint("group_id", "seller_id"),
                      Index("ix_network_members_seller", "seller_id", "group_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="CASCADE"))
    seller_id: Mapped[str] = mapped_column(String(200))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class NetworkPrint(Base):
    """One photo or the caption of one scored listing, as its print."""

    __tablename__ = "network_prints"
    __table_args__ = (Index("ix_network_prints_seller", "platform_id", "seller_id", "id"),
                      Index("ix_network_prints_group", "group_id", "seller_id"),
                      Index("ix_network_prints_listing", "platform_id", "listing_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    seller_id: Mapped[str] = mapped_column(String(200))
    listing_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # photo / caption
    photo_index: Mapped[int | None] = mapped_column(Integer)
    pdq: Mapped[bytes | None] = mapped_column(LargeBinary)  # photos: 32 bytes
    phash: Mapped[bytes | None] = mapped_column(LargeBinary)  # photos: 8 bytes
    quality: Mapped[int | None] = mapped_column(Integer)  # photos: PDQ quality
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # captions: MinHash
    catalog: Mapped[bool] = mapped_column(Boolean, default=False)  # matched a catalog photo
    # None: a print that can link nobody (a flat photo, a caption too short to tell)
    group_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class NetworkVariantView(Base):
    """One enrolment view (models/networks/variants.variant_views: crops, mirror, filters,
    feed crops) of a photo group posted by many sellers, so that its edited copies (deeper
    crops, screenshots) are known as the same photo when popularity is counted
    (service/networks/recording.py); or, marked ``content``, one content region
    (models/networks/content.py) of a screenshot group few sellers share, so that the photo
    it shows is known as the same photo once it is posted. The id orders the rows every
    process follows into its in-process index."""

    __tablename__ = "network_variant_views"
    __table_args__ = (Index("ix_network_variant_views_group", "group_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(100))
    view: Mapped[str] = mapped_column(String(40))
    phash: Mapped[bytes] = mapped_column(LargeBinary)  # 8 bytes
    pdq: Mapped[bytes] = mapped_column(LargeBinary)  # 32 bytes
    quality: Mapped[int] = mapped_column(Integer)
    content: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NetworkVariant(Base):
    """Two photo groups that are edits of one photo (stored both ways): a photo's
    popularity counts the sellers of every variant."""

    __tablename__ = "network_variants"
    __table_args__ = (UniqueConstraint("group_id", "variant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network_groups.id", ondelete="CASCADE"))
