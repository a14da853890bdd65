"""In-memory store of catalog ORB descriptors with exact Hamming kNN and verification.

Search is exact brute force (faiss ``IndexBinaryFlat``): with a catalog of a few hundred
images (1,000 descriptors each) a query of ~2,000 descriptors costs tens of milliseconds and
needs no training, so enroll/delete are a cheap append or mask. Cost grows linearly with
the catalog: at 10k images (10M descriptors, 320 MB) flat search is ~10 s per query and an
inverted-file index (faiss ``IndexBinaryIVF``, a few thousand lists, nprobe ~16, retrained
as the catalog grows) is needed; at 100k images (100M descriptors, 3.2 GB) also fewer
stored keypoints per image or a sharded index.
"""

from __future__ import annotations

from collections.abc import Iterable

import faiss
import numpy as np

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
from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES


class LocalIndex:
    """Catalog keypoints of every enrolled image; ``verify`` returns fitted candidates."""

    def __init__(self) -> None:
        self._features: dict[int, LocalFeatures] = {}
        self._index: faiss.IndexBinaryFlat | None = None
        self._owner = np.zeros(0, dtype=np.int64)
        self._row_in_owner = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._features

    @property
    def image_ids(self) -> set[int]:
        return set(self._features)

    @property
    def descriptor_count(self) -> int:
        return sum(len(f) for f in self._features.values())

    def enroll(self, image_id: int, features: LocalFeatures) -> None:
        self._features[image_id] = features
        self._index = None  # rebuilt lazily: enrolments come in bursts

    def enroll_many(self, items: Iterable[tuple[int, LocalFeatures]]) -> None:
        for image_id, features in items:
            self.enroll(image_id, features)

    def remove(self, image_id: int) -> bool:
        if self._features.pop(image_id, None) is None:
            return False
        self._index = None
        return True

    def _build(self) -> faiss.IndexBinaryFlat:
        index = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
        ids = list(self._features)
        counts = [len(self._features[i]) for i in ids]
        if ids and sum(counts):
            index.add(np.concatenate([self._features[i].descriptors for i in ids]))
        self._owner = np.repeat(np.array(ids, dtype=np.int64), counts)
        self._row_in_owner = np.concatenate(
            [np.arange(c, dtype=np.int64) for c in counts]) if ids else self._owner.copy()
        self._index = index
        return index

    def fits(self, query: LocalFeatures) -> list[Fit]:
        """Every catalog image with a RANSAC fit to the query (no acceptance rule applied)."""
        index = self._index if self._index is not None else self._build()
        if len(query) == 0 or index.ntotal == 0:
            return []
        k = min(KNN_NEIGHBOURS, int(index.ntotal))
        dist, rows = index.search(np.ascontiguousarray(query.descriptors), k)
        owners = np.where(rows >= 0, self._owner[np.maximum(rows, 0)], -1)
        keep = ratio_filter(dist.astype(np.int64), owners)
        if keep.size == 0:
            return []
        owner = owners[keep, 0]
        catalog_row = self._row_in_owner[rows[keep, 0]]
        out: list[Fit] = []
        for image_id in np.unique(owner):
            sel = owner == image_id
            if sel.sum() < LOCAL_MIN_CANDIDATE_MATCHES:
                continue
            feats = self._features[int(image_id)]
            crow = catalog_row[sel]
            qpts = query.points[keep[sel]]
            best: Fit | None = None
            for mirrored in (False, True):  # a query matches one orientation, not a mix
                side = feats.mirrored[crow] == mirrored
                fit = fit_similarity(feats.points[crow[side]], qpts[side])
                if fit is not None and (best is None or fit.inliers > best.inliers):
                    best = Fit(int(image_id), mirrored, fit.inliers, fit.model, fit.src, fit.dst)
            if best is not None:
                out.append(best)
        return out

    def features(self, image_id: int) -> LocalFeatures:
        return self._features[image_id]

    def verify(self, query: LocalFeatures, scale: float = 1.0, min_inliers: int = 0,
               min_agreement: float = -1.0) -> list[Verified]:
        """Catalog images whose keypoints fit the query, most inliers first.

        The photometric check (``agreement``) runs only on fits with ``min_inliers``: it is
        the costlier test, and most candidate images never get that many.
        """
        out: list[Verified] = []
        for fit in self.fits(query):
            if fit.inliers < min_inliers:
                continue
            feats = self._features[fit.image_id]
            agree = agreement(fit.model, feats, fit.mirrored, query)
            if agree >= min_agreement:
                box = mapped_box(fit.model, feats.width, feats.height, query, scale)
                spread = inlier_spread(fit, feats.width, feats.height)
                out.append(Verified(fit.image_id, fit.inliers, round(agree, 4), fit.mirrored,
                                    box, round(spread, 4)))
        return sorted(out, key=lambda v: (-v.inliers, v.image_id))
