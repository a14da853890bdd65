from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
)

Brand = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SellerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Price = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                            pattern=r"^[A-Za-z]{3}$")]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: Brand
    name: Name
    sku: Sku | None = None
    list_price: Price
    currency: Currency
    category: Category | None = None
    authorized_seller_ids: list[SellerId] = Field(default_factory=list, max_length=10_000)

    @field_validator("authorized_seller_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ProductPatch(BaseModel):
    """Only the fields sent are changed; null clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    brand: Brand | None = None
    name: Name | None = None
    sku: Sku | None = None
    list_price: Price | None = None
    currency: Currency | None = None
    category: Category | None = None
    authorized_seller_ids: list[SellerId] | None = Field(default=None, max_length=10_000)


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    sha256: str
    byte_size: int
    format: str
    width: int
    height: int
    created_at: dt.datetime


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    brand: str
    name: str
    sku: str | None
    list_price: Decimal
    currency: str
    category: str | None
    authorized_seller_ids: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @field_serializer("list_price")
    def _price_as_number(self, value: Decimal) -> float:
        return float(value)


class ProductDetail(ProductOut):
    images: list[ImageOut]


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class ImageWarning(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. `low_detail`")
    message: str


class UploadedImage(ImageOut):
    created: bool = Field(description="false when these exact bytes were already enrolled")
    warnings: list[ImageWarning] = Field(
        default_factory=list,
        description="the image is stored, but matching reposts of it will be unreliable")


class ImageUploadResult(BaseModel):
    images: list[UploadedImage]
