"""Two-stage catalog matching: hash stage and verified local features, one model accepts.

Stage 1 (models/hashing/matcher.py) compares hashes of recovered query regions with hashes
of enrolled views; it is fast and carries near-copies (recompression, colour, blur, noise,
padding, rotations the views cover). Stage 2 (models/hashing/local.py) fits catalog ORB
keypoints into the query; it carries what whole-region hashes cannot: grid and collage
cells, photos inside screenshots, deep crops, occlusions.

One unified score ranks the matches of both stages (``unified_score``), accepted when <= 1:
the calibrated, monotone acceptance model (models/hashing/acceptance.py, the artifact
models/artifacts/match-acceptance-v8) over the pair's hash score, keypoint inliers,
photometric agreement (over the photo and away from the inliers), inlier spread,
colour-layout distance (models/hashing/colour.py) and how far the pair stands above the
query's other candidates, fitted for zero wrong matches on calibration splits searched with
5,000 distractor products and brand families enrolled. The colour layout never accepts by
itself. The served model also reads the pair's global-descriptor similarity and the colour
distance where the fit puts the photo (``CatalogMatcher.fit_colours``); a pair without a
similarity (a query not described) is scored by its fallback, match-acceptance-v6.

Candidates for the local stage come from a global descriptor (models/descriptor): each
catalog image enrols the descriptors of the photo, its mirror and its centre in an HNSW
index; a query is described as a whole and through its recovered regions (grid cells, the
photo inside a screenshot, the trimmed content; at most ``DESCRIPTOR_MAX_REGIONS`` in
all, and square windows along an elongated query), and only the ``DESCRIPTOR_TOP_K``
catalog images nearest to any of them, with the ``VERIFY_HASH_MATCHES`` the hash stage
scored best, are verified with keypoints. A query without descriptors
(``describe=False``) is verified against the whole catalog, as is any catalog image stored
without descriptors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from models import thresholds
from models.descriptor.index import DescriptorIndex
from models.hashing import colour
from models.hashing.acceptance import AcceptanceModel, load_acceptance
from models.hashing.analysis import QueryEvidence
from models.hashing.keypoints import InSource, KeypointSource
from models.hashing.local import LocalFeatures, Verified
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import (
    HashSet,
    Match,
    Matcher,
)
from models.hashing.pair_evidence import Distinct, distinctiveness


@dataclass(frozen=True)
class Rules:
    """What decides acceptance: the acceptance model (the committed artifact unless a
    calibration passes another), and the search bounds it implies."""

    model: AcceptanceModel = field(default_factory=load_acceptance)

    @property
    def candidate_score(self) -> float:
        """Hash scores from here on carry nothing for the model: the hash search bound."""
        return self.model.max_hash_score

    @property
    def fewest_inliers(self) -> int:
        """Fits with fewer inliers carry nothing: what the local stage must report."""
        return self.model.min_inliers


def unified_score(hash_score: float | None, inliers: int | None, agreement: float = 1.0,
                  rules: Rules | None = None, spread: float = 1.0,
                  colour: float | None = None, distinct: Distinct = (None, None),
                  context: float | None = None, descriptor: float | None = None,
                  fit_colour: float | None = None) -> float:
    """<= 1 exactly when the acceptance model accepts; lower is stronger evidence.

    ``hash_score`` None: the hash stage did not find the image; ``inliers`` None or 0: no
    keypoint fit (its ``agreement`` and ``spread`` are then ignored); ``colour`` None: no
    colour layouts to compare; ``context`` None: the fit's agreement away from its inliers
    is its whole ``agreement``; ``descriptor`` None: the query was not described (the
    listing's first answer) or the image has no descriptors; ``fit_colour`` None: the fit
    covers too little of the photo, or there is no fit. A pair with evidence from neither
    stage scores inf.
    """
    return (rules or Rules()).model.score(hash_score, inliers, agreement, spread, colour,
                                          *distinct, context, descriptor, fit_colour)


def unified_confidence(score: float) -> float:
    """The confidence reported for a unified score: 1 at 0, 0.5 where the model stops
    accepting (1), 0 from 2 on."""
    return round(max(0.0, min(1.0, 1.0 - score / 2.0)), 3)


def local_match(v: Verified, score: float) -> Match:
    x0, y0, x1, y1 = v.box
    return Match(v.image_id, "orb", v.inliers, f"box:{x0},{y0},{x1},{y1}",
                 "mirror" if v.mirrored else "id", score, unified_confidence(score))


@dataclass(frozen=True)
class Judged:
    """What ``CatalogMatcher.judge`` found for one query, by catalog image."""

    hashed: dict[int, Match]
    verified: dict[int, Verified]
    distinct: dict[int, Distinct]
    scores: dict[int, float]  # unified_score of every image either stage found
    similar: dict[int, float]  # descriptor similarities, where measured
    fitted: dict[int, float]  # fit colours, where measured


class CatalogMatcher:
    """The stages' catalogs, kept in step: hashes, keypoints, descriptors.

    Hashes and descriptors are held in memory. Keypoints are too unless ``keypoints`` names
    where they are stored (the service: the database); the local index then holds their ids
    and a cache of ``cache_images`` photos' (models/hashing/local_index.py).
    """

    def __init__(self, top_k: int = thresholds.DESCRIPTOR_TOP_K,
                 keypoints: KeypointSource | None = None,
                 cache_images: int = thresholds.LOCAL_CACHE_IMAGES,
                 verify_hashes: int | None = thresholds.VERIFY_HASH_MATCHES) -> None:
        self.hashes = Matcher()
        self.local = LocalIndex(keypoints, cache_images)
        self.descriptors = DescriptorIndex()
        self.top_k = top_k
        self.verify_hashes = verify_hashes  # None: every hash match within the bound
        self._undescribed: set[int] = set()  # keypoints but no descriptors: always verified

    def __len__(self) -> int:
        return len(self.hashes.image_ids | self.local.image_ids)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self.hashes or image_id in self.local

    def enroll(self, image_id: int, hashes: Sequence[HashSet],
               local: LocalFeatures | InSource | None,
               descriptors: np.ndarray | None = None) -> None:
        """Add or replace one image; ``local`` None: no keypoints, ``IN_SOURCE``: stored in
        the ``keypoints`` source (models/hashing/keypoints.py)."""
        self.hashes.enroll(image_id, hashes)
        if local is not None:
            self.local.enroll(image_id, local)
        else:
            self.local.remove(image_id)
        if descriptors is not None and len(descriptors):
            self.descriptors.add(image_id, descriptors)
            self._undescribed.discard(image_id)
        else:
            self.descriptors.remove(image_id)
            if local is not None:
                self._undescribed.add(image_id)
            else:
                self._undescribed.discard(image_id)

    def enroll_descriptors(self, items: Iterable[tuple[int, np.ndarray]]) -> None:
        """Bulk-load stored descriptors (start-up), after the keypoints were loaded."""
        self.descriptors.add_many(items)
        self._undescribed = self.local.image_ids - self.descriptors.image_ids

    def remove(self, image_id: int) -> bool:
        a = self.hashes.remove(image_id)
        b = self.local.remove(image_id)
        self.descriptors.remove(image_id)
        self._undescribed.discard(image_id)
        return a or b

    def candidates(self, query: QueryEvidence, found: Collection[int] = ()) -> set[int] | None:
        """The catalog images the local stage verifies for ``query``; None: all of them.

        The ``top_k`` nearest by descriptor, the images in ``found`` (the hash stage's),
        and any image stored without descriptors.
        """
        if query.descriptors is None or not len(query.descriptors):
            return None
        nearest = self.descriptors.search(query.descriptors, self.top_k)
        return {i for i, _ in nearest} | set(found) | self._undescribed

    def to_verify(self, query: QueryEvidence, hashed: Mapping[int, Match], bound: float,
                  ) -> set[int] | None:
        """The catalog images the keypoint stage verifies for ``query``, given its hash
        matches: ``candidates`` with the ``verify_hashes`` best-scored of those within
        ``bound`` (ties: the lower image id); None: all of them."""
        within = sorted((m.score, i) for i, m in hashed.items() if m.score <= bound)
        return self.candidates(query, [i for _, i in within[:self.verify_hashes]])

    def evidence(self, query: QueryEvidence, max_hash_score: float, min_inliers: int,
                 verify_hash_score: float | None = None, also_verify: Collection[int] = (),
                 ) -> tuple[dict[int, Match], dict[int, Verified], dict[int, float]]:
        """Both stages' raw evidence as served: hash matches up to ``max_hash_score``,
        keypoint fits of at least ``min_inliers`` among the candidates (the descriptor's and
        the ``verify_hashes`` best-scored hash matches up to ``verify_hash_score``, default
        ``max_hash_score``), colour distances of every image either found. ``match`` judges
        it; calibration records hash scores wider than the served bound without verifying
        every one of them, and verifies ``also_verify`` whatever the descriptor proposes
        (its worst case: the products of one brand, which share a printed logo)."""
        hashed = {m.image_id: m for m in self.hashes.match_hashes(query.hashes, max_hash_score)}
        bound = max_hash_score if verify_hash_score is None else verify_hash_score
        candidates = self.to_verify(query, hashed, bound)
        if candidates is not None:
            candidates |= set(also_verify)
        verified = {} if query.local is None else {v.image_id: v for v in self.local.verify(
            query.local, query.scale, min_inliers, candidates=candidates)}
        colours = self.hashes.colour_distances(query.hashes, hashed.keys() | verified.keys())
        return hashed, verified, colours

    def similarities(self, query: QueryEvidence, image_ids: Collection[int]) -> dict[int, float]:
        """The query's global-descriptor similarity to each of ``image_ids`` (its best region
        against the image's best view); empty when the query was not described."""
        if query.descriptors is None or not len(query.descriptors) or not image_ids:
            return {}
        return self.descriptors.similarity(query.descriptors, image_ids)

    def fit_colours(self, query: QueryEvidence, verified: Mapping[int, Verified],
                    ) -> dict[int, float]:
        """Each fit's colour distance where it puts the catalog photo in the query
        (colour.fitted_distance); none for a fit covering too little of the photo, an image
        without a layout, or a query without its colour copy."""
        if query.colour is None or not verified:
            return {}
        layouts = self.hashes.full_layouts(verified)
        out = {}
        for i, v in verified.items():
            if i in layouts and v.model:
                d = colour.fitted_distance(np.asarray(v.model), v.frame, v.mirrored,
                                           query.colour, query.colour_factor, layouts[i])
                if not np.isnan(d):
                    out[i] = round(d, 4)
        return out

    def judge(self, query: QueryEvidence, rules: Rules | None = None,
              measure_all: bool = False) -> Judged:
        """Both stages' evidence for ``query`` as served, and the model's score of every
        catalog image either found. The similarity and the fit colours are measured only
        for a model that reads them, unless ``measure_all`` (diagnostics)."""
        r = rules or Rules()
        hashed, verified, colours = self.evidence(query, r.candidate_score, r.fewest_inliers)
        distinct = distinctiveness({i: m.score for i, m in hashed.items()},
                                   {i: v.inliers for i, v in verified.items()})
        reads = {f.name for f in r.model.features} | (
            {"descriptor", "fit_colour"} if measure_all else set())
        similar = self.similarities(query, hashed.keys() | verified.keys()) \
            if "descriptor" in reads else {}
        fitted = self.fit_colours(query, verified) if "fit_colour" in reads else {}
        scores = {}
        for image_id in hashed.keys() | verified.keys():
            m, v = hashed.get(image_id), verified.get(image_id)
            scores[image_id] = unified_score(
                m.score if m else None, v.inliers if v else None, v.agreement if v else 1.0,
                r, v.spread if v else 1.0, colours.get(image_id), distinct[image_id],
                v.context if v else None, similar.get(image_id), fitted.get(image_id))
        return Judged(hashed, verified, distinct, scores, similar, fitted)

    def match(self, query: QueryEvidence, rules: Rules | None = None) -> list[Match]:
        """Accepted catalog images, best first; the stronger stage's evidence is reported."""
        r = rules or Rules()
        judged = self.judge(query, r)
        out = []
        for image_id, s in judged.scores.items():
            if s > 1.0:
                continue
            m, v = judged.hashed.get(image_id), judged.verified.get(image_id)
            # Report the hash stage when its evidence alone is accepted (it names the view
            # and region of a near-copy), else the keypoint fit's box.
            hash_alone = m is not None and unified_score(
                m.score, None, rules=r, distinct=(judged.distinct[image_id][0], None)) <= 1.0
            if v is not None and not hash_alone:
                out.append(local_match(v, s))
            elif m is not None:
                out.append(Match(m.image_id, m.hash_kind, m.distance, m.region, m.view, s,
                                 unified_confidence(s)))
        return sorted(out, key=lambda m: (m.score, m.image_id))
