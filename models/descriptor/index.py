"""Approximate nearest-neighbour index of catalog view descriptors (faiss HNSW, inner product).

Each catalog image enrols a few *views*, one descriptor each: at least the photo and its
mirror image. The descriptor is not mirror-invariant (ImageNet convolutions are not
left-right symmetric, and GeM keeps where activations fire only through what fired), and
mirroring is the cheapest evasion a reposter has; enrolling the mirror costs one stored
vector per photo, where describing every query and every query region twice would double
the request's CPU. Other views are added the same way (the pipeline also enrols the
photo's centre, for deep crops): ``search`` scores an image by its best view.

Why HNSW (``IndexHNSWSQ``, vectors held as float16) rather than IVF-PQ at 100,000 photos:

* no training step: IVF needs k-means centroids and PQ codebooks fitted on a sample of the
  catalog, refitted as the catalog drifts; HNSW takes vectors as they come, so the first
  enrolment and the ten-thousandth are the same operation;
* incremental adds: an enrolment is visible to the next search, which the change-log
  replay across workers relies on;
* recall: PQ compresses a 256-dim vector to tens of bytes and loses the fine ranking
  between near-duplicates that a candidate list is for; HNSW searches exact vectors and,
  with ``ef_search`` well above k, finds nearly all true top-k neighbours;
* memory per photo: a view costs 512 bytes of float16 vector + about 2 x M x 4 bytes of
  level-0 links ~= 0.8 KB with M = 32; three views ~= 2.3 KB a photo, ~230 MB at 100,000
  photos. IVF-PQ would save memory that only matters at millions of photos, at the price of
  the three points above.

Why float16: the database stores view descriptors as float16 (``pack_views``), so that is
all a worker loading them ever had; vectors are rounded to float16 on the way in, so an
image enrolled in this process and one loaded from the database hold the same vector, and
the index holds it exactly in half the bytes of float32. Queries stay float32.

HNSW cannot delete: a removed image's rows become tombstones, skipped at search time (the
search over-fetches to make up for them), and once tombstones exceed ``rebuild_share`` of
the rows the graph is rebuilt from the live vectors (read back from the index's own flat
storage, so no second copy is held). Re-enrolling an image replaces its views.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable

import faiss
import numpy as np

DIMS = 256


class DescriptorIndex:
    """Image-level nearest-neighbour search over enrolled view descriptors."""

    def __init__(self, dims: int = DIMS, m: int = 32, ef_construction: int = 80,
                 ef_search: int = 128, rebuild_share: float = 0.2,
                 rebuild_min_rows: int = 64) -> None:
        self.dims = dims
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.rebuild_share = rebuild_share
        self.rebuild_min_rows = rebuild_min_rows
        self._lock = threading.RLock()
        self._index = self._new_index()
        self._owner = np.zeros(0, dtype=np.int64)  # faiss row -> image id (-1: tombstone)
        self._rows: dict[int, np.ndarray] = {}  # image id -> its live faiss rows
        self._dead = 0
        self.rebuilds = 0

    def _new_index(self) -> faiss.IndexHNSW:
        fp16 = faiss.ScalarQuantizer.QT_fp16
        index = faiss.IndexHNSWSQ(self.dims, fp16, self.m,  # type: ignore[arg-type]
                                  faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        index.hnsw.efSearch = self.ef_search
        return index

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._rows

    @property
    def image_ids(self) -> set[int]:
        return set(self._rows)

    @property
    def rows(self) -> int:
        """Rows in the graph, tombstones included."""
        return int(self._index.ntotal)

    @property
    def tombstones(self) -> int:
        return self._dead

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        v = np.ascontiguousarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != self.dims:
            raise ValueError(f"expected (n, {self.dims}) descriptors, got {vectors.shape}")
        return v

    def _stored(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors as the database and the index hold them: float16 values."""
        return self._check(vectors).astype(np.float16).astype(np.float32)

    def add(self, image_id: int, vectors: np.ndarray) -> None:
        """Enrol (or re-enrol, replacing the old views) one image's view descriptors."""
        v = self._stored(vectors)
        with self._lock:
            self._drop(image_id)
            if len(v):
                start = int(self._index.ntotal)
                self._index.add(v)
                self._owner = np.concatenate([self._owner, np.full(len(v), image_id, np.int64)])
                self._rows[image_id] = np.arange(start, start + len(v), dtype=np.int64)
            self._maybe_rebuild()

    def add_many(self, items: Iterable[tuple[int, np.ndarray]]) -> None:
        """Enrol many images with one graph insertion (start-up loading)."""
        with self._lock:
            ids: list[int] = []
            blocks: list[np.ndarray] = []
            for image_id, vectors in items:
                self._drop(image_id)
                v = self._stored(vectors)
                if len(v):
                    ids.append(image_id)
                    blocks.append(v)
            if blocks:
                start = int(self._index.ntotal)
                counts = [len(b) for b in blocks]
                self._index.add(np.concatenate(blocks))
                self._owner = np.concatenate(
                    [self._owner, np.repeat(np.array(ids, np.int64), counts)])
                ends = start + np.cumsum(counts)
                for image_id, end, n in zip(ids, ends, counts, strict=True):
                    self._rows[image_id] = np.arange(end - n, end, dtype=np.int64)
            self._maybe_rebuild()

    def remove(self, image_id: int) -> bool:
        """Forget one image; its rows become tombstones until the next rebuild."""
        with self._lock:
            found = self._drop(image_id)
            self._maybe_rebuild()
            return found

    def _drop(self, image_id: int) -> bool:
        rows = self._rows.pop(image_id, None)
        if rows is None:
            return False
        self._owner[rows] = -1
        self._dead += len(rows)
        return True

    def _maybe_rebuild(self) -> None:
        total = int(self._index.ntotal)
        if self._dead and total >= self.rebuild_min_rows and self._dead > self.rebuild_share * total:
            self.rebuild()

    def similarity(self, queries: np.ndarray, image_ids: Iterable[int]) -> dict[int, float]:
        """Each enrolled image's best (query vector, view) inner product, exactly: the
        acceptance model reads it for the few images a query's stages found. Images not
        enrolled are left out."""
        q = self._check(queries)
        with self._lock:
            rows = {i: self._rows[i] for i in image_ids if i in self._rows}
            if not len(q) or not rows:
                return {}
            flat = np.concatenate(list(rows.values()))
            views = np.stack([self._index.storage.reconstruct(int(r)) for r in flat])
        best = (q @ views.T).max(axis=0)
        out, at = {}, 0
        for image_id, r in rows.items():
            out[image_id] = float(best[at:at + len(r)].max())
            at += len(r)
        return out

    def rebuild(self) -> None:
        """A fresh graph over the live rows only."""
        with self._lock:
            total = int(self._index.ntotal)
            live = np.flatnonzero(self._owner >= 0)
            vectors = (self._index.storage.reconstruct_n(0, total)[live] if total
                       else np.zeros((0, self.dims), np.float32))
            owner = self._owner[live]
            index = self._new_index()
            if len(vectors):
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            self._index = index
            self._owner = owner.copy()
            order = np.argsort(owner, kind="stable")
            ids, starts = np.unique(owner[order], return_index=True)
            self._rows = {int(i): rows for i, rows in zip(
                ids, np.split(order.astype(np.int64), starts[1:]), strict=True)}
            self._dead = 0
            self.rebuilds += 1

    def search(self, queries: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` catalog images nearest to any of the query vectors, best first.

        Each image is scored by its best (query vector, view) inner product. Tombstones
        are skipped; the per-vector fetch grows until ``k`` live images are found or the
        whole graph has been asked.
        """
        q = self._check(queries)
        with self._lock:
            total = int(self._index.ntotal)
            if k <= 0 or not len(q) or total == 0 or not self._rows:
                return []
            live_share = max(1e-3, 1.0 - self._dead / total)
            views = max(1.0, (total - self._dead) / len(self._rows))
            fetch = min(total, math.ceil(k * views / live_share) + 8)
            while True:
                params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
                params.efSearch = max(self.ef_search, fetch)
                sims, rows = self._index.search(q, fetch, params=params)
                best: dict[int, float] = {}
                owners = np.where(rows >= 0, self._owner[np.maximum(rows, 0)], -1)
                for image_id, sim in zip(owners.ravel().tolist(), sims.ravel().tolist(),
                                         strict=True):
                    if image_id >= 0 and sim > best.get(image_id, -math.inf):
                        best[image_id] = sim
                if len(best) >= min(k, len(self._rows)) or fetch >= total:
                    break
                fetch = min(total, fetch * 2)
            ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
            return [(int(i), float(s)) for i, s in ranked[:k]]


def pack_views(vectors: np.ndarray) -> bytes:
    """One image's view descriptors as stored in the database: float16, row-major."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim != 2 or v.shape[1] != DIMS:
        raise ValueError(f"expected (n, {DIMS}) descriptors, got {v.shape}")
    return v.astype("<f2").tobytes()


def unpack_views(data: bytes) -> np.ndarray:
    """``pack_views`` back to (n, 256) float32, re-normalised (float16 rounding)."""
    v = np.frombuffer(data, dtype="<f2").astype(np.float32).reshape(-1, DIMS)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
