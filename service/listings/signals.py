"""Gathering a listing's signals from the other domains and shaping them for the scorer.

Image matching: the catalog matcher of issue 3 (`service.matching`) as a `PhotoMatcher`,
finding enrolled catalog photos inside listing photos. Captions: the captions domain's
`classify_texts`. Reputation: the sellers domain's `reputation_summary`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.risk import CaptionSignal, CaptionSpan, ImageMatch, SellerSignal
from models.text.classifier import CaptionResult
from service.cache import Cache
from service.catalog.tables import CatalogImage, Product
from service.imaging import DecodedImage
from service.listings.schemas import CaptionOut, ImageMatchOut, SellerOut
from service.matching.runtime import get_index
from service.matching.service import MATCHER_VERSION, match_decoded
from service.sellers.reputation import reputation_summary
from service.state import AppState


@dataclass(frozen=True)
class Photo:
    index: int
    sha256: str
    decoded: DecodedImage | None = None  # decoded only when its result is not cached


@dataclass(frozen=True)
class PhotoMatch:
    catalog_image_id: int
    confidence: float
    method: str


class PhotoMatcher(Protocol):
    @property
    def version(self) -> str: ...

    def match(self, session: Session, photos: list[Photo]) -> list[list[PhotoMatch]]: ...


class CatalogPhotoMatcher:
    """The catalog image matcher (issue 3) behind the scorer's `PhotoMatcher` protocol.

    Its version names the catalog state (the change-log position the index has applied), so
    a cached per-photo result is never reused after the catalog changed.
    """

    def __init__(self, state: AppState) -> None:
        self._state = state

    @property
    def version(self) -> str:
        index = get_index(self._state)
        if index.needs_sync(self._state.settings.matching_sync_seconds):
            with self._state.session_factory() as session:
                index.sync(session)
        return f"{MATCHER_VERSION}@catalog-{index.seq}"

    def match(self, session: Session, photos: list[Photo]) -> list[list[PhotoMatch]]:
        decoded = [photo.decoded for photo in photos]
        if any(d is None for d in decoded):
            raise ValueError("match() needs decoded photos")
        results = match_decoded(self._state, session, [d for d in decoded if d is not None])
        return [[PhotoMatch(m.image_id, m.confidence, f"{m.hash_kind}:{m.region}")
                 for m in result.matches] for result in results]


def match_photos(session: Session, matcher: PhotoMatcher, photos: list[Photo], cache: Cache,
                 ttl: int, decode: Callable[[int], DecodedImage]) -> list[list[PhotoMatch]]:
    """Per-photo match results, cached by content sha256 and matcher version.

    Only photos without a cached result are decoded (`decode` validates untrusted bytes
    by the imaging rules); a cached result means these exact bytes passed before.
    """
    def key(photo: Photo) -> str:
        return f"listing-photo:{matcher.version}:{photo.sha256}"

    results: dict[int, list[PhotoMatch]] = {}
    todo = []
    for photo in photos:
        raw = cache.get(key(photo))
        if raw is not None:
            results[photo.index] = [PhotoMatch(**m) for m in json.loads(raw)]
        else:
            todo.append(Photo(photo.index, photo.sha256, decode(photo.index)))
    if todo:
        for photo, found in zip(todo, matcher.match(session, todo), strict=True):
            results[photo.index] = found
            cache.set(key(photo), json.dumps([asdict(m) for m in found]).encode(), ttl)
    return [results[p.index] for p in photos]


@dataclass(frozen=True)
class MatchedProducts:
    signals: tuple[ImageMatch, ...]
    out: list[ImageMatchOut]
    authorized_brands: frozenset[str]


def resolve_matches(session: Session, per_photo: list[list[PhotoMatch]],
                    seller_id: str) -> MatchedProducts:
    wanted = {m.catalog_image_id for found in per_photo for m in found}
    if not wanted:
        return MatchedProducts((), [], frozenset())
    rows = session.execute(
        select(CatalogImage.id, Product)
        .join(Product, Product.id == CatalogImage.product_id)
        .where(CatalogImage.id.in_(wanted))).all()
    product_of = {image_id: product for image_id, product in rows}
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
    return signal, CaptionOut(probability=result.counterfeit_probability, label=result.label,
                              spans=spans)


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
