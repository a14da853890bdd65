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
    LocalFeatures,
    Verified,
    correlation,
    fit_similarity,
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

    def verify(self, query: LocalFeatures, scale: float = 1.0, min_inliers: int = 0,
               min_correlation: float = -1.0) -> list[Verified]:
        """Catalog images whose keypoints fit the query, most inliers first."""
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
        out: list[Verified] = []
        for image_id in np.unique(owner):
            sel = owner == image_id
            if sel.sum() < LOCAL_MIN_CANDIDATE_MATCHES:
                continue
            feats = self._features[int(image_id)]
            crow = catalog_row[sel]
            qpts = query.points[keep[sel]]
            best: tuple[int, bool, np.ndarray | None] = (0, False, None)
            for mirrored in (False, True):  # a query matches one orientation, not a mix
                side = feats.mirrored[crow] == mirrored
                inliers, model = fit_similarity(feats.points[crow[side]], qpts[side])
                if inliers > best[0]:
                    best = (inliers, mirrored, model)
            if best[2] is None or best[0] < min_inliers:
                continue
            agree = correlation(best[2], feats, best[1], query)
            if agree >= min_correlation:
                box = mapped_box(best[2], feats.width, feats.height, query, scale)
                out.append(Verified(int(image_id), best[0], round(agree, 4), best[1], box))
        return sorted(out, key=lambda v: (-v.inliers, v.image_id))
