"""Exact batched Hamming range search over packed codes: a multi-index of 16-bit chunks.

Norouzi et al.'s multi-index hashing: a code of ``4 * words`` 16-bit chunks within radius r
of a query agrees with it to within ``r // chunks`` bits on at least one chunk (pigeonhole),
so only the buckets of those chunk values are verified. Tables are sorted arrays (a bucket
order and offsets per chunk, and the codes in that order, read as contiguous runs), and a
search takes all of a listing's queries at once. Why this and not faiss: models/banks/index.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

_CHUNK = 16
# Rows added since the last build are scanned by brute force for every query: a listing's
# ~100 regions over at most 2,048 rows is ~200k popcounts; a rebuild of 1M rows is four
# argsorts, once per ~30 banked decisions (a banked photo stores ~60 views).
_REBUILD_PENDING = 2048


def _masks(radius: int) -> np.ndarray:
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << i for i in c) for c in combinations(range(_CHUNK), r)]
    return np.array(out, dtype=np.int64)


_MASKS = [_masks(r) for r in range(3)]


def popcount_rows(a: np.ndarray) -> np.ndarray:
    """Bits set per row of a (n, words) uint64 array."""
    if a.shape[1] == 1:
        return np.bitwise_count(a[:, 0]).astype(np.int64)
    return np.bitwise_count(a).sum(axis=1, dtype=np.int64)


def pack_codes(values: Sequence[bytes], words: int) -> np.ndarray:
    """Big-endian hash bytes -> (n, words) uint64."""
    if not values:
        return np.zeros((0, words), dtype=np.uint64)
    return np.frombuffer(b"".join(values), dtype=">u8").reshape(len(values), words).astype(
        np.uint64)


class MultiIndex:
    """Exact batched Hamming range search over codes of ``words`` 64-bit words, cut into
    16-bit chunks (4 per word). Labels are the owner's row numbers."""

    def __init__(self, words: int) -> None:
        self.words, self.chunks = words, 4 * words
        self._codes = np.zeros((0, words), dtype=np.uint64)
        self._labels = np.zeros(0, dtype=np.int32)
        self._n = self._built = 0
        self._orders: list[np.ndarray] = []
        self._offsets: list[np.ndarray] = []
        self._sorted: list[np.ndarray] = []  # the codes in each chunk's bucket order

    def __len__(self) -> int:
        return self._n

    def nbytes(self) -> int:
        return (self._n * (8 * self.words + 4)
                + sum(a.nbytes for a in (*self._orders, *self._offsets, *self._sorted)))

    def add(self, labels: np.ndarray, codes: np.ndarray, build: bool = True) -> None:
        """``build=False``: leave the rebuild to the caller (a bulk load builds once)."""
        need = self._n + len(labels)
        if need > len(self._labels):
            cap = max(need, 2 * len(self._labels), 1024)
            self._codes = np.resize(self._codes, (cap, self.words))
            self._labels = np.resize(self._labels, cap)
        self._codes[self._n:need] = codes
        self._labels[self._n:need] = labels
        self._n = need
        if build and need - self._built > _REBUILD_PENDING:
            self.build()

    def _chunk(self, codes: np.ndarray, j: int) -> np.ndarray:
        shift = np.uint64(_CHUNK * (j % 4))
        return ((codes[:, j // 4] >> shift) & np.uint64(0xFFFF)).astype(np.int64)

    def build(self) -> None:
        codes = self._codes[:self._n]
        self._orders, self._offsets, self._sorted = [], [], []
        self._built = self._n
        if not self._n:  # nothing to index: no bucket tables (16 chunks' would be 8 MB)
            return
        for j in range(self.chunks):
            chunk = self._chunk(codes, j)
            order = np.argsort(chunk, kind="stable")
            self._orders.append(order.astype(np.int32))
            self._offsets.append(np.searchsorted(chunk[order], np.arange((1 << _CHUNK) + 1)))
            self._sorted.append(codes[order])

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query number, label, distance) of every stored code within ``radius``."""
        sub = radius // self.chunks
        if sub >= len(_MASKS):
            raise ValueError(f"radius {radius} is beyond this index's bucket enumeration")
        masks = _MASKS[sub]
        q = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, self.words)
        found_q, found_row, found_d = [], [], []
        if self._built:
            for j in range(self.chunks):
                values = self._chunk(q, j)[:, None] ^ masks[None, :]
                starts = self._offsets[j][values].ravel()
                lens = self._offsets[j][values + 1].ravel() - starts
                total = int(lens.sum())
                if not total:
                    continue
                pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
                qi = np.repeat(np.arange(len(q)).repeat(len(masks)), lens)
                # read in bucket order (contiguous runs), not gathered row by row
                d = popcount_rows(self._sorted[j][pos] ^ q[qi])
                ok = np.flatnonzero(d <= radius)
                found_q.append(qi[ok])
                found_row.append(self._orders[j][pos[ok]].astype(np.int64))
                found_d.append(d[ok])
        if self._built < self._n and len(q):  # the rows added since the build, scanned
            tail = self._codes[self._built:self._n]
            if self.words == 1:
                d = np.bitwise_count(q[:, 0, None] ^ tail[None, :, 0])
            else:
                d = np.bitwise_count(q[:, None, :] ^ tail[None, :, :]).sum(axis=2,
                                                                          dtype=np.int64)
            qi, rel = np.nonzero(d <= radius)
            found_q.append(qi)
            found_row.append(rel + self._built)
            found_d.append(d[qi, rel].astype(np.int64))
        if not found_q:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        qi, rows, d = (np.concatenate(found_q), np.concatenate(found_row),
                       np.concatenate(found_d))
        # a code close on several chunks is found once per chunk
        _, first = np.unique(qi * max(self._n, 1) + rows, return_index=True)
        return qi[first], self._labels[rows[first]].astype(np.int64), d[first]
