"""Gathering a listing's signals from the other domains and shaping them for the scorer.

Image matches: per-photo catalog matches (`photos.py`) resolved to products. Bank matches:
the banks domain's lookup (`runtime.BankLookup`), as the assessment's image check holds them.
Captions: the captions domain's `classify_with`. Reputation: the sellers domain's
`reputation_summary`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.risk import CaptionSignal, CaptionSpan, ImageMatch, SellerSignal
from models.risk.signals import BankMatch, BrandPriceSignal
from models.text.brands import Price, load_brand_table
from models.text.classifier import CaptionResult
from service.captions.schemas import CaptionReasonOut
from service.catalog import repository as catalog_repository
from service.kit.cache import Cache
from service.listings.photos import PerPhoto
from service.listings.schemas import (
    BankMatchOut,
    CaptionOut,
    ImageMatchOut,
    ListingFields,
    SellerOut,
)
from service.sellers.reputation import reputation_summary


@dataclass(frozen=True)
class MatchedProducts:
    signals: tuple[ImageMatch, ...]
    out: list[ImageMatchOut]
    authorized_brands: frozenset[str]


def resolve_matches(session: Session, per_photo: PerPhoto,
                    seller_id: str) -> MatchedProducts:
    wanted = {m.catalog_image_id for found in per_photo for m in found}
    if not wanted:
        return MatchedProducts((), [], frozenset())
    product_of = catalog_repository.products_of_images(session, wanted)
    signals, out, authorized = [], [], set()
    for index, found in enumerate(per_photo):
        for m in found:
            product = product_of.get(m.catalog_image_id)
            if product is None:  # deleted since the result was cached
                continue
            if seller_id in {str(s) for s in product.authorized_seller_ids or []}:
                authorized.add(product.brand)
            signals.append(ImageMatch(
                product_id=str(product.id), brand=product.brand, confidence=m.confidence,
                catalog_image_id=str(m.catalog_image_id), list_price=float(product.list_price),
                list_currency=product.currency, photo_index=index))
            out.append(ImageMatchOut(photo_index=index, catalog_image_id=m.catalog_image_id,
                                     product_id=product.id, brand=product.brand,
                                     confidence=m.confidence, method=m.method))
    out.sort(key=lambda o: -o.confidence)
    return MatchedProducts(tuple(signals), out, frozenset(authorized))


def caption_signal(classify: Callable[[Sequence[str]], list[CaptionResult]],
                   caption: str) -> tuple[CaptionSignal | None, CaptionOut | None]:
    if not caption.strip():  # no caption is a missing signal, not an innocent one
        return None, None
    result = classify([caption])[0]
    spans = [{"start": s.start, "end": s.end, "term": s.term, "category": s.category}
             for s in result.spans]
    signal = CaptionSignal(
        probability=result.counterfeit_probability,
        spans=tuple(CaptionSpan(s.category, s.term, s.start, s.end) for s in result.spans))
    return signal, CaptionOut(text=caption, probability=result.counterfeit_probability,
                              label=result.label,
                              spans=spans, reasons=[CaptionReasonOut(code=r.code, message=r.message)
                                                    for r in result.reasons])


def seller_signal(session: Session, seller_id: str, cache: Cache,
                  ttl: int) -> tuple[SellerSignal | None, SellerOut, str]:
    summary = reputation_summary(session, seller_id, cache=cache, ttl_seconds=ttl)
    known = summary.feedback_count > 0 or summary.confirmed_counterfeits > 0
    out = SellerOut(seller_id=seller_id, available=known, tier=summary.tier if known else None,
                    score=summary.score if known else None,
                    feedback_count=summary.feedback_count,
                    counterfeit_reports=summary.counterfeit_reports,
                    confirmed_counterfeits=summary.confirmed_counterfeits)
    if not known:  # never seen: the scorer's "seller unknown", not a neutral record
        return None, out, summary.model_version
    signal = SellerSignal(score=summary.score, tier=summary.tier,
                          confirmed_counterfeits=summary.confirmed_counterfeits,
                          counterfeit_reports=summary.counterfeit_reports,
                          feedback_count=summary.feedback_count)
    return signal, out, summary.model_version


def evidence_json(value: Any) -> Any:
    """Reason evidence as plain JSON (numpy scalars and tuples converted)."""
    return json.loads(json.dumps(value, default=float))


def brand_price_signal(fields: ListingFields) -> BrandPriceSignal | None:
    """The brand the listing names (caption or claimed brand) at its price (the price field,
    else one written in the caption), against the brand table's genuine floor."""
    price = None
    if fields.price is not None and fields.currency:
        price = Price(fields.price, fields.currency.upper(), 0, 0)
    return BrandPriceSignal.of(load_brand_table().brand_price(fields.caption, price,
                                                              fields.claimed_brand))


def bank_signals(found: list[BankMatchOut]) -> tuple[BankMatch, ...]:
    """The image check's bank matches as the scorer's plain data."""
    return tuple(BankMatch(entry_id=str(m.entry_id), confidence=m.confidence, bank=m.bank,
                           photo_index=m.photo_index,
                           review_item_id=str(m.review_item_id) if m.review_item_id else None,
                           decided_at=m.decided_at) for m in found)
