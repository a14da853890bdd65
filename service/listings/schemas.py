from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.captions.schemas import CaptionReasonOut
from service.networks.schemas import LinkedSellerOut


class ListingFields(BaseModel):
    """Everything but the images (JSON body fields, or multipart form fields)."""

    model_config = ConfigDict(extra="ignore")
    listing_id: str = Field(min_length=1, max_length=200)
    seller_id: str = Field(min_length=1, max_length=200)
    caption: str = Field(default="", max_length=10_000)
    price: float | None = Field(default=None, ge=0, le=1e9)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    claimed_brand: str | None = Field(default=None, max_length=200)


class ReasonOut(BaseModel):
    code: str
    contribution: float = Field(description="log-odds relative to a clean listing")
    evidence: dict[str, Any]


class ImageMatchOut(BaseModel):
    photo_index: int
    catalog_image_id: int
    product_id: int
    brand: str
    confidence: float
    method: str


class CaptionOut(BaseModel):
    text: str = Field(default="", description="the caption as sent; spans index into it")
    probability: float
    label: str
    spans: list[dict[str, Any]]
    reasons: list[CaptionReasonOut] = Field(default_factory=list)


class PriceCheckOut(BaseModel):
    product_id: int | None
    brand: str | None
    list_price: float | None
    list_currency: str | None
    price: float | None
    currency: str | None
    ratio: float | None


class SellerOut(BaseModel):
    seller_id: str
    available: bool
    tier: str | None = None
    score: float | None = None
    feedback_count: int = 0
    counterfeit_reports: int = 0
    confirmed_counterfeits: int = 0


class SkippedPhotoOut(BaseModel):
    photo_index: int
    code: str = Field(description="why no matching stage could analyse it, e.g. "
                                  "image_aspect_ratio (a strip)")
    message: str


class BankMatchOut(BaseModel):
    """A photo matching a known-counterfeit bank entry: a photo of a listing moderators removed
    as counterfeit (or of an imported list), on this platform's bank or a shared one."""

    photo_index: int
    entry_id: int
    bank: str = Field(description="the bank's name: a platform's id, or an imported list's")
    confidence: float = Field(ge=0, le=1)
    review_item_id: int | None = Field(description="the decision the entry came from; null "
                                                   "for an imported list's entry")
    decided_at: str | None = Field(description="ISO 8601: when that decision was made")


class ImageCheckOut(BaseModel):
    """How far the photos were matched: the hash stage always runs in the request; photos it
    left without a match get the keypoint ("local") stage afterwards, as a deep check."""

    status: Literal["complete", "pending", "failed"]
    stages: list[str] = Field(description="matching stages whose results this assessment "
                                          "includes: hash, local")
    deep_check_id: int | None = None
    pending_photos: list[int] = Field(default_factory=list,
                                      description="photo indexes waiting for the local stage")
    updated_version: int | None = Field(
        default=None, description="the newer assessment version (same content) the deep "
                                  "check's matches produced")
    skipped_photos: list[SkippedPhotoOut] = Field(
        default_factory=list, description="photos that are valid images but that no "
        "matching stage can analyse (e.g. a strip): left unmatched, the others still checked")
    bank_matches: list[BankMatchOut] = Field(
        default_factory=list, description="photos matching known-counterfeit bank entries "
        "(the hash stage's regions looked up in the platform's bank and the shared banks it "
        "subscribes to), strongest first; empty when supplier signals are off")


# Assessments stored before deep checks existed ran both stages in the request.
LEGACY_IMAGE_CHECK = ImageCheckOut(status="complete", stages=["hash", "local"])


class Assessment(BaseModel):
    """One assessment version as scored: built once by the scorer, stored as the
    assessment row's `result`, and the scoring part of every answer about the listing."""

    risk: float
    level: str
    decision: str
    thresholds: dict[str, float]
    reasons: list[ReasonOut]
    photos_checked: int
    image_matches: list[ImageMatchOut]
    caption: CaptionOut | None
    price_check: PriceCheckOut
    seller: SellerOut
    image_check: ImageCheckOut = LEGACY_IMAGE_CHECK
    linked_sellers: list[LinkedSellerOut] = Field(
        default_factory=list, description="other sellers of the platform with confirmed "
        "counterfeits who post this listing's rare photos or its caption")
    model_versions: dict[str, str]

    def with_image_check(self, image_check: ImageCheckOut) -> Assessment:
        return self.model_copy(update={"image_check": image_check})


class ScoreOut(Assessment):
    """The answer about a listing: its newest assessment of this content, and where it is."""

    listing_id: str
    seller_id: str
    assessment_version: int
    stored: bool = Field(description="true when this content was scored before: the stored "
                                     "assessment is returned unchanged")
    review_item_id: int | None
    scored_at: str
    latency_ms: float
