"""Known-counterfeit banks, their entries (one banked photo each) and hashes, who shares
with whom, and the change log every process's in-memory index follows.

What a bank holds is what may leave the platform: hashes and decision metadata (the
review item and when it was decided). The listing id stays here for the platform's own
moderators and is never exported or shown to another platform; no seller id is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class Bank(Base):
    """A platform's own bank (named by its platform id), or a list an admin imported."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner_platform_id: Mapped[str | None] = mapped_column(String(100))  # None: admin's list
    kind: Mapped[str] = mapped_column(String(20))  # platform / imported
    # Opt-in: other platforms may subscribe to it (and then their listings are looked up in it).
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankSubscription(Base):
    """A platform looks its listings up in another bank too (only while that bank is shared)."""

    __tablename__ = "bank_subscriptions"
    __table_args__ = (UniqueConstraint("platform_id", "bank_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100))
    bank_id: Mapped[int] = mapped_column(BigId, ForeignKey("banks.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankEntry(Base):
    """One banked photo: from a moderator's counterfeit removal, or from an imported list."""

    __tablename__ = "bank_entries"
    __table_args__ = (UniqueConstraint("bank_id", "ref"),
                      Index("ix_bank_entries_review_item_id", "review_item_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(BigId, ForeignKey("banks.id", ondelete="CASCADE"))
    # Its name in exchanged lists: "<bank>:<id>" for a decision's photo, the list's own for
    # an imported one (so a list imported and exported again is the same list).
    ref: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # decision / import
    review_item_id: Mapped[int | None] = mapped_column(BigInteger)  # None when imported
    listing_id: Mapped[str | None] = mapped_column(String(200))  # the platform's, never shared
    # The decided listing version's content hash and the photo's place in it.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    photo_index: Mapped[int | None] = mapped_column(SmallInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # withdrawn


class BankHashRow(Base):
    """One signal of one stored view of an entry (models/banks/hashes.py)."""

    __tablename__ = "bank_hashes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True)
    view: Mapped[str] = mapped_column(String(64))
    signal_type: Mapped[str] = mapped_column(String(8))  # pdq / phash
    value: Mapped[str] = mapped_column(String(64))  # lowercase hex
    quality: Mapped[int | None] = mapped_column(SmallInteger)  # PDQ's; None when unknown
    # As imported, so the list is exported byte for byte again; None: written from the entry.
    tags: Mapped[list[Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BankChange(Base):
    """Append-only: entries added or withdrawn, and sharing changes (entry_id 0); every
    process's index replays it by seq. No foreign key: a removal outlives its entry."""

    __tablename__ = "bank_changes"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, index=True)
    op: Mapped[str] = mapped_column(String(8))  # add / remove / sharing
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
