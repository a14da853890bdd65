"""Both matching stages at catalog scale, next to today's matcher at 1,000 photos, same run.

Catalog: hold-out seed 3's 104 catalog photos plus N generated distractor products (seeds no
split uses; from ``TRUST_BENCH_FIRST`` on, default 0: ``training.distractor_cache``), each
enrolled as the service enrols it (hash views, ORB keypoints, three
descriptors; cached under var/bench/matching-scale/, training/distractor_cache.py). Queries:
every hard edit and three mild ones of the split's catalog photos (recall) and of its
distractor photos, which must match nothing (wrong matches); every query is analysed as the
service analyses it. For each descriptor artifact (``TRUST_BENCH_DESCRIPTORS``, baseline
first: it runs at the smallest size only) and catalog size (``TRUST_BENCH_SCALE``, default
1000,10000), reported: recall at precision 1.0 by family and edit, wrong matches, the
per-photo time of each stage (query analysis: hash stage, keypoints, descriptors; search:
hash index, ANN candidates, keypoint verification), and the worker's resident memory per
catalog photo as served (hashes and view descriptors held, keypoints read for each query's
candidates through the bounded cache: here from the cache files, in the service from the
database; the bytes the catalog's matcher grew by while enrolling, before any query).
Each acceptance model of ``TRUST_BENCH_ACCEPTANCE`` (default match-acceptance-v1,
match-acceptance-v6, match-acceptance-v8: the one calibrated on ~100-photo splits, served
until v6; v6, calibrated with 5,000 distractors and brand families enrolled
(training/scale_evidence.py), served until v8; v8, served, which also reads the pair's
descriptor similarity and each fit's colour distance, fitted on the same splits) judges the
same searches. ``TRUST_BENCH_VERIFY_HASHES`` (default the served ``VERIFY_HASH_MATCHES``;
``all``: no cap) lists how many of a query's hash matches, best scores first, the keypoint
stage verifies; each runs on the same catalog and queries, and the table of images verified
a query shows what each costs. One thread.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm
from trustdata.copydetect.build import build as build_split

from models.hashing.acceptance import ARTIFACT_DIR as ACCEPTANCE_DIR
from models.hashing.acceptance import load_acceptance
from models.hashing.analysis import CatalogEvidence, QueryEvidence, analyse_catalog, query_colour, query_descriptors
from models.hashing.decode import decode_for_matching
from models.hashing.local import query_features
from models.hashing.matcher import hashes_of, recover_query
from models.hashing.pipeline import CatalogMatcher, Rules
from models.thresholds import LOCAL_CATALOG_SIDE, LOCAL_QUERY_MAX_SIDE, VERIFY_HASH_MATCHES
from service.images.budget import pin_mmap_threshold
from training import distractor_cache as matching_cache
from training.scale_evidence import MILD_SAMPLE, sample, served_matcher

SPLIT = Path("var/copydetect/holdout3")
# Where the distractor range starts: 0, or one no calibration used (training/distractor_cache.py)
FIRST = int(os.environ.get("TRUST_BENCH_FIRST", "0"))


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _catalog(path: str) -> CatalogEvidence:
    return analyse_catalog(decode_for_matching(Path(path).read_bytes(), side=LOCAL_CATALOG_SIDE))


def _query(path: str) -> tuple[QueryEvidence, dict[str, float]]:
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    work = decode_for_matching(data, "JPEG")
    local_image = decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE)
    t1 = time.perf_counter()
    recovered = recover_query(work)
    hashes = hashes_of(recovered)
    t2 = time.perf_counter()
    features, scale = query_features(local_image)
    pixels, factor = query_colour(local_image, features)
    t3 = time.perf_counter()
    descriptors = query_descriptors(recovered, local_image)
    t4 = time.perf_counter()
    ms = {"decode": t1 - t0, "hash stage": t2 - t1, "keypoints": t3 - t2,
          "descriptors": t4 - t3}
    return (QueryEvidence(hashes, features, scale, descriptors, pixels, factor),
            {k: v * 1e3 for k, v in ms.items()})


def _matcher(catalog: list[CatalogEvidence], n: int, artifact: str) -> CatalogMatcher:
    """The served layout: hashes and view descriptors in the worker, keypoints read for a
    query's candidates through a bounded cache."""
    return served_matcher(catalog, n, artifact, FIRST)


def _grown(job: tuple[list[CatalogEvidence], int, str]) -> int:
    """Bytes the resident set grows by while a matcher of the catalog is built, in a fresh
    spawned process: a forked one shares its parent's heap, whose freed but resident pages
    (the queries' evidence came through pickles) it reuses, so it grows by a fraction. The
    process keeps large arrays in their own mappings as the service does, so the arrays the
    matcher outgrows while loading go back to the system instead of staying in the heap."""
    catalog, n, artifact = job
    pin_mmap_threshold()  # as a service worker's start-up does (service/images/budget.py)
    gc.collect()
    before = _rss()
    matcher = _matcher(catalog, n, artifact)
    gc.collect()
    grown = _rss() - before
    del matcher
    return grown


def memory_per_photo(catalog: list[CatalogEvidence], n: int, artifact: str) -> int:
    with multiprocessing.get_context("spawn").Pool(1, matching_cache.init_worker,
                                                   (artifact,)) as pool:
        grown: int = pool.apply(_grown, ((catalog, n, artifact),))
    return grown // (len(catalog) + n)


def _run(matcher: CatalogMatcher, evidence: list[QueryEvidence], queries: list[dict[str, Any]],
         expected: list[int], rules: Rules) -> dict[str, Any]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # found, expected, wrong
    times: dict[str, list[float]] = defaultdict(list)
    verified = []
    for q, ev, want in zip(queries, evidence, expected, strict=True):
        t0 = time.perf_counter()
        hashed = {m.image_id: m for m in matcher.hashes.match_hashes(ev.hashes,
                                                                     rules.candidate_score)}
        t1 = time.perf_counter()
        to_verify = matcher.to_verify(ev, hashed, rules.candidate_score)
        t2 = time.perf_counter()
        verified.append(len(matcher) if to_verify is None else len(to_verify))
        accepted = {m.image_id for m in matcher.match(ev, rules)}
        t3 = time.perf_counter()
        times["hash search"].append((t1 - t0) * 1e3)
        times["ANN candidates"].append((t2 - t1) * 1e3)
        times["whole match"].append((t3 - t2) * 1e3)
        kind = "photo" if q["source"].startswith("photo-") else "product"
        for key in (q["transform"], f"{kind} sources, {q['family']}"):
            row = per[key]
            row[0] += want in accepted
            row[1] += want >= 0
            row[2] += len(accepted - {want})
    return {"per": dict(per), "times": {k: [float(np.percentile(v, 50)),
                                            float(np.percentile(v, 99))]
                                        for k, v in times.items()},
            "verified": [int(np.percentile(verified, p)) for p in (50, 90, 99, 100)]}


def main() -> None:
    sizes = [int(s) for s in os.environ.get("TRUST_BENCH_SCALE", "1000,10000").split(",")]
    artifacts = os.environ.get("TRUST_BENCH_DESCRIPTORS",
                               "descriptor-v1,descriptor-v2").split(",")
    acceptance = {name: Rules(load_acceptance(ACCEPTANCE_DIR.parent / name / "model.json"))
                  for name in os.environ.get(
                      "TRUST_BENCH_ACCEPTANCE",
                      "match-acceptance-v1,match-acceptance-v6,match-acceptance-v8").split(",")}
    caps = [None if c == "all" else int(c) for c in os.environ.get(
        "TRUST_BENCH_VERIFY_HASHES", str(VERIFY_HASH_MATCHES)).split(",")]
    if not (SPLIT / "manifest.json").exists():
        build_split(SPLIT, 3, 80)
    manifest = json.loads((SPLIT / "manifest.json").read_text())
    names = manifest["catalog"]
    index_of = {c: i for i, c in enumerate(names)}
    queries = sample(manifest)
    expected = [index_of[q["expected"]] if q["expected"] else -1 for q in queries]
    families = {q["transform"]: q["family"] for q in queries}
    results: list[tuple[str, int, dict[str, Any], int, dict[str, list[float]]]] = []
    for k, artifact in enumerate(artifacts):
        with multiprocessing.get_context("fork").Pool(
                2, matching_cache.init_worker, (artifact,)) as pool:
            catalog = pool.map(_catalog, [str(SPLIT / "catalog" / f"{c}.jpg") for c in names])
            analysed = list(tqdm(pool.imap(_query, [str(SPLIT / q["file"]) for q in queries],
                                           chunksize=4), total=len(queries),
                                 desc=f"{artifact}: queries"))
            run_sizes = sizes[:1] if k == 0 and len(artifacts) > 1 else sizes
            matching_cache.ensure(max(run_sizes), pool, artifact, FIRST)
        matching_cache.init_worker(artifact)
        analysis = {stage: [float(np.percentile([t[stage] for _, t in analysed], p))
                            for p in (50, 99)] for stage in analysed[0][1]}
        evidence = [e for e, _ in analysed]
        for n in run_sizes:
            per_photo = memory_per_photo(catalog, n, artifact)
            matcher = _matcher(catalog, n, artifact)
            for cap in caps:
                matcher.verify_hashes = cap
                for name, rules in acceptance.items():
                    label = f"{artifact}, {name}" + (
                        "" if len(caps) == 1 else f", verify {'all' if cap is None else cap} hash matches")
                    results.append((label, len(names) + n,
                                    _run(matcher, evidence, queries, expected, rules),
                                    per_photo, analysis))
            del matcher
    _print(results, families, len(queries))


def _print(results: list[tuple[str, int, dict[str, Any], int, dict[str, list[float]]]],
           families: dict[str, str], n_queries: int) -> None:
    print(f"\nHold-out seed 3, {n_queries} queries (every hard edit and {', '.join(MILD_SAMPLE)}"
          f", of catalog and of distractor photos); one thread.\n")
    print("| descriptor, acceptance | catalog photos | mild recall | hard recall | wrong matches | "
          "match p50 / p99 ms a photo | worker bytes a catalog photo |")
    print("|---|---|---|---|---|---|---|")
    for artifact, size, run, per_photo, _ in results:
        fam: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for transform, (found, n, wrong) in run["per"].items():
            if transform not in families:
                continue
            for key in (families[transform], "all"):
                fam[key][0] += found
                fam[key][1] += n
                fam[key][2] += wrong
        whole = run["times"]["whole match"]
        print(f"| {artifact} | {size:,} | {fam['mild'][0] / fam['mild'][1]:.3f} | "
              f"{fam['hard'][0] / fam['hard'][1]:.3f} | {fam['all'][2]} | "
              f"{whole[0]:.1f} / {whole[1]:.1f} | {per_photo:,} |")
    print("\nRecall by edit (found / expected, wrong matches):\n")
    print("| edit | " + " | ".join(f"{a} {s:,}" for a, s, *_ in results) + " |")
    print("|---|" + "---|" * len(results))
    for t in sorted(families, key=lambda t: (families[t], t)):
        cells = [f"{r['per'][t][0]}/{r['per'][t][1]} ({r['per'][t][2]})" for _, _, r, *_ in
                 results]
        print(f"| {t} ({families[t]}) | " + " | ".join(cells) + " |")
    print("\nRecall by source (package photos: descriptor-v2 trained on two thirds of them, "
          "by name; product shots: seeds no training uses):\n")
    print("| sources | " + " | ".join(f"{a} {s:,}" for a, s, *_ in results) + " |")
    print("|---|" + "---|" * len(results))
    for key in sorted(k for k in results[0][2]["per"] if k not in families):
        cells = [f"{r['per'][key][0] / max(1, r['per'][key][1]):.3f} ({r['per'][key][2]})"
                 for _, _, r, *_ in results]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print("\nCatalog images verified with keypoints a query, p50 / p90 / p99 / most:\n")
    print("| " + " | ".join(f"{a} {s:,}" for a, s, *_ in results) + " |")
    print("|" + "---|" * len(results))
    print("| " + " | ".join(" / ".join(map(str, r["verified"])) for _, _, r, *_ in results)
          + " |")
    print("\nPer-photo stage times, p50 / p99 ms (one thread):\n")
    print("| stage | " + " | ".join(f"{a} {s:,}" for a, s, *_ in results) + " |")
    print("|---|" + "---|" * len(results))
    for stage in results[0][4]:
        print(f"| analysis: {stage} | " + " | ".join(
            f"{r[4][stage][0]:.1f} / {r[4][stage][1]:.1f}" for r in results) + " |")
    for stage in results[0][2]["times"]:
        print(f"| search: {stage} | " + " | ".join(
            f"{r[2]['times'][stage][0]:.1f} / {r[2]['times'][stage][1]:.1f}"
            for r in results) + " |")


if __name__ == "__main__":
    main()
