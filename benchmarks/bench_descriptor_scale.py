"""Candidate retrieval at catalog scale: does the right photo stay among the 16 candidates?

The keypoint stage verifies only the ``DESCRIPTOR_TOP_K`` catalog images nearest a query by
global descriptor (models/hashing/pipeline.py), so its cost no longer grows with the catalog
but its recall is bounded by this retrieval. Catalog: hold-out seed 3's 104 catalog photos
plus N generated distractor products (seeds no split uses), each enrolled as the served
pipeline enrols it (photo, mirror, centre). Queries: every hard edit of those 104 photos and
two mild ones, described as the service describes them (whole photo + recovered regions).
Reported for each N: candidate recall@16 by edit, the HNSW search time for one query photo
(p50 / p99), and the index's bytes per catalog photo, next to exact brute-force search
(faiss IndexFlatIP) on the same vectors in the same run. The distractors' descriptors are
cached under var/bench/matching-scale/ (training/distractor_cache.py, shared with
bench_matching_scale; 10,000 take a few minutes on two cores), so reruns take seconds.
``TRUST_BENCH_SCALE=1000,10000,100000`` sets the sizes (default 1000,10000);
``TRUST_BENCH_DESCRIPTORS=descriptor-v1,descriptor-v2`` the artifacts compared in the same run
(default: those two; each has its own cache).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import defaultdict
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm
from trustdata.copydetect.build import build as build_split

from models.descriptor.index import DescriptorIndex
from models.hashing.analysis import catalog_descriptors, query_descriptors
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import recover_query
from models.thresholds import DESCRIPTOR_TOP_K, LOCAL_CATALOG_SIDE, LOCAL_QUERY_MAX_SIDE
from training import distractor_cache as matching_cache

SPLIT = Path("var/copydetect/holdout3")
MILD_SAMPLE = ("recompress", "overlay_text")


def _describe(data: bytes) -> np.ndarray:
    return catalog_descriptors(decode_for_matching(data, side=LOCAL_CATALOG_SIDE))


def _catalog(path: str) -> np.ndarray:
    return _describe(Path(path).read_bytes())


def _query(path: str) -> np.ndarray:
    data = Path(path).read_bytes()
    return query_descriptors(recover_query(decode_for_matching(data, "JPEG")),
                             decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))


def _described(artifact: str, catalog: list[str], queries: list[dict[str, str]], n: int,
               ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    with multiprocessing.get_context("fork").Pool(2, matching_cache.init_worker, (artifact,)) as pool:
        cat = list(pool.imap(_catalog, [str(SPLIT / "catalog" / f"{c}.jpg") for c in catalog]))
        described = list(tqdm(pool.imap(_query, [str(SPLIT / q["file"]) for q in queries],
                                         chunksize=4), total=len(queries),
                              desc=f"{artifact}: queries"))
        matching_cache.ensure_descriptors(n, pool, artifact)
    extra = matching_cache.descriptors(n, artifact)
    return cat, described, extra


def _search(hnsw: DescriptorIndex, flat: faiss.IndexFlatIP, owner: np.ndarray, exact: bool,
            vec: np.ndarray) -> set[int]:
    if not exact:
        return {i for i, _ in hnsw.search(vec, DESCRIPTOR_TOP_K)}
    sims, rows = flat.search(vec, 64)
    best: dict[int, float] = {}
    for s, r in zip(sims.ravel(), rows.ravel(), strict=True):
        o = int(owner[r])
        best[o] = max(best.get(o, -2.0), float(s))
    return set(sorted(best, key=lambda o: -best[o])[:DESCRIPTOR_TOP_K])


def main() -> None:
    sizes = [int(s) for s in os.environ.get("TRUST_BENCH_SCALE", "1000,10000").split(",")]
    artifacts = os.environ.get("TRUST_BENCH_DESCRIPTORS", "descriptor-v1,descriptor-v2")
    if not (SPLIT / "manifest.json").exists():
        build_split(SPLIT, 3, 80)
    manifest = json.loads((SPLIT / "manifest.json").read_text())
    catalog = manifest["catalog"]
    index_of = {c: i for i, c in enumerate(catalog)}
    queries = [q for q in manifest["queries"] if q["expected"]
               and (q["family"] == "hard" or q["transform"] in MILD_SAMPLE)]
    expected = [index_of[q["expected"]] for q in queries]
    faiss.omp_set_num_threads(1)

    print(f"Hold-out seed 3: {len(catalog)} catalog photos + N distractor products, "
          f"{len(queries)} queries ({', '.join(MILD_SAMPLE)} and every hard edit); "
          f"top-{DESCRIPTOR_TOP_K} candidates; one thread.\n")
    print("| descriptor | catalog photos | search | candidate recall@16 (hard) | (mild) | "
          "p50 ms a query photo | p99 ms | index bytes a photo |")
    print("|---|---|---|---|---|---|---|---|")
    by_edit: dict[tuple[str, int], dict[str, list[bool]]] = {}
    for artifact in artifacts.split(","):
        cat, described, extra = _described(artifact, catalog, queries, max(sizes))
        for n in sizes:
            vectors = [(i, v.astype(np.float32)) for i, v in enumerate(cat)]
            vectors += [(len(cat) + j, extra[j].astype(np.float32)) for j in range(n)]
            hnsw = DescriptorIndex()
            started = time.perf_counter()
            hnsw.add_many(vectors)
            build_s = time.perf_counter() - started
            flat = faiss.IndexFlatIP(256)
            owner = np.concatenate([np.full(len(v), i) for i, v in vectors])
            flat.add(np.concatenate([v for _, v in vectors]))
            for exact in (False, True):
                hits: dict[str, list[bool]] = defaultdict(list)
                times = []
                for q, want, vec in zip(queries, expected, described, strict=True):
                    t0 = time.perf_counter()
                    found = _search(hnsw, flat, owner, exact, vec)
                    times.append((time.perf_counter() - t0) * 1e3)
                    hits[q["family"] if q["family"] == "hard" else "mild"].append(want in found)
                    hits["edit:" + q["transform"]].append(want in found)
                size = (flat.ntotal * 256 * 4 if exact
                        else len(faiss.serialize_index(hnsw._index)))
                print(f"| {artifact} | {len(cat) + n:,} | "
                      f"{'exact' if exact else 'HNSW (served)'} | {np.mean(hits['hard']):.3f} | "
                      f"{np.mean(hits['mild']):.3f} | {np.percentile(times, 50):.2f} | "
                      f"{np.percentile(times, 99):.2f} | {size / (len(cat) + n):,.0f} |")
                if not exact:
                    by_edit[artifact, n] = {k[5:]: v for k, v in hits.items()
                                            if k.startswith("edit:")}
            print(f"| | | (HNSW build of {len(cat) + n:,} photos: {build_s:.1f} s) | | | | | |")
    columns = list(by_edit)
    edits = sorted(by_edit[columns[0]])
    print("\nHNSW candidate recall@16 by edit:\n")
    print("| edit | " + " | ".join(f"{a} {len(catalog) + n:,}" for a, n in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for edit in edits:
        print(f"| {edit} | " + " | ".join(f"{np.mean(by_edit[c][edit]):.3f}" for c in columns)
              + " |")


if __name__ == "__main__":
    main()
