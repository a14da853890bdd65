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
class BankMatch:
    """A listing photo matched to a known-counterfeit bank entry: a photo of a listing that
    moderators removed as counterfeit, which matched no catalog photo (service/banks)."""

    entry_id: str
    confidence: float  # calibrated match confidence in [0, 1]
    bank: str  # the bank's name (its owner platform's, or an imported list's)
    photo_index: int | None = None  # which of the listing's photos matched
    review_item_id: str | None = None  # the decision the entry came from; None when imported
    decided_at: str | None = None  # ISO 8601, when that decision was made


@dataclass(frozen=True)
class SellerLink:
    """Another seller this listing's seller shares rare photos or near-identical captions
    with, who has a confirmed counterfeit (service/networks)."""

    seller: str  # the platform's own id of the linked seller: links never cross platforms
    kind: str  # photo / caption
    shared: int  # how many rare photos or captions the two share
    confirmed_counterfeits: int
    listing_id: str | None = None  # a listing of the linked seller that shares it


@dataclass(frozen=True)
class LinkedCounterfeit:
    """This listing reuses rare photos or a caption of sellers with confirmed counterfeits.
    `strength` in [0, 1] is already bounded (saturating in the links' count and evidence)."""

    strength: float
    links: tuple[SellerLink, ...] = ()


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
    # Photos matching the platform's (and its shared) known-counterfeit banks.
    bank_matches: tuple[BankMatch, ...] = ()
    # None: no link to a seller with a confirmed counterfeit (or links not computed).
    linked_counterfeit: LinkedCounterfeit | None = None
