"""Evaluate catalog image matching on a copy-detection dev set, next to plain pHash.

Commands (from the repo root)::

    make train ONLY=matching  # every split and its evidence, the model, these reports
    python -P -m trustdata.copydetect.build --seed 3 --out var/copydetect/holdout3
    python -P -m training.evaluate_matching --data var/copydetect/holdout3 --out reports/matching \
        --evidence-out var/evidence/holdout3.json
    python -P -m trustdata.copydetect.build --seed 9 --out var/copydetect/holdout9  # 7, 10
    python -P -m training.evaluate_matching --data var/copydetect/holdout9 --out reports/matching/holdout9

``--evidence-out F`` saves every query's raw evidence; ``--evidence F`` re-scores it with the
committed acceptance model instead of recomputing it (minutes instead of a quarter of an
hour, no timings), and training.calibrate_matching ``--evidence`` fits the model from it;
``--fits-from F`` recomputes the hash stage only, reusing F's keypoint fits.

Both stages run on every query: the hash stage (regions vs enrolled views) and the local
stage (ORB keypoints, kNN over all catalog descriptors, RANSAC, photometric agreement). Per
transform it reports recall and precision at the committed acceptance model
(models/artifacts/match-acceptance-v1, calibrated on seeds 0, 1, 5, 6, 8 by
training.calibrate_matching; seeds 3, 7, 9, 10 are hold-outs), each
stage's recall alone, the wrong pairs accepted, recall at precision 1.0 on the unified score (the
threshold just below this split's first false match, i.e. an oracle) and micro-AP over all
(query, catalog image) pairs. The baseline, measured in the same run, is one plain pHash of
the whole query against one plain pHash of each catalog image."""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import faiss
import imagehash
import numpy as np
from PIL import Image
from tqdm import tqdm

from models.hashing.decode import decode_for_matching
from models.hashing.local import LocalFeatures, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import HashSet, Matcher, enrollment_hashes, query_hashes
from models.hashing.pipeline import Rules
from models.thresholds import (
    LOCAL_CATALOG_SIDE,
    LOCAL_MIN_CANDIDATE_MATCHES,
    LOCAL_QUERY_MAX_SIDE,
)
from training import matching_report
from training.matching_evidence import (
    Scored,
    load_evidence,
    rescore,
    save_evidence,
    stage_score,
)
from training.matching_metrics import first_false, pr_curve, precision_at, recall_at

# Workers start from a fresh interpreter: forking a parent that already runs OpenCV, faiss
# or database threads (a test session, a notebook) can leave a child waiting forever on a
# lock held by a thread that did not survive the fork.
_POOLS = multiprocessing.get_context("spawn")

# Candidates up to this hash score are kept so curves extend past the operating threshold.
CURVE_MAX_SCORE = 40.0
ACCEPT_AT = 1.0  # the unified score accepts at <= 1 (models/hashing/pipeline.py)
BASELINE_MAX_DISTANCE = 32


def _load(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def _enrol_one(path: str) -> tuple[list[HashSet], bytes]:
    image = decode_for_matching(Path(path).read_bytes(), side=LOCAL_CATALOG_SIDE)
    return enrollment_hashes(image), catalog_features(image).to_bytes()


_WORKER_INDEX = LocalIndex()


def _init_worker(blobs: list[bytes]) -> None:
    # One thread each: the pool already uses every core, oversubscription only slows it.
    cv2.setNumThreads(1)
    faiss.omp_set_num_threads(1)
    for i, blob in enumerate(blobs):
        _WORKER_INDEX.enroll(i, LocalFeatures.from_bytes(blob))


def _query_one(path: str) -> tuple[list[HashSet], dict[int, tuple[int, float, float]], float,
                                   float]:
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    # Decoded as the service decodes: the hash stage at its working size, keypoints larger.
    hashes = query_hashes(decode_for_matching(data, "JPEG"))
    t1 = time.perf_counter()
    local, scale = query_features(decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))
    # Every fit with enough inliers for any rule, judged later (calibration varies the gate).
    verified = {v.image_id: (v.inliers, v.agreement, v.spread)
                for v in _WORKER_INDEX.verify(local, scale, 2 * LOCAL_MIN_CANDIDATE_MATCHES)}
    t2 = time.perf_counter()
    return hashes, verified, (t1 - t0) * 1e3, (t2 - t1) * 1e3


def _hash_one(path: str) -> tuple[list[HashSet], float]:
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    hashes = query_hashes(decode_for_matching(data, "JPEG"))
    return hashes, (time.perf_counter() - t0) * 1e3


def _phash_one(path: str) -> int:
    with Image.open(io.BytesIO(Path(path).read_bytes())) as img:
        return int(str(imagehash.phash(img)), 16)


def run_matcher(root: Path, workers: int = 2, fits_from: Sequence[Scored] | None = None,
                ) -> tuple[list[Scored], list[float], list[float]]:
    """Both stages' evidence for every query; per-query ms of the hash and local stages.

    With ``fits_from`` (evidence saved for the same split by an evaluator whose keypoint
    stage was the same), its fits are reused and only the hash stage runs: minutes instead
    of the keypoint stage's quarter hour, after a change to hashes or colour layouts.
    """
    man = _load(root)
    cat = man["catalog"]
    with _POOLS.Pool(workers) as pool:
        enrolled = list(tqdm(pool.imap(_enrol_one, [str(root / "catalog" / f"{c}.jpg")
                                                    for c in cat]), total=len(cat),
                             desc="enrol"))
    matcher = Matcher()
    for i, (hashes, _) in enumerate(enrolled):
        matcher.enroll(i, hashes)
    paths = [str(root / q["file"]) for q in man["queries"]]
    results: list[tuple[list[HashSet], dict[int, tuple[int, float, float]], float, float]]
    if fits_from is not None:
        if len(fits_from) != len(paths):
            raise SystemExit(f"saved fits are for {len(fits_from)} queries, {root} has "
                             f"{len(paths)}: another split")
        with _POOLS.Pool(workers) as pool:
            hashed = list(tqdm(pool.imap(_hash_one, paths, chunksize=8), total=len(paths),
                               desc="hash"))
        results = [(h, old.fits, ms, float("nan"))
                   for (h, ms), old in zip(hashed, fits_from, strict=True)]
    else:
        with _POOLS.Pool(workers, initializer=_init_worker,
                  initargs=([b for _, b in enrolled],)) as pool:
            results = list(tqdm(pool.imap(_query_one, paths, chunksize=8), total=len(paths),
                                desc="match"))
    index = {c: i for i, c in enumerate(cat)}
    scored, hash_ms, local_ms = [], [], []
    for q, (hashes, verified, ms_hash, ms_local) in zip(man["queries"], results, strict=True):
        s = Scored(q["transform"], q["family"], index.get(q["expected"], -1))
        s.hash_scores = {m.image_id: m.score
                         for m in matcher.match_hashes(hashes, CURVE_MAX_SCORE)}
        s.fits = verified
        s.colours = matcher.colour_distances(hashes, range(len(cat)))
        scored.append(s)
        hash_ms.append(ms_hash)
        if not np.isnan(ms_local):  # nan: fits reused (fits_from)
            local_ms.append(ms_local)
    return scored, hash_ms, local_ms


def run_baseline(root: Path, workers: int = 2) -> list[Scored]:
    man = _load(root)
    with _POOLS.Pool(workers) as pool:
        cat = np.array(pool.map(_phash_one, [str(root / "catalog" / f"{c}.jpg")
                                             for c in man["catalog"]]), dtype=np.uint64)
        qs = pool.map(_phash_one, [str(root / q["file"]) for q in man["queries"]],
                      chunksize=32)
    index = {c: i for i, c in enumerate(man["catalog"])}
    out = []
    for q, h in zip(man["queries"], qs, strict=True):
        d = np.bitwise_count(cat ^ np.uint64(h))
        keep = np.flatnonzero(d <= BASELINE_MAX_DISTANCE)
        out.append(Scored(q["transform"], q["family"], index.get(q["expected"], -1),
                          {int(i): float(d[i]) for i in keep}))
    return out


def summarise(scored: Sequence[Scored], threshold: float) -> dict[str, dict[str, Any]]:
    """Per transform, per family and overall figures."""
    oracle = first_false(scored)
    groups: dict[str, list[Scored]] = {}
    for s in scored:
        groups.setdefault(s.transform, []).append(s)
        groups.setdefault(f"ALL {s.family}", []).append(s)
        groups.setdefault("ALL", []).append(s)
    out = {}
    for name, items in groups.items():
        out[name] = {
            "family": items[0].family if not name.startswith("ALL") else name[4:] or "all",
            "queries": len(items),
            "recall_at_p1": recall_at(items, oracle, strict=True),
            "recall_at_threshold": recall_at(items, threshold, strict=False),
            "precision_at_threshold": precision_at(items, threshold),
            "micro_ap": pr_curve(items)[2],
            **stage_recalls(items),
        }
    return out


def stage_recalls(scored: Sequence[Scored]) -> dict[str, float | int]:
    """Committed model: recall of each stage alone, and wrong pairs accepted."""
    rules = Rules()
    pos = [s for s in scored if s.expected >= 0]
    n = max(len(pos), 1)
    by_hash = sum(stage_score(s, s.expected, "hash", rules) <= 1.0 for s in pos)
    by_local = sum(stage_score(s, s.expected, "local", rules) <= 1.0 for s in pos)
    false = sum(1 for s in scored for c, v in s.candidates.items()
                if c != s.expected and v <= ACCEPT_AT)
    return {"recall_hash_stage": by_hash / n, "recall_local_stage": by_local / n,
            "false_matches": false}


def wrong_pairs(scored: Sequence[Scored], catalog: Sequence[str]) -> list[str]:
    """Each accepted wrong pair with the evidence of both stages, for the report."""
    out = []
    for s in scored:
        for c, v in sorted(s.candidates.items()):
            if c != s.expected and v <= ACCEPT_AT:
                out.append(f"{s.transform}: expected {catalog[s.expected] if s.expected >= 0 else 'none'}, "
                           f"accepted {catalog[c]} (hash score {s.hash_scores.get(c)}, fit "
                           f"{s.fits.get(c)}, colour {s.colours.get(c)})")
    return out


def most_missed(scored: Sequence[Scored], catalog: Sequence[str],
                top: int = 10) -> list[dict[str, object]]:
    """The catalog images missed most often by the committed model, with the edits missed:
    where a new kind of evidence would pay off."""
    missed: dict[int, list[str]] = {}
    for s in scored:
        if s.expected >= 0 and s.candidates.get(s.expected, np.inf) > ACCEPT_AT:
            missed.setdefault(s.expected, []).append(s.transform)
    ranked = sorted(missed.items(), key=lambda kv: (-len(kv[1]), catalog[kv[0]]))[:top]
    return [{"catalog_image": catalog[i], "missed": len(t), "transforms": sorted(t)}
            for i, t in ranked]


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("var/copydetect/holdout3"))
    ap.add_argument("--out", type=Path, default=Path("reports/matching"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--evidence-out", type=Path, default=None,
                    help="also save every query's raw evidence here (JSON)")
    ap.add_argument("--evidence", type=Path, default=None,
                    help="re-score evidence saved from --data by --evidence-out instead of "
                         "recomputing it (the committed model applies; no stage timings)")
    ap.add_argument("--fits-from", type=Path, default=None,
                    help="evidence saved from --data: reuse its keypoint fits, recompute "
                         "the hash stage (hashes, colour layouts) only")
    args = ap.parse_args()
    man = _load(args.data)
    hash_ms: list[float] = []
    local_ms: list[float] = []
    if args.evidence is not None:
        ours = load_evidence(args.evidence)
    else:
        fits = None if args.fits_from is None else load_evidence(args.fits_from, True)
        ours, hash_ms, local_ms = run_matcher(args.data, args.workers, fits)
    if args.evidence_out is not None:
        save_evidence(ours, args.evidence_out)
    rescore(ours)
    base = run_baseline(args.data, args.workers)
    summary = summarise(ours, ACCEPT_AT)
    base_summary = summarise(base, first_false(base))
    args.out.mkdir(parents=True, exist_ok=True)
    rules = Rules()
    meta: dict[str, object] = {
        "data": str(args.data), "seed": man["seed"], "catalog": len(man["catalog"]),
        "distractors": len(man["distractors"]), "queries": len(man["queries"]),
        "acceptance": f"match-acceptance-{rules.model.version}",
        "acceptance_threshold": rules.model.threshold,
        "hash_search_bound": rules.candidate_score, "fewest_inliers": rules.fewest_inliers,
        "first_false": first_false(ours),
        "wrong_pairs": wrong_pairs(ours, man["catalog"]),
        "most_missed": most_missed(ours, man["catalog"]),
        "hash_p50_ms": _percentile(hash_ms, 50), "hash_p90_ms": _percentile(hash_ms, 90),
        "local_p50_ms": _percentile(local_ms, 50), "local_p90_ms": _percentile(local_ms, 90),
    }
    images = matching_report.plots(ours, base, summary, base_summary, args.out)
    (args.out / "README.md").write_text(
        matching_report.markdown(summary, base_summary, meta, images))
    (args.out / "metrics.json").write_text(json.dumps(
        {"meta": meta, "matcher": summary, "baseline_phash": base_summary}, indent=1))
    print(matching_report.table(summary, base_summary))
    print("\n".join(str(w) for w in meta["wrong_pairs"]) or "no wrong pair accepted")  # type: ignore[attr-defined]
    print(f"first false match at unified score {meta['first_false']:.3f} (accept <= 1); "
          f"p50 ms hash stage {meta['hash_p50_ms']}, local stage {meta['local_p50_ms']}; "
          f"report in {args.out}/README.md")


if __name__ == "__main__":
    main()
