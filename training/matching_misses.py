"""Where each missed hard edit is lost, as served in a large catalog: a design split's misses.

    python -P -m trustdata.copydetect.build --seed 5 --out var/copydetect/calib5
    python -P -m training.matching_misses --data var/copydetect/calib5 --distractors 1000 \
        --out var/matching/misses-calib5.md

The split's catalog plus ``--distractors`` cached distractor products (from ``--first``, by
default the calibration range), in the served layout
(training.scale_evidence.served_matcher). Each hard edit of a catalog photo that the served
acceptance model does not accept is put in the first stage that loses it:

- *retrieval*: the expected photo is neither among the descriptor's top-k nor found by the
  hash stage within its bound, so the keypoint stage never verifies it;
- *keypoints*: it is verified but no fit reaches the fewest inliers the model reads, and the
  hash stage did not find it;
- *acceptance*: there is evidence and the model rejects it (its score, inliers, agreement,
  context and inlier ratio are listed).

Meant for calibration and design splits only: reading a hold-out's misses makes it one no
longer. One process (``--workers`` forks share the matcher copy-on-write).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.hashing.acceptance import load_acceptance
from models.hashing.analysis import QueryEvidence
from models.hashing.pipeline import CatalogMatcher, Rules
from training import distractor_cache
from training.scale_evidence import _catalog, _query, served_matcher

RANK_DEPTH = 256  # how deep the descriptor rank of a lost photo is looked for

_STATE: tuple[CatalogMatcher, list[QueryEvidence], list[int], Rules] | None = None


def _diagnose(i: int) -> dict[str, object]:
    assert _STATE is not None
    matcher, evidence, expected, rules = _STATE
    ev, want = evidence[i], expected[i]
    judged = matcher.judge(ev, rules, measure_all=True)
    hashed, verified, scores = judged.hashed, judged.verified, judged.scores
    similar, fitted = judged.similar, judged.fitted
    accepted = {k for k, s in scores.items() if s <= 1.0}
    out: dict[str, object] = {"found": want in accepted, "wrong": len(accepted - {want})}
    if want in accepted:
        return out
    nearest = [k for k, _ in matcher.descriptors.search(ev.descriptors, RANK_DEPTH)] \
        if ev.descriptors is not None else []
    out["rank"] = nearest.index(want) + 1 if want in nearest else None
    candidates = matcher.to_verify(ev, hashed, rules.candidate_score)
    if want not in scores:
        out["stage"] = "retrieval" if candidates is not None and want not in candidates \
            else "keypoints"
        fits = matcher.local.verify(ev.local, ev.scale, 0, candidates={want}) \
            if ev.local is not None else []
        out["inliers"] = fits[0].inliers if fits else 0
        return out
    v, m = verified.get(want), hashed.get(want)
    rival = max((vv.inliers for kk, vv in verified.items() if kk != want), default=0)
    out |= {"stage": "acceptance", "score": round(scores[want], 3),
            "hash": m.score if m else None, "inliers": v.inliers if v else None,
            "agreement": v.agreement if v else None, "context": v.context if v else None,
            "spread": v.spread if v else None, "rival_inliers": rival,
            "descriptor": round(similar[want], 3) if want in similar else None,
            "fit_colour": fitted.get(want)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--distractors", type=int, default=1000)
    ap.add_argument("--first", type=int, default=distractor_cache.CALIBRATION_FIRST,
                    help="first distractor (default: the calibration range no bench uses)")
    ap.add_argument("--artifact", default="descriptor-v2")
    ap.add_argument("--acceptance", type=Path, default=None,
                    help="an acceptance artifact's model.json (default: the served one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    names = manifest["catalog"]
    index_of = {c: i for i, c in enumerate(names)}
    queries = [q for q in manifest["queries"] if q["family"] == "hard" and q["expected"]]
    expected = [index_of[q["expected"]] for q in queries]
    with multiprocessing.get_context("fork").Pool(
            args.workers, distractor_cache.init_worker, (args.artifact,)) as pool:
        catalog = pool.map(_catalog, [str(args.data / "catalog" / f"{c}.jpg") for c in names])
        evidence = list(tqdm(pool.imap(_query, [str(args.data / q["file"]) for q in queries],
                                       chunksize=4), total=len(queries), desc="queries"))
        distractor_cache.ensure(args.distractors, pool, args.artifact, args.first)
    distractor_cache.init_worker(args.artifact)
    matcher = served_matcher(catalog, args.distractors, args.artifact, args.first)
    global _STATE
    rules = Rules(load_acceptance(args.acceptance)) if args.acceptance else Rules()
    _STATE = (matcher, evidence, expected, rules)
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        rows = list(tqdm(pool.imap(_diagnose, range(len(queries)), chunksize=4),
                         total=len(queries), desc="diagnose"))
    _report(args, queries, rows, len(names) + args.distractors)


def _report(args: argparse.Namespace, queries: list[dict], rows: list[dict[str, object]],
            size: int) -> None:
    by_edit: dict[str, Counter[str]] = defaultdict(Counter)
    for q, r in zip(queries, rows, strict=True):
        by_edit[q["transform"]]["found" if r["found"] else str(r["stage"])] += 1
        by_edit[q["transform"]]["all"] += 1
    stages = ("found", "retrieval", "keypoints", "acceptance")
    model = args.acceptance.parent.name if args.acceptance else "served acceptance"
    lines = [f"## Misses of {args.data.name}'s hard edits, {size:,} catalog photos "
             f"({args.artifact}, {model})", "",
             "| edit | " + " | ".join(stages) + " | of |", "|---|" + "---|" * (len(stages) + 1)]
    for t in sorted(by_edit):
        c = by_edit[t]
        lines.append(f"| {t} | " + " | ".join(str(c[s]) for s in stages) + f" | {c['all']} |")
    lines += ["", "| edit | source | stage | descriptor rank | detail |", "|---|---|---|---|---|"]
    for q, r in zip(queries, rows, strict=True):
        if r["found"]:
            continue
        detail = ", ".join(f"{k} {v}" for k, v in r.items()
                           if k not in {"found", "wrong", "stage", "rank"} and v is not None)
        lines.append(f"| {q['transform']} | {q['source']} | {r['stage']} | {r['rank']} | "
                     f"{detail} |")
    wrong = int(np.sum([int(str(r["wrong"])) for r in rows]))
    lines += ["", f"Wrong images accepted for these queries: {wrong}."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:len(by_edit) + 4]))


if __name__ == "__main__":
    main()
