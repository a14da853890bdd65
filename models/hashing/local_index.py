"""In-memory store of catalog ORB descriptors with exact Hamming kNN and verification.

The pipeline passes ``candidates`` (models/hashing/pipeline.py: the top-k catalog images by
global descriptor, and whatever the hash stage found): the query's descriptors are then
matched against those images' descriptors only, in a small flat index built for the query,
and Lowe's ratio test compares across the candidate images. Without candidates the search
covers the whole catalog, as below.

Search is exact brute force (faiss ``IndexBinaryFlat``): with a catalog of a few hundred
images (1,000 descriptors each) a query of ~2,000 descriptors costs tens of milliseconds and
needs no training, so enroll/delete are a cheap append or mask. Cost grows linearly with
the catalog: at 10k images (10M descriptors, 320 MB) flat search is ~10 s per query and an
inverted-file index (faiss ``IndexBinaryIVF``, a few thousand lists, nprobe ~16, retrained
as the catalog grows) is needed; at 100k images (100M descriptors, 3.2 GB) also fewer
stored keypoints per image or a sharded index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

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

    def _flat(self, ids: list[int]) -> tuple[faiss.IndexBinaryFlat, np.ndarray, np.ndarray]:
        """A flat Hamming index of the given images' descriptors, row owners, rows in owner."""
        index = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
        counts = [len(self._features[i]) for i in ids]
        if ids and sum(counts):
            index.add(np.concatenate([self._features[i].descriptors for i in ids]))
        owner = np.repeat(np.array(ids, dtype=np.int64), counts)
        row_in_owner = np.concatenate(
            [np.arange(c, dtype=np.int64) for c in counts]) if ids else owner.copy()
        return index, owner, row_in_owner

    def _build(self) -> faiss.IndexBinaryFlat:
        self._index, self._owner, self._row_in_owner = self._flat(list(self._features))
        return self._index

    def fits(self, query: LocalFeatures, candidates: Collection[int] | None = None) -> list[Fit]:
        """Catalog images with a RANSAC fit to the query (no acceptance rule applied).

        ``candidates``: only these catalog images are searched (None: all of them).
        """
        if candidates is None:
            index = self._index if self._index is not None else self._build()
            owner_of, row_of = self._owner, self._row_in_owner
        else:
            ids = sorted(i for i in set(candidates) if i in self._features)
            index, owner_of, row_of = self._flat(ids)
        if len(query) == 0 or index.ntotal == 0:
            return []
        k = min(KNN_NEIGHBOURS, int(index.ntotal))
        dist, rows = index.search(np.ascontiguousarray(query.descriptors), k)
        owners = np.where(rows >= 0, owner_of[np.maximum(rows, 0)], -1)
        keep = ratio_filter(dist.astype(np.int64), owners)
        if keep.size == 0:
            return []
        owner = owners[keep, 0]
        catalog_row = row_of[rows[keep, 0]]
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
               min_agreement: float = -1.0,
               candidates: Collection[int] | None = None) -> list[Verified]:
        """Catalog images whose keypoints fit the query, most inliers first.

        The photometric check (``agreement``) runs only on fits with ``min_inliers``: it is
        the costlier test, and most candidate images never get that many.
        """
        out: list[Verified] = []
        for fit in self.fits(query, candidates):
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
