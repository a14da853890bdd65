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
catalog images nearest to any of them, with every image the hash stage found, are verified
with keypoints. A query without descriptors
(``describe=False``) is verified against the whole catalog, as is any catalog image stored
without descriptors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from models import thresholds
from models.descriptor.index import DescriptorIndex
from models.descriptor.model import load_descriptor
from models.hashing import colour
from models.hashing.acceptance import AcceptanceModel, Distinct, distinctiveness, load_acceptance
from models.hashing.keypoints import InSource, KeypointSource
from models.hashing.local import LocalFeatures, Verified, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import (
    HashSet,
    Match,
    Matcher,
    Recovered,
    enrollment_hashes,
    hashes_of,
    recover_query,
)
from models.hashing.regions import Region

# What stored catalog evidence was computed with: the hash stage's part (hashes, qualities,
# views and colour layouts) and the local stage's (ORB features). Stored evidence of another
# version is recomputed from the stored image bytes (start-up, or `trustd matching
# reindex`), so any change to what either stage stores bumps its part; what each version
# changed is in reports/matching/HISTORY.md. The ".d2" part: the global descriptors of
# the photo, its mirror and its centre (models/artifacts/descriptor-v2).
EVIDENCE_VERSION = "h5.l1.d2"


@dataclass(frozen=True)
class CatalogEvidence:
    """Everything stored for one catalog image."""

    hashes: list[HashSet]
    local: LocalFeatures
    descriptors: np.ndarray | None = None  # (views, 256) float32: photo, mirror, centre


@dataclass(frozen=True)
class QueryEvidence:
    """What was computed from one query image (CPU-bound, no catalog needed).

    A stage left out (no hashes, or ``local`` None) simply contributes no matches: the
    listing scorer runs the cheap hash stage in the request and the local stage later.
    """

    hashes: list[HashSet]
    local: LocalFeatures | None
    scale: float = 1.0  # original query pixels -> local-feature frame
    # (n, 256) float32: the whole query and its recovered regions; None: not described
    descriptors: np.ndarray | None = None
    # RGB uint8 of the query, ``colour_factor`` times the local frame's size: what a fit's
    # colours are compared on (colour.fitted_distance); None without the local stage
    colour: np.ndarray | None = None
    colour_factor: float = 1.0


# The query's colour copy for fitted colour distances: a layout cell of a grid-9 cell
# still spans ~10 of its pixels at this side.
FIT_COLOUR_SIDE = 256
CATALOG_CENTRE_VIEW = 0.65  # side share of the centre-crop view a catalog photo enrols


def catalog_descriptors(image: Image.Image) -> np.ndarray:
    """Descriptors of the enrolled views of one catalog photo: the photo, its mirror, and
    its centre (``CATALOG_CENTRE_VIEW`` of each side).

    The descriptor of a whole photo is far from that of a 60 % crop of it (cosine ~0.4 on
    a product shot, where other product shots sit at 0.3): the centre view brings such a
    crop to ~0.8-1.0. A mirrored deep crop has only the mirror view of the whole photo.
    """
    descriptor = load_descriptor()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    square = descriptor.pixels(rgb)  # the network's input; mirroring it mirrors the photo
    w, h = rgb.size
    m = (1.0 - CATALOG_CENTRE_VIEW) / 2
    centre = rgb.crop((round(w * m), round(h * m), round(w * (1 - m)), round(h * (1 - m))))
    return descriptor.describe([Image.fromarray(square),
                                Image.fromarray(np.ascontiguousarray(square[:, ::-1])), centre])


def analyse_catalog(image: Image.Image) -> CatalogEvidence:
    return CatalogEvidence(enrollment_hashes(image), catalog_features(image),
                           catalog_descriptors(image))


def window_regions(full: Region, windows: int = thresholds.DESCRIPTOR_WINDOWS,
                   elongation: float = thresholds.DESCRIPTOR_WINDOW_ELONGATION) -> list[Region]:
    """Squares of the short side slid evenly from one end of the long side to the other, for
    a query at least ``elongation`` times longer than wide (or wider than long); none for
    others. A descriptor of a whole phone screenshot is mostly the app's chrome, and where
    the photo's edges cannot be recovered one of these windows still holds most of it."""
    x0, y0, x1, y1 = full.box
    w, h = x1 - x0, y1 - y0
    short, long = min(w, h), max(w, h)
    if short < 1 or long < elongation * short:
        return []
    out = []
    for i, t in enumerate(np.linspace(0, long - short, windows).round().astype(int).tolist()):
        box = (x0, y0 + t, x1, y0 + t + short) if h > w else (x0 + t, y0, x0 + t + short, y1)
        out.append(Region(f"window-{i}", box))
    return out


def descriptor_regions(regions: Sequence[Region],
                       cap: int = thresholds.DESCRIPTOR_MAX_REGIONS) -> list[Region]:
    """The recovered regions worth a descriptor, at most ``cap``, in order of use.

    The whole query first (mild edits, crops, banners: the descriptor carries those from
    the whole frame), then every grid or collage cell (its trimmed box where it has one:
    a nine-photo grid needs all nine), the photo inside a screenshot, the trimmed content
    and the centre crop; then, beyond ``cap``, square windows along an elongated query
    (``window_regions``). Quarters and banner cuts are left to the hash stage: a descriptor
    of the whole frame already ranks those edits.
    """
    by_name = {r.name: r for r in regions}
    picked: list[Region] = []

    def take(name: str) -> None:
        r = by_name.get(name)
        if r is not None and r.box not in {p.box for p in picked}:
            picked.append(r)

    take("full")
    cells = sorted({int(n.split("-")[1]) for n in by_name if n.startswith("cell-")})
    for i in cells:
        take(f"cell-{i}-trim" if f"cell-{i}-trim" in by_name else f"cell-{i}")
    take("photo-trim" if "photo-trim" in by_name else "photo")
    take("trim")
    for name in by_name:
        if name.startswith("centre-"):
            take(name)
    picked = picked[:cap]
    if "full" in by_name:  # on top of the cap: an elongated query's cells still count
        for r in window_regions(by_name["full"]):
            if r.box not in {p.box for p in picked}:
                picked.append(r)
    return picked


def query_descriptors(recovered: Recovered, source: Image.Image | None = None,
                      cap: int = thresholds.DESCRIPTOR_MAX_REGIONS) -> np.ndarray:
    """Descriptors of the whole query and its recovered regions (``descriptor_regions``).

    Regions are cut from ``source`` (the larger local-stage image, boxes scaled to it) when
    given, so a grid cell is described from its own pixels rather than from the working
    copy's ~130 px.
    """
    image = source if source is not None else recovered.rgb
    image = image if image.mode == "RGB" else image.convert("RGB")
    fx = image.width / recovered.rgb.width
    fy = image.height / recovered.rgb.height
    crops = []
    for r in descriptor_regions(recovered.regions, cap):
        x0, y0, x1, y1 = r.box
        box = (round(x0 * fx), round(y0 * fy), max(round(x1 * fx), round(x0 * fx) + 1),
               max(round(y1 * fy), round(y0 * fy) + 1))
        crops.append(image if box == (0, 0, image.width, image.height) else image.crop(box))
    return load_descriptor().describe(crops)


def analyse_query(image: Image.Image | None, local_image: Image.Image | None = None,
                  *, local: bool = True, describe: bool = True) -> QueryEvidence:
    """Hash stage from ``image``, local stage from ``local_image`` (default: ``image``).

    The hash stage only needs the working size (``decode_for_matching`` at ``WORK_SIDE``);
    the local stage wants the photo at up to ``LOCAL_QUERY_MAX_SIDE``. ``image=None``
    skips the hash stage, ``local=False`` the local one. With the local stage the query's
    descriptors choose which catalog images it verifies; ``describe=False`` leaves them
    out (every catalog image is then verified).
    """
    recovered = recover_query(image) if image is not None else None
    hashes = hashes_of(recovered) if recovered is not None else []
    source = local_image if local_image is not None else image
    if not local or source is None:
        return QueryEvidence(hashes, None)
    features, scale = query_features(source)
    descriptors = None
    if describe:
        if recovered is None:
            recovered = recover_query(source)
        descriptors = query_descriptors(recovered, source)
    return QueryEvidence(hashes, features, scale, descriptors, *query_colour(source, features))


def query_colour(source: Image.Image, features: LocalFeatures) -> tuple[np.ndarray, float]:
    """The query's colour copy for fitted colour distances, and its size over the local
    frame's (``QueryEvidence.colour``, ``colour_factor``)."""
    factor = min(1.0, FIT_COLOUR_SIDE / max(features.width, features.height, 1))
    size = (max(1, round(features.width * factor)), max(1, round(features.height * factor)))
    rgb = source if source.mode == "RGB" else source.convert("RGB")
    resample = Image.Resampling.BOX if size[0] < rgb.width else Image.Resampling.BILINEAR
    return np.asarray(rgb.resize(size, resample), dtype=np.uint8), factor


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
                 cache_images: int = thresholds.LOCAL_CACHE_IMAGES) -> None:
        self.hashes = Matcher()
        self.local = LocalIndex(keypoints, cache_images)
        self.descriptors = DescriptorIndex()
        self.top_k = top_k
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

    def evidence(self, query: QueryEvidence, max_hash_score: float, min_inliers: int,
                 verify_hash_score: float | None = None, also_verify: Collection[int] = (),
                 ) -> tuple[dict[int, Match], dict[int, Verified], dict[int, float]]:
        """Both stages' raw evidence as served: hash matches up to ``max_hash_score``,
        keypoint fits of at least ``min_inliers`` among the candidates (the descriptor's and
        the hash matches up to ``verify_hash_score``, default ``max_hash_score``), colour
        distances of every image either found. ``match`` judges it; calibration records
        hash scores wider than the served bound without verifying every one of them, and
        verifies ``also_verify`` whatever the descriptor proposes (its worst case: the
        products of one brand, which share a printed logo)."""
        hashed = {m.image_id: m for m in self.hashes.match_hashes(query.hashes, max_hash_score)}
        bound = max_hash_score if verify_hash_score is None else verify_hash_score
        candidates = self.candidates(query, [i for i, m in hashed.items() if m.score <= bound])
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
