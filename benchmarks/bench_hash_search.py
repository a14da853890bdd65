"""The hash stage's search at catalog scale: the served pair scan next to the previous
two multi-indexes, same catalog, same queries, same run, one thread.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_hash_search

Catalog: ``TRUST_BENCH_HASH_SCALE`` (default 1000,10000) generated distractor products, each
with the hash views the service enrols (training/distractor_cache.py: computed once,
cached under var/bench/matching-scale/). Queries: 40 photos as the service recovers and
hashes them (20 never enrolled, 10 enrolled ones, 10 nine-photo grids with an enrolled one
in a cell), searched at the served bound (the acceptance model's hash bound).

- *served*: ``Matcher.match_hashes``: one faiss range search over every row's 128-bit
  pHash+dHash code for all of a query's regions (models/hashing/matcher.py).
- *previous*: each region range-searched in two 64-bit ``HammingIndex`` multi-indexes
  (pHash, dHash) at half the bound, as the matcher did before, and the union scored by the
  same scoring code (so only the candidate search differs).

``TRUST_BENCH_HASH_REPEAT=10`` adds a row with the largest catalog's rows enrolled ten times
over, each copy a new image with a few bits of every code flipped (so no copy equals another):
a stand-in for 100,000 photos until their evidence is cached, since a scan's cost depends
on how many rows there are, not on their values, and the copies keep the real codes' skew
that the multi-index's buckets suffer from. Labelled as such in the table.

Both must return the same matches (checked, query by query). Memory: the resident-set growth
of each layout's search structures while the catalog is loaded, in a fresh process each,
with the service's allocator setting (large arrays in their own mappings). The served
layout has none beyond the matcher's rows; the previous one held two indexes with their own
copies of the codes, row labels and bucket orders.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import time
from collections.abc import Callable
from functools import partial

import faiss
import numpy as np
from PIL import Image
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import distractor_jpeg

from models.descriptor.model import load_descriptor
from models.hashing.decode import decode_for_matching
from models.hashing.index import HammingIndex, pack
from models.hashing.matcher import HashSet, Match, Matcher, hashes_of, recover_query
from models.hashing.pipeline import Rules
from models.thresholds import LOCAL_CATALOG_SIDE, MATCH_MIN_INFORMATION
from service.images.budget import pin_mmap_threshold
from training import distractor_cache as matching_cache

SIZES = [int(n) for n in os.environ.get("TRUST_BENCH_HASH_SCALE", "1000,10000").split(",")]
MAX_SCORE = Rules().candidate_score


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


REPEAT = int(os.environ.get("TRUST_BENCH_HASH_REPEAT", "1"))


def _flipped(codes: list[bytes], rng: np.random.Generator) -> list[bytes]:
    """Each code with up to three random bits flipped."""
    words = pack(codes)
    bits = rng.integers(0, 64, size=(*words.shape, 3)).astype(np.uint64)
    words ^= np.bitwise_or.reduce(np.uint64(1) << bits, axis=-1)
    raw = words.astype(">u8").tobytes()
    size = len(codes[0])
    return [raw[k * size:(k + 1) * size] for k in range(len(codes))]


def _catalog(n: int, artifact: str, repeat: int = 1) -> Matcher:
    matcher = Matcher()
    rng = np.random.default_rng(0)
    for i, hashes, _, _ in matching_cache.load(n, artifact):
        matcher.enroll(i, hashes)
        for copy in range(1, repeat):
            codes = [_flipped([getattr(h, k) for h in hashes], rng)
                     for k in ("phash", "dhash", "pdq")]
            matcher.enroll(copy * n + i, [HashSet(h.name, p, d, q, h.quality, h.colour)
                                          for h, p, d, q in zip(hashes, *codes, strict=True)])
    return matcher


def _previous_indexes(matcher: Matcher) -> dict[str, HammingIndex]:
    n = matcher._n
    indexes = {"phash": HammingIndex(64), "dhash": HammingIndex(64)}
    rows = np.arange(n, dtype=np.int64)
    for k, column in (("phash", 0), ("dhash", 1)):
        indexes[k].add(rows, matcher._pair[:n, column:column + 1])
    return indexes


def _previous_match(matcher: Matcher, indexes: dict[str, HammingIndex],
                    regions: list[HashSet], max_score: float) -> list[Match]:
    best: dict[int, Match] = {}
    radius = int(max_score) // 2
    for region in regions:
        if region.quality < MATCH_MIN_INFORMATION:
            continue
        found = [indexes[k].range_search(pack([getattr(region, k)])[0], radius)[0]
                 for k in ("phash", "dhash")]
        rows = np.unique(np.concatenate(found))
        rows = rows[matcher._alive[rows] & (matcher._quality[rows] >= MATCH_MIN_INFORMATION)]
        for m in matcher._score_region(region, rows, max_score):
            if m.image_id not in best or m.score < best[m.image_id].score:
                best[m.image_id] = m
    return sorted(best.values(), key=lambda m: (m.score, m.image_id))


def _memory(args: tuple[int, str, int]) -> tuple[float, float]:
    """Bytes a photo: the matcher's rows, then the previous layout's two indexes on them."""
    n, artifact, repeat = args
    pin_mmap_threshold()  # as a service worker's start-up does (service/images/budget.py)
    before = _rss()
    matcher = _catalog(n, artifact, repeat)
    served = _rss() - before
    indexes = _previous_indexes(matcher)
    previous = _rss() - before
    assert len(indexes["phash"]) == matcher._n
    return served / len(matcher), previous / len(matcher)


def _queries() -> list[list[HashSet]]:
    def photo(i: int) -> Image.Image:
        return decode_for_matching(distractor_jpeg(i), side=LOCAL_CATALOG_SIDE)

    rng = random.Random(0)
    images = [photo(500_000 + j) for j in range(20)] + [photo(37 * j) for j in range(10)]
    fill = [photo(600_000 + k) for k in range(8)]
    images += [layouts.grid(photo(41 * j + 3), rng, fill, 3) for j in range(10)]
    return [hashes_of(recover_query(img)) for img in images]


def _ms(fn: Callable[[list[HashSet]], object], queries: list[list[HashSet]]) -> list[float]:
    out = []
    for regions in queries:
        t = time.perf_counter()
        fn(regions)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def main() -> None:
    faiss.omp_set_num_threads(1)
    artifact = load_descriptor().version
    with multiprocessing.get_context("fork").Pool(
            2, matching_cache.init_worker, (artifact,)) as pool:
        matching_cache.ensure(max(SIZES), pool, artifact)
    queries = _queries()
    print(f"{len(queries)} queries, {statistics.mean(len(q) for q in queries):.1f} regions "
          f"each; bound {MAX_SCORE:g}; one thread\n")
    print("| catalog photos | rows | previous ms p50 / p99 | served ms p50 / p99 | served / "
          "previous p50 | same matches | previous KB a photo | served KB a photo |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|")
    runs = [(n, 1) for n in SIZES] + ([(max(SIZES), REPEAT)] if REPEAT > 1 else [])
    for n, repeat in runs:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            served_b, previous_b = pool.map(_memory, [(n, artifact, repeat)])[0]
        matcher = _catalog(n, artifact, repeat)
        indexes = _previous_indexes(matcher)
        same = all([(m.image_id, m.score, m.region, m.view) for m in a] ==
                   [(m.image_id, m.score, m.region, m.view) for m in b] for a, b in zip(
                       (matcher.match_hashes(q, MAX_SCORE) for q in queries),
                       (_previous_match(matcher, indexes, q, MAX_SCORE) for q in queries),
                       strict=True))
        previous_fn = partial(_previous_match, matcher, indexes, max_score=MAX_SCORE)
        served_fn = partial(matcher.match_hashes, max_score=MAX_SCORE)
        previous, served = _ms(previous_fn, queries), _ms(served_fn, queries)
        previous += _ms(previous_fn, queries)
        served += _ms(served_fn, queries)

        def pct(v: list[float], q: int) -> float:
            return float(np.percentile(v, q))

        label = f"{n:,}" if repeat == 1 else f"{len(matcher):,} ({n:,} cached, x{repeat}, bits flipped)"
        print(f"| {label} | {matcher._n:,} | {pct(previous, 50):.2f} / {pct(previous, 99):.2f} | "
              f"{pct(served, 50):.2f} / {pct(served, 99):.2f} | "
              f"{pct(served, 50) / pct(previous, 50):.2f} | {'yes' if same else 'NO'} | "
              f"{previous_b / 1024:.2f} | {served_b / 1024:.2f} |")
    print("\nTimes interleave (previous, served, previous, served) over the same queries. "
          "KB a photo: resident-set growth while loading the catalog's hash rows (served), "
          "plus the previous layout's two multi-indexes built on them (previous).")


if __name__ == "__main__":
    main()
