"""Worker memory per catalog photo: keypoints held by every worker vs left in the database.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_keypoint_memory

A fresh SQLite database under var/bench/keypoint-memory/ gets N synthetic catalog photos
(``TRUST_BENCH_KEYPOINT_PHOTOS``, default 2,000): one real product shot's hashes (63
views, colour layouts on three) and keypoints (1,000 ORB descriptors, points, thumbnail)
with random bytes in every hash, descriptor and point, and random view descriptors, so
each photo stores as much as a real one and nothing is shared between photos. Each layout
is loaded in a fresh process, by the steps of ``MatchIndex.load`` (hashes, keypoints, view
descriptors), and its resident set size measured after each step (``malloc_trim`` first,
so freed heap does not count): the previous layout (``MatchIndex()``: every photo's
keypoints in memory) and the served one (``MatchIndex.on_database``: the ids, and a cache
of ``LOCAL_CACHE_IMAGES`` photos' keypoints, then filled by verifying random candidate
sets of ``DESCRIPTOR_TOP_K`` photos). The per-photo figures at 100,000 photos extrapolate
the measured per-photo cost of each step and add the full cache once. Timings: a
verification of ``DESCRIPTOR_TOP_K`` candidates none of which is cached (one SELECT) and
all of which are, against a query of ``LOCAL_QUERY_FEATURES`` random descriptors.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert
from trustdata.copydetect.sources import product_shot

from models.descriptor.index import pack_views
from models.hashing.analysis import EVIDENCE_VERSION
from models.hashing.local import LocalFeatures, catalog_features
from models.hashing.matcher import enrollment_hashes
from models.thresholds import DESCRIPTOR_TOP_K, LOCAL_CACHE_IMAGES, LOCAL_QUERY_FEATURES
from service.catalog.tables import CatalogImage, Product
from service.kit.db import create_db_engine
from service.kit.migrate import upgrade
from service.matching.tables import MatchingFeatures, MatchingHash

ROOT = Path("var/bench/keypoint-memory")
AT_SCALE = 100_000
TIMED = 20  # verifications timed per case


def _fill(url: str, n: int) -> int:
    """N synthetic catalog photos; returns the bytes of one photo's keypoint blob."""
    photo = product_shot(7000, 640)
    hashes, local = enrollment_hashes(photo), catalog_features(photo)
    rng = np.random.default_rng(18)
    engine = create_db_engine(url)
    with engine.begin() as conn:
        for lo in range(0, n, 500):
            ids = range(lo + 1, min(n, lo + 500) + 1)
            conn.execute(insert(Product), [
                {"id": i, "brand": "Bench", "brand_key": "bench", "name": f"item {i}",
                 "list_price": 1, "currency": "USD", "authorized_seller_ids": []} for i in ids])
            conn.execute(insert(CatalogImage), [
                {"id": i, "product_id": i, "sha256": f"{i:064x}", "byte_size": 1,
                 "format": "JPEG", "width": 640, "height": 640, "data": b"-"} for i in ids])
            conn.execute(insert(MatchingHash), [
                {"image_id": i, "view": h.name, "phash": rng.bytes(8).hex(),
                 "dhash": rng.bytes(8).hex(), "pdq": rng.bytes(32).hex(), "quality": h.quality,
                 "colour": rng.bytes(len(h.colour)).hex() if h.colour else None}
                for i in ids for h in hashes])
            conn.execute(insert(MatchingFeatures), [
                {"image_id": i, "data": _random_features(local, rng).to_bytes(),
                 "descriptors": pack_views(rng.normal(size=(3, 256))),
                 "evidence_version": EVIDENCE_VERSION} for i in ids])
    engine.dispose()
    return len(local.to_bytes())


def _random_features(like: LocalFeatures, rng: np.random.Generator) -> LocalFeatures:
    n = len(like)
    return LocalFeatures(like.width, like.height,
                         (rng.random((n, 2)) * [like.width, like.height]).astype(np.float32),
                         rng.integers(0, 256, (n, 32), dtype=np.uint8), like.mirrored,
                         rng.integers(0, 256, like.pixels.shape, dtype=np.uint8))


def _rss() -> int:
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _measure(url: str, stored: bool) -> dict[str, float]:
    """In a fresh process: RSS after each step of loading one layout (and timings)."""
    import faiss

    from service.kit.db import make_session_factory
    from service.matching import repository
    from service.matching.runtime import MatchIndex

    faiss.omp_set_num_threads(1)
    factory = make_session_factory(create_db_engine(url))
    index = MatchIndex.on_database(factory) if stored else MatchIndex()
    with factory() as session:
        repository.last_change(session)  # connect (and import what a query needs) first
    out: dict[str, float] = {}
    before = _rss()
    started = time.perf_counter()
    with factory() as session:  # the steps of MatchIndex.load
        for image_id, hashes in repository.iter_all_hashes(session):
            index.matcher.hashes.enroll(image_id, hashes)
        out["hashes"], before = _rss() - before, _rss()
        local = index.matcher.local
        if stored:
            local.enroll_stored(repository.iter_feature_ids(session))
        else:
            for image_id, features in repository.iter_all_features(session):
                local.enroll(image_id, features)
        out["keypoints"], before = _rss() - before, _rss()
        index.matcher.enroll_descriptors(repository.iter_all_descriptors(session))
        out["descriptors"], before = _rss() - before, _rss()
    out["load_s"] = time.perf_counter() - started
    rng = np.random.default_rng(3)
    query = LocalFeatures(640, 640, rng.random((LOCAL_QUERY_FEATURES, 2), np.float32) * 640,
                          rng.integers(0, 256, (LOCAL_QUERY_FEATURES, 32), dtype=np.uint8),
                          np.zeros(LOCAL_QUERY_FEATURES, bool), np.zeros((640, 640), np.uint8))
    ids = np.array(sorted(local.image_ids))
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(TIMED):
        picked = set(rng.choice(ids, DESCRIPTOR_TOP_K, replace=False).tolist())
        for times in (cold, warm):  # the first read of these, then the cache's
            t0 = time.perf_counter()
            local.verify(query, candidates=picked)
            times.append((time.perf_counter() - t0) * 1e3)
    out["cold_ms"], out["warm_ms"] = statistics.median(cold), statistics.median(warm)
    if stored:
        for at in range(0, len(ids), DESCRIPTOR_TOP_K):  # every photo a candidate once
            local.verify(query, candidates=set(ids[at:at + DESCRIPTOR_TOP_K].tolist()))
        out["cached"] = local.cached
        out["cache"] = _rss() - before
    return out


def main() -> None:
    n = int(os.environ.get("TRUST_BENCH_KEYPOINT_PHOTOS", "2000"))
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    url = f"sqlite:///{ROOT}/bench.db"
    upgrade(url)
    blob = _fill(url, n)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1, maxtasksperchild=1) as pool:
        old = pool.apply(_measure, (url, False))
    with spawn.Pool(1, maxtasksperchild=1) as pool:
        new = pool.apply(_measure, (url, True))

    kb = 1024
    print(f"{n:,} synthetic catalog photos in SQLite ({blob / kb:.1f} KB of keypoints each); "
          f"RSS growth of a fresh process per load step, per photo; keypoint cache "
          f"LOCAL_CACHE_IMAGES = {LOCAL_CACHE_IMAGES:,}.\n")
    print("| layout | hashes KB | keypoints KB | view descriptors KB | total KB a photo at "
          f"{n:,} | at {AT_SCALE:,} | load s |")
    print("|---|---|---|---|---|---|---|")
    for name, m in (("every worker holds every photo's keypoints (before)", old),
                    ("keypoints in the database, ids + cache (served)", new)):
        steps = m["hashes"] + m["keypoints"] + m["descriptors"]
        fixed = m.get("cache", 0.0)
        print(f"| {name} | {m['hashes'] / n / kb:.2f} | {m['keypoints'] / n / kb:.2f} | "
              f"{m['descriptors'] / n / kb:.2f} | {(steps + fixed) / n / kb:.2f} | "
              f"{(steps / n + fixed / AT_SCALE) / kb:.2f} | {m['load_s']:.1f} |")
    print(f"\nThe served layout's cache, full ({new['cached']:,.0f} photos): "
          f"{new['cache'] / 2**20:.1f} MB a worker, counted once in the totals "
          f"({new['cache'] / AT_SCALE / kb:.2f} KB a photo at {AT_SCALE:,}).")
    print(f"\nVerifying {DESCRIPTOR_TOP_K} candidates against {LOCAL_QUERY_FEATURES:,} query "
          f"descriptors, median of {TIMED}, one thread: none cached (served: one SELECT) "
          f"{new['cold_ms']:.1f} ms, all cached {new['warm_ms']:.1f} ms; all in memory "
          f"(before) {old['cold_ms']:.1f} ms.")


if __name__ == "__main__":
    main()
