"""Catalog ORB descriptors: exact Hamming kNN over the candidates, and verification.

The pipeline passes ``candidates`` (models/hashing/pipeline.py: the top-k catalog images by
global descriptor, and the hash stage's best finds): the query's descriptors are then
matched against those images' descriptors only, in a small flat index built for the query,
and Lowe's ratio test compares across the candidate images. Without candidates the search
covers the whole catalog (queries against catalogs under ``DESCRIPTOR_MIN_CATALOG``, which
are not described).

Search is exact brute force (faiss ``IndexBinaryFlat``): a few dozen candidates, or a
catalog of a few hundred images (1,000 descriptors each), cost tens of milliseconds against
a query of ~2,000 descriptors and need no training.

Where the keypoints live (models/hashing/keypoints.py). Without a source every enrolled
image's keypoints are held here, as given to ``enroll`` (training, benchmarks). With a
``KeypointSource`` (the service: the database) only the enrolled ids are, and at most
``capacity`` images' keypoints in an LRU cache; a verification reads the candidates the
cache lacks in one ``load``. A whole-catalog search of a catalog that fits the cache builds
its index once and keeps it until the catalog changes, as the resident layout does. A
larger catalog is scanned in chunks of ``capacity`` images read past the cache: the same
neighbours as one index, at one read of every stored keypoint per query. The service never
asks for that (it describes queries from ``DESCRIPTOR_MIN_CATALOG`` images on); the scan
only keeps such a call from holding the whole catalog in memory.

Searches may run in several threads at once (the service's MatchIndex spreads a request's
photos over threads); enrolment and removal must not run beside them (MatchIndex's lock).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import faiss
import numpy as np

from models.hashing.keypoints import (
    IN_SOURCE,
    InSource,
    KeypointCache,
    KeypointSource,
    ResidentKeypoints,
)
from models.hashing.local import (
    DESCRIPTOR_BYTES,
    KNN_NEIGHBOURS,
    Fit,
    LocalFeatures,
    Verified,
    agreement,
    fit_similarity,
    inlier_spread,
    mapped_box,
    ratio_filter,
)
from models.thresholds import LOCAL_CACHE_IMAGES, LOCAL_MIN_CANDIDATE_MATCHES

Features = dict[int, LocalFeatures]


@dataclass(frozen=True)
class _Flat:
    index: faiss.IndexBinaryFlat
    owner: np.ndarray  # faiss row -> catalog image id
    row: np.ndarray  # faiss row -> keypoint row in that image


@dataclass(frozen=True)
class _Knn:
    dist: np.ndarray  # (n, k) Hamming distances of each query descriptor's neighbours
    owner: np.ndarray  # (n, k) their catalog images (-1: no neighbour)
    row: np.ndarray  # (n, k) their keypoint rows in those images


def _flat(ids: Iterable[int], feats: Features) -> _Flat:
    """A flat Hamming index of the given images' descriptors (ids without keypoints skipped)."""
    ids = [i for i in ids if i in feats]
    counts = [len(feats[i]) for i in ids]
    index = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
    if sum(counts):
        index.add(np.concatenate([feats[i].descriptors for i in ids]))
    owner = np.repeat(np.array(ids, dtype=np.int64), counts)
    row = np.concatenate([np.arange(c, dtype=np.int64) for c in counts]) if ids else owner.copy()
    return _Flat(index, owner, row)


def _knn(flat: _Flat, query: LocalFeatures) -> _Knn | None:
    if len(query) == 0 or flat.index.ntotal == 0:
        return None
    k = min(KNN_NEIGHBOURS, int(flat.index.ntotal))
    dist, rows = flat.index.search(np.ascontiguousarray(query.descriptors), k)
    hit, safe = rows >= 0, np.maximum(rows, 0)
    return _Knn(dist.astype(np.int64), np.where(hit, flat.owner[safe], -1),
                np.where(hit, flat.row[safe], -1))


def _merge(a: _Knn, b: _Knn) -> _Knn:
    """The nearest ``KNN_NEIGHBOURS`` of two searches over disjoint images (ties: ``a``'s
    first, so chunks in image order merge as one index over them would)."""
    order = np.argsort(np.concatenate([a.dist, b.dist], axis=1), axis=1,
                       kind="stable")[:, :KNN_NEIGHBOURS]

    def pick(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.take_along_axis(np.concatenate([x, y], axis=1), order, axis=1)

    return _Knn(pick(a.dist, b.dist), pick(a.owner, b.owner), pick(a.row, b.row))


def _fit(query: LocalFeatures, knn: _Knn, feats: Features) -> list[Fit]:
    """RANSAC fits of the catalog images whose ratio-test survivors are enough (images
    missing from ``feats`` are skipped)."""
    keep = ratio_filter(knn.dist, knn.owner)
    if keep.size == 0:
        return []
    owner = knn.owner[keep, 0]
    catalog_row = knn.row[keep, 0]
    out: list[Fit] = []
    for image_id in np.unique(owner):
        sel = owner == image_id
        f = feats.get(int(image_id))
        if sel.sum() < LOCAL_MIN_CANDIDATE_MATCHES or f is None:
            continue
        crow = catalog_row[sel]
        qpts = query.points[keep[sel]]
        best: Fit | None = None
        for mirrored in (False, True):  # a query matches one orientation, not a mix
            side = f.mirrored[crow] == mirrored
            fit = fit_similarity(f.points[crow[side]], qpts[side])
            if fit is not None and (best is None or fit.inliers > best.inliers):
                best = Fit(int(image_id), mirrored, fit.inliers, fit.model, fit.src, fit.dst)
        if best is not None:
            out.append(best)
    return out


class LocalIndex:
    """Catalog keypoints of every enrolled image; ``verify`` returns fitted candidates."""

    def __init__(self, source: KeypointSource | None = None,
                 capacity: int = LOCAL_CACHE_IMAGES) -> None:
        if source is None:
            self._resident: ResidentKeypoints | None = ResidentKeypoints()
            self._source: KeypointSource = self._resident
        else:
            self._resident, self._source = None, source
        self._cache = KeypointCache(capacity)
        self._ids: set[int] = set()
        self._whole: tuple[_Flat, Features] | None = None  # whole-catalog index, if it fits
        # Searches may run in several threads at once (enrolments never do: the caller's
        # index lock keeps them apart): what a search changes, the cache's order, the
        # source's reads and the lazily built whole-catalog index, is changed under this.
        self._reading = threading.RLock()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._ids

    @property
    def image_ids(self) -> set[int]:
        return set(self._ids)

    @property
    def resident(self) -> bool:
        """Whether every enrolled image's keypoints are held here (no source given)."""
        return self._resident is not None

    @property
    def capacity(self) -> int:
        return self._cache.capacity

    @property
    def cached(self) -> int:
        """Images whose keypoints the cache holds (none when resident)."""
        return len(self._cache)

    @property
    def descriptor_count(self) -> int:
        """Catalog descriptors held in memory: all when resident, else the cache's."""
        held = self._resident.values() if self._resident is not None else self._cache.values()
        return sum(len(f) for f in held)

    def enroll(self, image_id: int, features: LocalFeatures | InSource) -> None:
        """Add or replace one image's keypoints.

        With a source: ``IN_SOURCE`` says they are stored there (read when the image is next
        a candidate; a cached copy is stale, so it is dropped); given features must be what
        the source holds, and are cached.
        """
        if isinstance(features, InSource):
            if self._resident is not None:
                raise ValueError("an index without a source holds the keypoints it is given")
            self._cache.drop(image_id)
        elif self._resident is not None:
            self._resident.put(image_id, features)
        else:
            self._cache.put(image_id, features)
        self._ids.add(image_id)
        self._whole = None  # rebuilt lazily: enrolments come in bursts

    def enroll_many(self, items: Iterable[tuple[int, LocalFeatures | InSource]]) -> None:
        for image_id, features in items:
            self.enroll(image_id, features)

    def enroll_stored(self, image_ids: Iterable[int]) -> None:
        """Enrol images whose keypoints are in the source, reading none of them."""
        for image_id in image_ids:
            self.enroll(image_id, IN_SOURCE)

    def remove(self, image_id: int) -> bool:
        if image_id not in self._ids:
            return False
        self._ids.discard(image_id)
        self._cache.drop(image_id)
        if self._resident is not None:
            self._resident.drop(image_id)
        self._whole = None
        return True

    def warm(self) -> None:
        """Read every enrolled image's keypoints into the cache if they all fit, so a small
        catalog's whole-catalog search never waits for the source."""
        if self._resident is None and len(self._ids) <= self.capacity:
            self._features(sorted(self._ids))

    def _features(self, ids: Collection[int]) -> Features:
        """Keypoints of the given enrolled images: held, cached, or read in one ``load``
        (an image the source no longer has is left out: deleted, and not yet synced)."""
        if self._resident is not None:
            return self._resident.load(ids)
        with self._reading:
            found, missing = self._cache.take(ids)
            if missing:
                fresh = self._source.load(missing)
                for image_id, features in fresh.items():
                    self._cache.put(image_id, features)
                found.update(fresh)
        return found

    def _scan(self, query: LocalFeatures) -> tuple[_Knn | None, Features]:
        """Whole-catalog kNN of a catalog larger than the cache, in chunks of ``capacity``
        images read past the cache (a scan would evict the working set)."""
        ids = sorted(self._ids)
        knn: _Knn | None = None
        for at in range(0, len(ids), self.capacity):
            chunk = ids[at:at + self.capacity]
            with self._reading:
                feats = self._source.load(chunk)
            part = _knn(_flat(chunk, feats), query)
            if part is not None:
                knn = part if knn is None else _merge(knn, part)
        if knn is None:
            return None, {}
        keep = ratio_filter(knn.dist, knn.owner)
        owner, count = np.unique(knn.owner[keep, 0], return_counts=True)
        feats = self._features([int(i) for i in owner[count >= LOCAL_MIN_CANDIDATE_MATCHES]])
        # The fit reads these images again: one re-stored in between (and not yet synced)
        # must not have its new points fitted to its old descriptors' matches.
        for image_id in list(feats):
            sel = keep[knn.owner[keep, 0] == image_id]
            rows, f = knn.row[sel, 0], feats[image_id]
            if rows.max() >= len(f) or not np.array_equal(np.unpackbits(
                    query.descriptors[sel] ^ f.descriptors[rows], axis=1).sum(axis=1),
                    knn.dist[sel, 0]):
                del feats[image_id]
        return knn, feats

    def _search(self, query: LocalFeatures,
                candidates: Collection[int] | None) -> tuple[list[Fit], Features]:
        if candidates is not None:
            ids = sorted(i for i in set(candidates) if i in self._ids)
            feats = self._features(ids)
            knn = _knn(_flat(ids, feats), query)
        elif self._resident is not None or len(self._ids) <= self.capacity:
            with self._reading:
                if self._whole is None:
                    ids = sorted(self._ids)
                    feats = self._features(ids)
                    self._whole = (_flat(ids, feats), feats)
                flat, feats = self._whole
            knn = _knn(flat, query)
        else:
            knn, feats = self._scan(query)
        return ([] if knn is None else _fit(query, knn, feats)), feats

    def fits(self, query: LocalFeatures, candidates: Collection[int] | None = None) -> list[Fit]:
        """Catalog images with a RANSAC fit to the query (no acceptance rule applied).

        ``candidates``: only these catalog images are searched (None: all of them).
        """
        return self._search(query, candidates)[0]

    def features(self, image_id: int) -> LocalFeatures:
        found = self._features([image_id]) if image_id in self._ids else {}
        if image_id not in found:
            raise KeyError(image_id)
        return found[image_id]

    def verify(self, query: LocalFeatures, scale: float = 1.0, min_inliers: int = 0,
               min_agreement: float = -1.0,
               candidates: Collection[int] | None = None) -> list[Verified]:
        """Catalog images whose keypoints fit the query, most inliers first.

        The photometric check (``agreement``) runs only on fits with ``min_inliers``: it is
        the costlier test, and most candidate images never get that many.
        """
        fits, feats = self._search(query, candidates)
        out: list[Verified] = []
        for fit in fits:
            if fit.inliers < min_inliers:
                continue
            f = feats[fit.image_id]
            agree, context = agreement(fit.model, f, fit.mirrored, query, fit.src)
            if agree >= min_agreement:
                box = mapped_box(fit.model, f.width, f.height, query, scale)
                spread = inlier_spread(fit, f.width, f.height)
                out.append(Verified(fit.image_id, fit.inliers, round(agree, 4), fit.mirrored,
                                    box, round(spread, 4), round(context, 4),
                                    tuple(map(float, fit.model.ravel())), (f.width, f.height)))
        return sorted(out, key=lambda v: (-v.inliers, v.image_id))
