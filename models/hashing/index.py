"""Exact Hamming range search over packed binary hashes, in process.

Codes are rows of uint64 words (one word for 64-bit pHash/dHash, four for PDQ), each with
an integer label (the caller's row id). Search is exact: every stored code within the
radius is returned, nothing else.

For 64-bit codes a multi-index (Norouzi et al.'s multi-index hashing) makes search
sub-linear: the code is cut into four 16-bit chunks, and by pigeonhole any code within
radius r agrees with the query to within ``r // 4`` bits on at least one chunk, so only the
buckets of those chunk values are verified. Rows added since the last build are scanned by
brute force until there are enough of them to rebuild; removed rows are masked out, then
compacted away.

Wider codes, large radii and skewed buckets are scanned instead, by faiss's binary flat
index (a copy of the codes in row order). The bucket sizes a query would verify are summed
before any is read: when they hold more than 1/``_SCAN_FRACTION`` of the rows, verifying
costs more than scanning them all. Perceptual hashes of similar photos are skewed that way
(bench_search's biased set: ~290k candidates in 1M rows at radius 9).
"""

from __future__ import annotations

from itertools import combinations

import faiss
import numpy as np

_CHUNK_BITS = 16
_N_CHUNKS = 4
_MAX_SUB_RADIUS = 3  # beyond this the bucket enumeration costs more than a scan
_REBUILD_MIN_PENDING = 4096
# Verifying a bucket row costs ~this many times scanning one (bench_search, 1M rows).
_SCAN_FRACTION = 16


def _masks_within(bits: int, radius: int) -> np.ndarray:
    """All ``bits``-bit values with at most ``radius`` bits set (XOR masks to enumerate)."""
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << i for i in combo) for combo in combinations(range(bits), r)]
    return np.array(out, dtype=np.int64)


_MASKS = [_masks_within(_CHUNK_BITS, r) for r in range(_MAX_SUB_RADIUS + 1)]


def pack(hashes: list[bytes] | tuple[bytes, ...]) -> np.ndarray:
    """Big-endian hash bytes -> (n, words) uint64 array."""
    if not hashes:
        return np.zeros((0, 1), dtype=np.uint64)
    raw = np.frombuffer(b"".join(hashes), dtype=">u8")
    return raw.reshape(len(hashes), -1).astype(np.uint64)


def _as_bytes(codes: np.ndarray) -> np.ndarray:
    """(n, words) uint64 -> (n, 8 * words) uint8 for faiss (byte order does not change a
    Hamming distance, so the native view serves)."""
    return np.ascontiguousarray(codes, dtype=np.uint64).view(np.uint8).reshape(len(codes), -1)


class HammingIndex:
    def __init__(self, bits: int = 64) -> None:
        if bits % 64:
            raise ValueError("bits must be a multiple of 64")
        self.words = bits // 64
        self._codes = np.zeros((0, self.words), dtype=np.uint64)
        self._labels = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._n = 0  # rows in use (arrays grow by doubling)
        self._built = 0  # rows covered by the multi-index tables
        self._dead = 0
        self._orders: list[np.ndarray] = []
        self._offsets: list[np.ndarray] = []
        self._flat = faiss.IndexBinaryFlat(bits)  # rows 0.._n in order, for scans

    def __len__(self) -> int:
        return self._n - self._dead

    @property
    def nbytes(self) -> int:
        """Bytes the index holds: its arrays (with the room they have grown ahead of their
        rows), the bucket tables and faiss's copy of the codes."""
        arrays = [self._codes, self._labels, self._alive, *self._orders, *self._offsets]
        return sum(a.nbytes for a in arrays) + self._flat.ntotal * self._flat.code_size

    def add(self, labels: np.ndarray, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.uint64).reshape(-1, self.words)
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(labels) != len(codes):
            raise ValueError("one label per code")
        need = self._n + len(codes)
        if need > len(self._labels):
            cap = max(need, 2 * len(self._labels), 1024)
            self._codes = np.resize(self._codes, (cap, self.words))
            self._labels = np.resize(self._labels, cap)
            self._alive = np.resize(self._alive, cap)
        self._codes[self._n:need] = codes
        self._labels[self._n:need] = labels
        self._alive[self._n:need] = True
        self._n = need
        self._flat.add(_as_bytes(codes))
        if self.words == 1 and need - self._built > max(_REBUILD_MIN_PENDING, self._built // 8):
            self._build()

    def remove(self, labels: np.ndarray | list[int]) -> int:
        """Drop every row with one of ``labels``; returns how many rows went."""
        hit = self._alive[:self._n] & np.isin(self._labels[:self._n], np.asarray(labels))
        count = int(hit.sum())
        self._alive[:self._n][hit] = False
        self._dead += count
        if self._dead > 1024 and self._dead > self._n // 4:
            self._compact()
        return count

    def _compact(self) -> None:
        keep = np.flatnonzero(self._alive[:self._n])
        self._codes = self._codes[keep].copy()
        self._labels = self._labels[keep].copy()
        self._alive = np.ones(len(keep), dtype=bool)
        self._n, self._dead, self._built = len(keep), 0, 0
        self._flat.reset()
        self._flat.add(_as_bytes(self._codes[:self._n]))
        if self.words == 1:
            self._build()

    def _build(self) -> None:
        codes = self._codes[:self._n, 0]
        self._orders, self._offsets = [], []
        for k in range(_N_CHUNKS):
            chunk = ((codes >> np.uint64(k * _CHUNK_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
            order = np.argsort(chunk, kind="stable")
            # int32 row numbers: half the bytes of argsort's int64, 4 per row per chunk
            # (a catalog photo enrols ~60 rows; 2^31 rows are ~34M photos)
            self._orders.append(order.astype(np.int32))
            self._offsets.append(np.searchsorted(chunk[order],
                                                 np.arange((1 << _CHUNK_BITS) + 1)))
        self._built = self._n

    def range_search(self, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """Labels and distances of every live code within ``radius`` of ``query``."""
        q = np.asarray(query, dtype=np.uint64).reshape(self.words)
        sub = radius // _N_CHUNKS
        if self.words != 1 or sub > _MAX_SUB_RADIUS or self._built == 0:
            return self._scan_all(q, radius)
        hit = self._search_built(q[0], radius, sub)
        if hit is None:
            return self._scan_all(q, radius)
        rows, dist = hit
        if self._built < self._n:
            tail_labels, tail_dist = self._scan_pending(q[0], radius)
            return (np.concatenate((self._labels[rows], tail_labels)),
                    np.concatenate((dist, tail_dist)))
        return self._labels[rows], dist

    def _search_built(self, q: np.uint64, radius: int, sub: int
                      ) -> tuple[np.ndarray, np.ndarray] | None:
        masks = _MASKS[sub]
        qi = int(q)
        buckets = []
        for k in range(_N_CHUNKS):
            values = ((qi >> (k * _CHUNK_BITS)) & 0xFFFF) ^ masks
            starts = self._offsets[k][values]
            buckets.append((starts, self._offsets[k][values + 1] - starts))
        if sum(int(lens.sum()) for _, lens in buckets) > self._built // _SCAN_FRACTION:
            return None  # skewed buckets: a scan is cheaper
        rows, dists = [], []
        for k, (starts, lens) in enumerate(buckets):
            n = int(lens.sum())
            if not n:
                continue
            # Expand the bucket ranges [start, start + len) into one position array.
            pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(n)
            # Codes are read through the bucket order rather than kept in a sorted copy per
            # chunk: 32 bytes a row less, for a gather of the few rows a query verifies.
            candidates = self._orders[k][pos]
            d = np.bitwise_count(self._codes[candidates, 0] ^ q)
            ok = d <= radius
            if ok.any():
                rows.append(candidates[ok].astype(np.int64))
                dists.append(d[ok])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        all_rows = np.concatenate(rows)
        all_d = np.concatenate(dists).astype(np.int64)
        # A code close on several chunks is found once per chunk.
        all_rows, first = np.unique(all_rows, return_index=True)
        all_d = all_d[first]
        live = self._alive[all_rows]
        return all_rows[live], all_d[live]

    def _scan_all(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        _, dist, rows = self._flat.range_search(_as_bytes(q[None, :]), radius + 1)  # < r+1
        keep = self._alive[rows]
        return self._labels[rows[keep]], dist[keep].astype(np.int64)

    def _scan_pending(self, q: np.uint64, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """The 64-bit rows added since the last build (at most an eighth of those built)."""
        lo, hi = self._built, self._n
        dist = np.bitwise_count(self._codes[lo:hi, 0] ^ q).astype(np.int64)
        keep = np.flatnonzero((dist <= radius) & self._alive[lo:hi])
        return self._labels[lo:hi][keep], dist[keep]
