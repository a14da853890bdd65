"""Exact Hamming range search over 1M and 10M stored 64-bit hashes, one thread.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_search

Compares the multi-index (models/hashing/index.py: the networks domain's per-platform photo
index; the catalog matcher searched with it until it scanned a 128-bit pair code instead,
bench_hash_search) with a numpy popcount scan and
faiss IndexBinaryFlat range search, same hashes, same queries, same radii. Hashes are
uniform random (the multi-index's good case) and, at 1M, biased (each bit set with
probability 0.8, so chunk buckets are skewed, closer to real perceptual hashes of similar
photos; the index then sees that its buckets hold more than a scan reads and scans with
faiss instead). Target: under 1 ms per query at 1M.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np

from models.hashing.index import HammingIndex
from models.hashing.pipeline import Rules

QUERIES = 200
# 5 and 8 as before; the radius the catalog matcher searched each 64-bit index with before
# its pair scan (half the hash score past which its acceptance model reads nothing); 12.
RADII = tuple(sorted({5, 8, int(Rules().candidate_score) // 2, 12}))


def _per_query_ms(fn: Callable[[np.uint64], object], queries: np.ndarray) -> float:
    fn(queries[0])
    t0 = time.perf_counter()
    for q in queries:
        fn(q)
    return (time.perf_counter() - t0) / len(queries) * 1e3


def _mih(index: HammingIndex, radius: int, q: np.uint64) -> object:
    return index.range_search(np.array([q]), radius)


def _numpy_scan(codes: np.ndarray, radius: int, q: np.uint64) -> object:
    return np.flatnonzero(np.bitwise_count(codes ^ q) <= radius)


def _codes(n: int, rng: np.random.Generator, bias: float | None) -> np.ndarray:
    if bias is None:
        return rng.integers(0, 2**64, size=n, dtype=np.uint64)
    bits = rng.random((n, 64)) < bias
    return np.packbits(bits, axis=1).view(">u8").astype(np.uint64).reshape(n)


def _queries(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    picks = codes[rng.integers(0, len(codes), QUERIES)]
    noise = np.uint64(1) << rng.integers(0, 64, size=(QUERIES, 3)).astype(np.uint64)
    return picks ^ np.bitwise_or.reduce(noise, axis=1)


def main() -> None:
    import faiss

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    print("| stored hashes | distribution | radius | multi-index ms/query | numpy scan ms/query "
          "| faiss flat ms/query | speed-up vs numpy | vs faiss |")
    print("|---|---|---|---|---|---|---|---|")
    for n, bias in ((1_000_000, None), (1_000_000, 0.8), (10_000_000, None)):
        codes = _codes(n, rng, bias)
        queries = _queries(codes, rng)
        index = HammingIndex(64)
        index.add(np.arange(n), codes[:, None])
        flat = faiss.IndexBinaryFlat(64)
        flat.add(codes.astype(">u8").view(np.uint8).reshape(n, 8))
        for radius in RADII:
            ours = _per_query_ms(partial(_mih, index, radius), queries)
            scan = _per_query_ms(partial(_numpy_scan, codes, radius), queries)
            fq = queries.astype(">u8").view(np.uint8).reshape(QUERIES, 8)
            t0 = time.perf_counter()
            for i in range(QUERIES):
                flat.range_search(fq[i:i + 1], radius + 1)  # faiss: strictly below radius
            fai = (time.perf_counter() - t0) / QUERIES * 1e3
            label = "uniform" if bias is None else f"biased p={bias}"
            print(f"| {n:,} | {label} | {radius} | {ours:.3f} | {scan:.3f} | {fai:.3f} "
                  f"| {scan / ours:.1f}x | {fai / ours:.1f}x |")
    print(f"\n{QUERIES} queries per row, each a stored hash with up to 3 bits flipped.")


if __name__ == "__main__":
    main()
