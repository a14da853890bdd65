"""Scoring a listing: signals -> pure risk model -> stored, versioned assessment.

Idempotent: the content (seller, caption, price, claimed brand, image bytes) is hashed; the
same listing with the same content returns its stored assessment, changed content becomes a
new assessment version. Flagged assessments (review/block) enter the review queue in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.risk import ListingSignals, RiskThresholds, score_listing
from service.captions.service import caption_model_version, classify_texts
from service.db import utcnow
from service.errors import NotFound, NotReady
from service.imaging import ImageLimits, decode_image
from service.listings import repository, signals
from service.listings.runtime import ListingsRuntime
from service.listings.schemas import ListingFields, PriceCheckOut, ReasonOut, ScoreOut
from service.listings.tables import Listing, ListingAssessment
from service.review import repository as review_repo
from service.review import service as review
from service.settings import Settings
from service.state import AppState


def content_hash(fields: ListingFields, image_shas: list[str]) -> str:
    canonical = {
        "seller_id": fields.seller_id, "caption": fields.caption, "price": fields.price,
        "currency": fields.currency.upper() if fields.currency else None,
        "claimed_brand": fields.claimed_brand, "images": image_shas,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _price_check(fields: ListingFields, matches: signals.MatchedProducts) -> PriceCheckOut:
    usable = [m for m in matches.signals if m.list_price and (
        fields.currency is None or m.list_currency is None
        or m.list_currency.upper() == fields.currency.upper())]
    best = max(usable, key=lambda m: m.confidence, default=None)
    ratio = None
    if best is not None and best.list_price and fields.price is not None:
        ratio = round(fields.price / best.list_price, 4)
    return PriceCheckOut(
        product_id=int(best.product_id) if best else None, brand=best.brand if best else None,
        list_price=best.list_price if best else None,
        list_currency=best.list_currency if best else None, price=fields.price,
        currency=fields.currency.upper() if fields.currency else None, ratio=ratio)


def _assess(session: Session, state: AppState, runtime: ListingsRuntime, fields: ListingFields,
            photos: list[signals.Photo], blobs: list[bytes],
            thresholds: RiskThresholds) -> dict[str, Any]:
    settings: Settings = state.settings
    limits: ImageLimits = state.image_limits
    per_photo = signals.match_photos(
        session, runtime.matcher, photos, state.cache, settings.listing_image_cache_seconds,
        lambda i: decode_image(blobs[i], limits, i))
    matches = signals.resolve_matches(session, per_photo, fields.seller_id)
    try:
        caption_version = caption_model_version(state)
        caption_signal, caption_out = signals.caption_signal(
            lambda texts: classify_texts(state, texts), fields.caption)
    except NotReady:
        # Scored without it (the model counts a missing caption signal as risk), and said so.
        caption_version, caption_signal, caption_out = "unavailable", None, None
    seller_signal, seller_out, reputation_version = signals.seller_signal(
        session, fields.seller_id, state.cache, settings.reputation_cache_seconds)
    listing_signals = ListingSignals(
        matches=matches.signals, photos_checked=len(photos), caption=caption_signal,
        seller=seller_signal, price=fields.price, currency=fields.currency,
        claimed_brand=fields.claimed_brand, seller_authorized_brands=matches.authorized_brands)
    assessment = score_listing(listing_signals, runtime.risk_model, thresholds)
    return {
        "risk": assessment.risk, "level": assessment.level, "decision": assessment.decision,
        "photos_checked": len(photos),
        "thresholds": {"review": thresholds.review, "block": thresholds.block},
        "reasons": [ReasonOut(code=r.code, contribution=r.contribution,
                              evidence=signals.evidence_json(r.evidence)).model_dump()
                    for r in assessment.reasons],
        "image_matches": [m.model_dump() for m in matches.out],
        "caption": caption_out.model_dump() if caption_out else None,
        "price_check": _price_check(fields, matches).model_dump(),
        "seller": seller_out.model_dump(),
        "model_versions": {"risk": runtime.risk_model.version,
                           "captions": caption_version,
                           "matching": runtime.matcher.version,
                           "reputation": reputation_version},
        "brand": matches.out[0].brand if matches.out else fields.claimed_brand,
    }


def _store(session: Session, platform_id: str, fields: ListingFields, digest: str,
           result: dict[str, Any], now: dt.datetime) -> tuple[Listing, ListingAssessment]:
    listing = repository.find_listing(session, platform_id, fields.listing_id)
    if listing is None:
        listing = Listing(platform_id=platform_id, listing_id=fields.listing_id,
                          seller_id=fields.seller_id, current_version=0, created_at=now)
        repository.add(session, listing)
    listing.seller_id = fields.seller_id
    listing.current_version += 1
    brand = result.pop("brand")
    assessment = ListingAssessment(
        listing_pk=listing.id, version=listing.current_version, content_hash=digest,
        risk=result["risk"], level=result["level"], decision=result["decision"], brand=brand,
        reason_codes=[r["code"] for r in result["reasons"] if r["contribution"] > 0],
        result=result, created_at=now)
    repository.add(session, assessment)
    return listing, assessment


def _response(listing: Listing, assessment: ListingAssessment, stored: bool,
              item_id: int | None, started: float) -> ScoreOut:
    return ScoreOut(**assessment.result, listing_id=listing.listing_id,
                    seller_id=listing.seller_id, assessment_version=assessment.version,
                    stored=stored, review_item_id=item_id,
                    scored_at=assessment.created_at.isoformat(),
                    latency_ms=round((time.perf_counter() - started) * 1000, 2))


def score(state: AppState, runtime: ListingsRuntime, platform_id: str, fields: ListingFields,
          blobs: list[bytes], thresholds: RiskThresholds, started: float) -> ScoreOut:
    shas = [hashlib.sha256(b).hexdigest() for b in blobs]
    digest = content_hash(fields, shas)
    for attempt in range(2):
        with state.session_factory() as session:
            listing = repository.find_listing(session, platform_id, fields.listing_id)
            if listing is not None:
                known = repository.assessment_by_hash(session, listing.id, digest)
                if known is not None:
                    item = review_repo.item_for_listing(session, listing.id)
                    return _response(listing, known, True, item.id if item else None, started)
            photos = [signals.Photo(i, sha) for i, sha in enumerate(shas)]
            result = _assess(session, state, runtime, fields, photos, blobs, thresholds)
            now = utcnow()
            try:
                listing, assessment = _store(session, platform_id, fields, digest, result, now)
                item = review.enqueue(session, listing, assessment, now)
                session.commit()
            except IntegrityError:
                session.rollback()  # a concurrent request stored this listing first
                if attempt:
                    raise
                continue
            return _response(listing, assessment, False, item.id if item else None, started)
    raise AssertionError("unreachable")


def latest(session: Session, platform_id: str, listing_id: str) -> ScoreOut:
    listing = repository.find_listing(session, platform_id, listing_id)
    assessment = repository.latest_assessment(session, listing.id) if listing else None
    if listing is None or assessment is None:
        raise NotFound(f"no listing {listing_id!r} scored for this platform",
                       code="listing_not_found")
    item = review_repo.item_for_listing(session, listing.id)
    return _response(listing, assessment, True, item.id if item else None, time.perf_counter())
