"""The served matcher's two local-stage searches side by side on one copy-detection split.

    python -P -m trustdata.copydetect.build --seed 3 --out var/copydetect/holdout3
    python -P -m training.evaluate_matching_paths --data var/copydetect/holdout3 \
        --distractors 1000 --report reports/matching/paths-holdout3.md

Both runs are the served ``CatalogMatcher`` with the committed acceptance model, on the
same query evidence (each query analysed once, as the service decodes it):

- *whole catalog*: the keypoint stage verifies every enrolled image (what serving did before
  descriptor-v1; the query's descriptors are dropped);
- *descriptor candidates*: it verifies only the top-k images by global descriptor and the
  hash stage's images (serving now).

The catalog is the split's catalog; the candidate path runs again with ``--distractors``
generated product shots (seeds no split uses) enrolled beside it, so the candidates must be
found among many more look-alike products. The whole-catalog search is not run at that size:
its brute-force cost per query is what the candidate path replaces. Reported per transform:
recall (the expected catalog image accepted) and wrong matches (any other image accepted,
distractor queries included).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import faiss
import numpy as np
from tqdm import tqdm
from trustdata.copydetect.sources import distractor_jpeg

from models.hashing.analysis import CatalogEvidence, QueryEvidence, analyse_catalog, analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.pipeline import CatalogMatcher
from models.thresholds import LOCAL_CATALOG_SIDE, LOCAL_QUERY_MAX_SIDE


def _init_worker() -> None:
    cv2.setNumThreads(1)
    faiss.omp_set_num_threads(1)


def _enrol_bytes(data: bytes) -> CatalogEvidence:
    return analyse_catalog(decode_for_matching(data, side=LOCAL_CATALOG_SIDE))


def _enrol_path(path: str) -> CatalogEvidence:
    return _enrol_bytes(Path(path).read_bytes())


def _distractor(index: int) -> CatalogEvidence:
    return _enrol_bytes(distractor_jpeg(index))


def _query(path: str) -> tuple[QueryEvidence, float]:
    data = Path(path).read_bytes()
    started = time.perf_counter()
    evidence = analyse_query(decode_for_matching(data, "JPEG"),
                             decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))
    return evidence, (time.perf_counter() - started) * 1e3


def _score(matcher: CatalogMatcher, evidence: list[QueryEvidence], expected: list[int],
           transforms: list[str], describe: bool) -> tuple[dict[str, dict[str, int]], float]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "found": 0, "wrong": 0,
                                                          "wrong_queries": 0})
    started = time.perf_counter()
    for q, want, transform in zip(tqdm(evidence, desc="match", leave=False), expected,
                                  transforms, strict=True):
        query = q if describe else replace(q, descriptors=None)
        accepted = {m.image_id for m in matcher.match(query)}
        row = per[transform]
        row["n"] += want >= 0
        row["found"] += want in accepted
        wrong = len(accepted - {want})
        row["wrong"] += wrong
        row["wrong_queries"] += wrong > 0
    return dict(per), (time.perf_counter() - started) * 1e3 / max(1, len(evidence))


def evaluate(root: Path, distractors: int, workers: int) -> dict[str, Any]:
    manifest = json.loads((root / "manifest.json").read_text())
    catalog = manifest["catalog"]
    index = {name: i for i, name in enumerate(catalog)}
    queries = manifest["queries"]
    with multiprocessing.get_context("fork").Pool(workers, _init_worker) as pool:
        enrolled = list(tqdm(pool.imap(_enrol_path, [str(root / "catalog" / f"{c}.jpg")
                                                     for c in catalog]),
                             total=len(catalog), desc="enrol catalog"))
        extra = list(tqdm(pool.imap(_distractor, range(distractors)),
                          total=distractors, desc="enrol distractors"))
        analysed = list(tqdm(pool.imap(_query, [str(root / q["file"]) for q in queries],
                                       chunksize=4), total=len(queries), desc="queries"))
    evidence = [e for e, _ in analysed]
    expected = [index[q["expected"]] if q["expected"] else -1 for q in queries]
    transforms = [q["transform"] for q in queries]
    families = {q["transform"]: q["family"] for q in queries}

    small = CatalogMatcher()
    for i, e in enumerate(enrolled):
        small.enroll(i, e.hashes, e.local, e.descriptors)
    runs: dict[str, Any] = {}
    runs["whole catalog"] = _score(small, evidence, expected, transforms, describe=False)
    runs["descriptor candidates"] = _score(small, evidence, expected, transforms, describe=True)
    if distractors:
        large = CatalogMatcher()
        for i, e in enumerate(enrolled + extra):
            large.enroll(i, e.hashes, e.local, e.descriptors)
        runs[f"descriptor candidates, +{distractors} distractors"] = _score(
            large, evidence, expected, transforms, describe=True)
    return {"data": str(root), "seed": manifest["seed"], "catalog": len(catalog),
            "distractors": distractors, "queries": len(queries), "families": families,
            "query_analysis_ms_p50": float(np.median([ms for _, ms in analysed])),
            "runs": {name: {"per_transform": per, "match_ms_mean": ms}
                     for name, (per, ms) in runs.items()}}


def report(result: dict[str, Any]) -> str:
    names = list(result["runs"])
    families = result["families"]
    lines = [f"# Whole-catalog vs descriptor-candidate keypoint search, seed {result['seed']}",
             "", f"`{result['data']}`: {result['catalog']} catalog images, {result['queries']} "
             f"queries; {result['distractors']} generated distractor products enrolled for "
             "the last column. Served acceptance model; generated by `python -P -m "
             "training.evaluate_matching_paths`. Cells: found / expected (wrong matches).", "",
             "| transform | family | " + " | ".join(names) + " |",
             "|---|---|" + "---|" * len(names)]
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for transform in sorted(families, key=lambda t: (families[t], t)):
        cells = []
        for name in names:
            row = result["runs"][name]["per_transform"][transform]
            cells.append(f"{row['found']}/{row['n']} ({row['wrong']})")
            for key in (families[transform], "all"):
                t = totals[(name, key)]
                t[0] += row["found"]
                t[1] += row["n"]
                t[2] += row["wrong"]
        lines.append(f"| {transform} | {families[transform]} | " + " | ".join(cells) + " |")
    for family in ("mild", "hard", "all"):
        cells = [f"**{totals[(n, family)][0] / max(1, totals[(n, family)][1]):.3f}** "
                 f"({totals[(n, family)][2]})" for n in names]
        lines.append(f"| recall ({family}) | | " + " | ".join(cells) + " |")
    lines += ["", "| run | mean match ms a query (after analysis) |", "|---|---|"]
    lines += [f"| {n} | {result['runs'][n]['match_ms_mean']:.1f} |" for n in names]
    lines += ["", f"Query analysis (both stages' evidence and descriptors), p50: "
              f"{result['query_analysis_ms_p50']:.0f} ms a query on one core.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = evaluate(args.data, args.distractors, args.workers)
    text = report(result)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
