from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class Product(Base):
    __tablename__ = "catalog_products"
    # Two products of one brand cannot share a SKU (NULL SKUs are distinct on both databases).
    __table_args__ = (UniqueConstraint("brand_key", "sku"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand: Mapped[str] = mapped_column(String(200))
    brand_key: Mapped[str] = mapped_column(String(200), index=True)  # case-folded for filters
    name: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str | None] = mapped_column(String(100))
    list_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    category: Mapped[str | None] = mapped_column(String(100))
    authorized_seller_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    images: Mapped[list[CatalogImage]] = relationship(
        back_populates="product", order_by="CatalogImage.id", passive_deletes=True
    )


class CatalogImage(Base):
    __tablename__ = "catalog_images"
    __table_args__ = (UniqueConstraint("product_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int]
    format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The original bytes, so moderators see exactly what was enrolled; loaded only on demand.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    product: Mapped[Product] = relationship(back_populates="images")
