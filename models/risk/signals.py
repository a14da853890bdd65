"""Plain-data inputs of the listing risk scorer.

The other domains (image matching, captions, seller reputation) produce richer objects; the
service adapts them into these small frozen dataclasses so the scorer stays a pure function
over plain data and can be exercised without any of those models loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.text.brands import BrandPrice


@dataclass(frozen=True)
class ImageMatch:
    """One listing photo matched to one enrolled (genuine) catalog image."""

    product_id: str
    brand: str | None
    confidence: float  # calibrated match confidence in [0, 1]
    catalog_image_id: str | None = None
    list_price: float | None = None
    list_currency: str | None = None
    photo_index: int | None = None  # which of the listing's photos matched


@dataclass(frozen=True)
class CaptionSpan:
    """A lexicon hit in the caption; offsets index the original caption when known."""

    category: str
    term: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class CaptionSignal:
    probability: float  # calibrated counterfeit probability of the caption
    spans: tuple[CaptionSpan, ...] = ()


@dataclass(frozen=True)
class BrandPriceSignal:
    """A brand the listing names (caption or claimed brand) at a price, against the lowest
    price a genuine new item of what it offers sells for (models/text/brands.py)."""

    brand: str
    category: str
    price: float
    currency: str
    floor_usd: float
    ratio: float  # the price in USD over the floor

    @classmethod
    def of(cls, found: BrandPrice | None) -> BrandPriceSignal | None:
        if found is None:
            return None
        return cls(brand=found.brand, category=found.category, price=found.price.amount,
                   currency=found.price.currency, floor_usd=found.floor_usd, ratio=found.ratio)


@dataclass(frozen=True)
class SellerSignal:
    """Reputation summary of the seller; `score` in [0, 1], higher is more trusted."""

    score: float
    tier: str  # new / bronze / silver / gold / warning
    confirmed_counterfeits: int = 0
    counterfeit_reports: int = 0
    feedback_count: int = 0


@dataclass(frozen=True)
class ListingSignals:
    """Everything the scorer knows about one listing.

    `None` means the signal is missing (not computed, not available), which is itself a
    feature: a hidden price or an unknown seller is information, not a neutral value.
    `photos_checked` is how many photos went through image matching; 0 means matching did
    not run, as opposed to "ran and found nothing".
    """

    matches: tuple[ImageMatch, ...] = ()
    photos_checked: int = 0
    caption: CaptionSignal | None = None
    seller: SellerSignal | None = None
    price: float | None = None
    currency: str | None = None
    claimed_brand: str | None = None
    seller_authorized_brands: frozenset[str] = field(default_factory=frozenset)
    # Only when no catalog photo identified the product (its list price is the reference then).
    brand_price: BrandPriceSignal | None = None
