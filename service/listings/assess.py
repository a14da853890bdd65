"""From a listing's per-photo matches to a stored assessment version.

Shared by the scoring request (hash stage, plus the local stage when the caller waits) and
the deep check (the request's matches merged with the local stage's, stored as a new
version of the same content).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.risk import ListingSignals, RiskThresholds, score_listing
from models.risk.features import price_reference
from models.risk.signals import SellerLink
from service.captions.service import classify_with
from service.core.state import CoreState
from service.kit.errors import NotReady
from service.listings import repository, signals
from service.listings.photos import PerPhoto
from service.listings.runtime import ListingsRuntime
from service.listings.schemas import (
    LEGACY_IMAGE_CHECK,
    Assessment,
    ImageCheckOut,
    ListingFields,
    PriceCheckOut,
    ReasonOut,
)
from service.listings.tables import Listing, ListingAssessment
from service.networks import service as networks


def content_hash(fields: ListingFields, image_shas: list[str]) -> str:
    canonical = {
        "seller_id": fields.seller_id, "caption": fields.caption, "price": fields.price,
        "currency": fields.currency.upper() if fields.currency else None,
        "claimed_brand": fields.claimed_brand, "images": image_shas,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Scoring:
    assessment: Assessment
    brand: str | None  # the identified (or claimed) brand, stored beside it for the queue


def _price_check(fields: ListingFields, matches: signals.MatchedProducts) -> PriceCheckOut:
    best = price_reference(matches.signals, fields.currency)
    ratio = None
    if best is not None and best.list_price and fields.price is not None:
        ratio = round(fields.price / best.list_price, 4)
    return PriceCheckOut(
        product_id=int(best.product_id) if best else None, brand=best.brand if best else None,
        list_price=best.list_price if best else None,
        list_currency=best.list_currency if best else None, price=fields.price,
        currency=fields.currency.upper() if fields.currency else None, ratio=ratio)


def assess(session: Session, state: CoreState, runtime: ListingsRuntime, fields: ListingFields,
           per_photo: PerPhoto, thresholds: RiskThresholds,
           image_check: ImageCheckOut, links: Sequence[SellerLink] = ()) -> Scoring:
    """The listing's assessment from its per-photo matches and the other signals; `links`:
    other sellers with confirmed counterfeits who post its rare photos or caption
    (service/networks)."""
    settings = state.settings
    checked = len(per_photo) - len(image_check.skipped_photos)  # a skipped photo has no say
    matches = signals.resolve_matches(session, per_photo, fields.seller_id)
    try:
        captions = runtime.captions.get()
        caption_version = captions.model_version
        caption_signal, caption_out = signals.caption_signal(
            lambda texts: classify_with(captions, texts), fields.caption)
    except NotReady:
        # Scored without it (the model counts a missing caption signal as risk), and said so.
        caption_version, caption_signal, caption_out = "unavailable", None, None
    seller_signal, seller_out, reputation_version = signals.seller_signal(
        session, fields.seller_id, state.cache, settings.reputation_cache_seconds)
    listing_signals = ListingSignals(
        matches=matches.signals, photos_checked=checked, caption=caption_signal,
        seller=seller_signal, price=fields.price, currency=fields.currency,
        claimed_brand=fields.claimed_brand, seller_authorized_brands=matches.authorized_brands,
        brand_price=None if matches.signals else signals.brand_price_signal(fields),
        linked_counterfeit=networks.linked_counterfeit(links),
        bank_matches=signals.bank_signals(image_check.bank_matches))
    assessment = score_listing(listing_signals, runtime.risk_model, thresholds)
    return Scoring(Assessment(
        risk=assessment.risk, level=assessment.level, decision=assessment.decision,
        photos_checked=checked,
        thresholds={"review": thresholds.review, "block": thresholds.block},
        reasons=[ReasonOut(code=r.code, contribution=r.contribution,
                           evidence=signals.evidence_json(r.evidence))
                 for r in assessment.reasons],
        image_matches=matches.out, caption=caption_out,
        price_check=_price_check(fields, matches), seller=seller_out,
        image_check=image_check, linked_sellers=networks.links_out(links),
        model_versions={"risk": runtime.risk_model.version, "captions": caption_version,
                        "matching": runtime.matcher.version,
                        "reputation": reputation_version},
    ), matches.out[0].brand if matches.out else fields.claimed_brand)


def store(session: Session, platform_id: str, fields: ListingFields, digest: str,
          scoring: Scoring, now: dt.datetime) -> tuple[Listing, ListingAssessment]:
    """A new assessment version; the unique (listing, version) constraint turns a concurrent
    writer into an IntegrityError for the caller to retry."""
    listing = repository.find_listing(session, platform_id, fields.listing_id)
    if listing is None:
        listing = Listing(platform_id=platform_id, listing_id=fields.listing_id,
                          seller_id=fields.seller_id, current_version=0, created_at=now)
        repository.add(session, listing)
    listing.seller_id = fields.seller_id
    listing.current_version += 1
    scored = scoring.assessment
    assessment = ListingAssessment(
        listing_pk=listing.id, version=listing.current_version, content_hash=digest,
        risk=scored.risk, level=scored.level, decision=scored.decision, brand=scoring.brand,
        reason_codes=[r.code for r in scored.reasons if r.contribution > 0],
        result=scored.model_dump(mode="json"), created_at=now)
    repository.add(session, assessment)
    return listing, assessment


def stored_assessment(row: ListingAssessment) -> Assessment:
    return Assessment.model_validate(row.result)


def body(listing_id: str, seller_id: str, version: int, result: dict[str, Any],
         created_at: dt.datetime, stored: bool, item_id: int | None,
         latency_ms: float) -> dict[str, Any]:
    """A `ScoreOut` as plain JSON, from an assessment's stored `result` (the dump of an
    `Assessment`): the re-score path sends it without validating it again (tested)."""
    out = dict(result)
    out.setdefault("image_check", LEGACY_IMAGE_CHECK.model_dump())
    out.update(listing_id=listing_id, seller_id=seller_id, assessment_version=version,
               stored=stored, review_item_id=item_id, scored_at=created_at.isoformat(),
               latency_ms=latency_ms)
    return out
