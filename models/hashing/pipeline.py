"""Two-stage catalog matching: hash stage or verified local features, either one accepts.

Stage 1 (models/hashing/matcher.py) compares hashes of recovered query regions with hashes
of enrolled views; it is fast and carries near-copies (recompression, colour, blur, noise,
padding, rotations the views cover). Stage 2 (models/hashing/local.py) fits catalog ORB
keypoints into the query; it carries what whole-region hashes cannot: grid and collage
cells, photos inside screenshots, deep crops, occlusions. Both stages are calibrated on the
seed-0 dev split for precision 1.0 (``MATCH_HASH_MAX_SCORE``; ``LOCAL_MIN_INLIERS`` with
the photometric gate ``LOCAL_MIN_CORRELATION``).

One unified score ranks the matches of both stages: ``min(hash score / MATCH_HASH_MAX_SCORE,
LOCAL_MIN_INLIERS / inliers)``, accepted when <= 1 (each stage's own acceptance rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from models import thresholds
from models.hashing.local import LocalFeatures, Verified, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import HashSet, Match, Matcher, enrollment_hashes, query_hashes


@dataclass(frozen=True)
class CatalogEvidence:
    """Everything stored for one catalog image."""

    hashes: list[HashSet]
    local: LocalFeatures


@dataclass(frozen=True)
class QueryEvidence:
    """Everything computed from one query image (CPU-bound, no catalog needed)."""

    hashes: list[HashSet]
    local: LocalFeatures
    scale: float  # original query pixels -> local-feature frame


def analyse_catalog(image: Image.Image) -> CatalogEvidence:
    return CatalogEvidence(enrollment_hashes(image), catalog_features(image))


def analyse_query(image: Image.Image) -> QueryEvidence:
    local, scale = query_features(image)
    return QueryEvidence(query_hashes(image), local, scale)


def unified_score(hash_score: float | None, inliers: int | None,
                  max_hash: float | None = None, min_inliers: int | None = None) -> float:
    """<= 1 exactly when one stage accepts; lower is stronger evidence."""
    max_hash = thresholds.MATCH_HASH_MAX_SCORE if max_hash is None else max_hash
    min_inliers = thresholds.LOCAL_MIN_INLIERS if min_inliers is None else min_inliers
    by_hash = hash_score / max_hash if hash_score is not None else float("inf")
    by_local = min_inliers / inliers if inliers else float("inf")
    return min(by_hash, by_local)


def confidence(score: float) -> float:
    return round(max(0.0, min(1.0, 1.0 - score / 2.0)), 3)


def local_match(v: Verified, score: float) -> Match:
    x0, y0, x1, y1 = v.box
    return Match(v.image_id, "orb", v.inliers, f"box:{x0},{y0},{x1},{y1}",
                 "mirror" if v.mirrored else "id", score, confidence(score))


class CatalogMatcher:
    """Both stages' in-memory catalogs, kept in step."""

    def __init__(self) -> None:
        self.hashes = Matcher()
        self.local = LocalIndex()

    def __len__(self) -> int:
        return len(self.hashes.image_ids | self.local.image_ids)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self.hashes or image_id in self.local

    def enroll(self, image_id: int, hashes: Sequence[HashSet],
               local: LocalFeatures | None) -> None:
        self.hashes.enroll(image_id, hashes)
        if local is not None:
            self.local.enroll(image_id, local)
        else:
            self.local.remove(image_id)

    def remove(self, image_id: int) -> bool:
        a = self.hashes.remove(image_id)
        b = self.local.remove(image_id)
        return a or b

    def match(self, query: QueryEvidence, max_hash: float | None = None,
              min_inliers: int | None = None) -> list[Match]:
        """Accepted catalog images, best first; the stronger stage's evidence is reported."""
        max_hash = thresholds.MATCH_HASH_MAX_SCORE if max_hash is None else max_hash
        min_inliers = thresholds.LOCAL_MIN_INLIERS if min_inliers is None else min_inliers
        best: dict[int, Match] = {}
        for m in self.hashes.match_hashes(query.hashes, max_hash):
            s = unified_score(m.score, None, max_hash, min_inliers)
            best[m.image_id] = Match(m.image_id, m.hash_kind, m.distance, m.region, m.view,
                                     s, confidence(s))
        for v in self.local.verify(query.local, query.scale, min_inliers,
                                   thresholds.LOCAL_MIN_CORRELATION):
            s = unified_score(None, v.inliers, max_hash, min_inliers)
            if v.image_id not in best or s < best[v.image_id].score:
                best[v.image_id] = local_match(v, s)
        return sorted(best.values(), key=lambda m: (m.score, m.image_id))
