"""Matching logic: enrollment on catalog changes, and matching listing photos."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.hashing.matcher import Match
from models.hashing.pipeline import QueryEvidence, analyse_catalog, analyse_query
from service.catalog.tables import CatalogImage
from service.imaging import DecodedImage
from service.matching import repository
from service.matching.runtime import MatchIndex, get_index, note_local_change
from service.matching.schemas import ImageMatches, MatchOut
from service.state import AppState

# Names what produces matches; bump it when matching logic or thresholds change, so results
# cached under the old version (e.g. by the listing scorer) are not reused.
MATCHER_VERSION = "catalog-match-2"  # 2: hash stage or verified ORB keypoints


def _after_commit(_: Session) -> None:
    note_local_change()


def _watch_commit(session: Session) -> None:
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)


class MatchingCatalogHook:
    """Catalog hook: hashes are written in the catalog's own transaction."""

    def images_added(self, session: Session,
                     added: list[tuple[CatalogImage, DecodedImage]]) -> None:
        for image, decoded in added:
            repository.add_evidence(session, image.id, analyse_catalog(decoded.image))
        _watch_commit(session)

    def images_removed(self, session: Session, images: list[CatalogImage]) -> None:
        repository.remove_hashes(session, [image.id for image in images])
        _watch_commit(session)


def analyse_queries(decoded: Sequence[DecodedImage]) -> list[QueryEvidence]:
    """CPU-bound: region recovery, hashing and keypoints of each query image."""
    return [analyse_query(d.image) for d in decoded]


def match_hashed(session: Session, index: MatchIndex, hashed: Sequence[QueryEvidence],
                 sync_seconds: float) -> list[ImageMatches]:
    if index.needs_sync(sync_seconds):
        index.sync(session)
    found = index.match(hashed)
    ids = {m.image_id for matches in found for m in matches}
    products = repository.products_of(session, ids) if ids else {}
    return [_result(matches, products) for matches in found]


def match_decoded(state: AppState, session: Session,
                  decoded: Sequence[DecodedImage]) -> list[ImageMatches]:
    """The one entry point for matching validated images (the API and the listing scorer)."""
    index = get_index(state)
    return match_hashed(session, index, analyse_queries(decoded), state.settings.matching_sync_seconds)


def _result(matches: list[Match], products: dict[int, tuple[int, str]]) -> ImageMatches:
    out = []
    for m in matches:
        if m.image_id not in products:  # deleted since the last sync
            continue
        product_id, brand = products[m.image_id]
        out.append(MatchOut(product_id=product_id, image_id=m.image_id, brand=brand,
                            hash_kind=m.hash_kind, distance=m.distance, region=m.region,
                            confidence=m.confidence))
    return ImageMatches(matches=out, best=out[0] if out else None)
