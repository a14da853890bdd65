"""Calibrate the matching rules on dev splits so that precision stays 1.0.

Command (from the repo root, after building the splits with trustdata.copydetect.build)::

    python -P -m training.calibrate_matching --data var/copydetect/calib var/copydetect/eval

or, from the evidence the evaluator saved (``--evidence-out``), without recomputing it::

    python -P -m training.calibrate_matching --evidence var/evidence/calib.json var/evidence/eval.json

Every rule is set from the wrong (query, catalog image) pairs of all the given splits
together, with a relative margin, because one split's extreme is a noisy estimate of the
next one's (the first false hash match scored 17.75 on seed 0 and 11.25 on seed 1; the most
inliers of a wrong local fit were 27 on seed 0 and 40 on seed 1):

* hash stage alone: ``MATCH_HASH_MAX_SCORE`` is the largest half step at most
  ``--hash-ratio`` times the lowest score of a wrong pair;
* local stage alone: for a photometric gate ``LOCAL_MIN_AGREEMENT``, ``LOCAL_MIN_INLIERS``
  is ``--inlier-factor`` times the most inliers of a wrong fit passing the gate; a fit
  failing it needs ``LOCAL_UNCHECKED_MIN_INLIERS``, ``--inlier-factor`` times the most
  inliers of any wrong fit, spread over ``LOCAL_UNCHECKED_MIN_SPREAD`` of the photo, twice
  the widest inlier hull of a wrong fit failing the gate (rounded up to 0.01);
* joint rule (both stages on the same image): with ``LOCAL_JOINT_MIN_INLIERS`` gated
  inliers (``--joint-inliers``, default half of ``LOCAL_MIN_INLIERS``),
  ``MATCH_JOINT_HASH_MAX_SCORE`` is ``--hash-ratio`` times the lowest hash score of a wrong
  pair that also has such a fit;
* the gate (0 to 0.95) is the one whose rules give the best recall on these splits;
* colour-confirmed rules (models/hashing/colour.py): for a colour-layout distance bound
  ``MATCH_COLOUR_MAX_DISTANCE`` (from ``COLOUR_BOUNDS``), ``MATCH_COLOUR_HASH_MAX_SCORE`` is
  ``--hash-ratio`` times the lowest hash score of a wrong pair within ``COLOUR_MARGIN``
  times that colour distance and ``LOCAL_COLOUR_MIN_INLIERS`` ``--inlier-factor`` times
  the most inliers of a wrong fit (gate or not) within it (at least the fewest inliers any
  fit is verified with; the hash score at most what the other rules search up to); the
  bound with the best recall of all rules is kept, the tighter one on a tie.

Commit the printed values in models/thresholds.py, then evaluate on a split that was not
used here (seed 2) with training.evaluate_matching: that is the hold-out.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.hashing.pipeline import Rules
from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES
from training.evaluate_matching import (
    CURVE_MAX_SCORE,
    Scored,
    load_evidence,
    pair_score,
    run_matcher,
)

GATES = np.round(np.arange(0.0, 0.96, 0.05), 2)
COLOUR_BOUNDS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)
COLOUR_MARGIN = 1.5  # thresholds for a colour bound come from wrong pairs within 1.5 x it


def half_step_below(score: float, ratio: float) -> float:
    return math.floor(min(score, CURVE_MAX_SCORE) * ratio * 2) / 2


def first_false_hash(scored: Sequence[Scored]) -> float:
    return min((v for s in scored for c, v in s.hash_scores.items() if c != s.expected),
               default=np.inf)


def most_false_inliers(scored: Sequence[Scored], gate: float) -> int:
    return max((n for s in scored for c, (n, a, _) in s.fits.items()
                if c != s.expected and a >= gate), default=0)


def widest_false_unchecked(scored: Sequence[Scored], gate: float, min_inliers: int) -> float:
    """Largest inlier-hull share of a wrong fit failing the gate with ``min_inliers``."""
    return max((w for s in scored for c, (n, a, w) in s.fits.items()
                if c != s.expected and a < gate and n >= min_inliers), default=0.0)


def first_false_joint(scored: Sequence[Scored], min_inliers: int, gate: float) -> float:
    """Lowest hash score of a wrong pair that also has a gated fit of ``min_inliers``."""
    return min((v for s in scored for c, v in s.hash_scores.items()
                if c != s.expected and s.fits.get(c, (0, -1.0, 0.0))[0] >= min_inliers
                and s.fits[c][1] >= gate), default=np.inf)


def first_false_colour_hash(scored: Sequence[Scored], bound: float) -> float:
    """Lowest hash score of a wrong pair whose colour layouts are within ``bound``."""
    return min((v for s in scored for c, v in s.hash_scores.items()
                if c != s.expected and s.colours.get(c, np.inf) <= bound), default=np.inf)


def most_false_colour_inliers(scored: Sequence[Scored], bound: float) -> int:
    """Most inliers of a wrong fit (gate or not) whose colour layouts are within ``bound``."""
    return max((n for s in scored for c, (n, _, _) in s.fits.items()
                if c != s.expected and s.colours.get(c, np.inf) <= bound), default=0)


def colour_rules(scored: Sequence[Scored], rules: Rules, bound: float, factor: float,
                 hash_ratio: float, colour_margin: float = COLOUR_MARGIN) -> Rules:
    """The colour-confirmed thresholds for one colour bound, set from the wrong pairs within
    ``colour_margin`` times the bound: a margin on the colour axis too."""
    wider = bound * colour_margin
    need = max(math.ceil(most_false_colour_inliers(scored, wider) * factor),
               2 * LOCAL_MIN_CANDIDATE_MATCHES)
    # Never past the hash score the other rules already search up to: widening the search
    # radius of both 64-bit indexes from 9 to 12 costs 4x per query at 1M hashes
    # (benchmarks/bench_search.py) and bought one positive on seeds 0 and 1.
    max_hash = min(half_step_below(first_false_colour_hash(scored, wider), hash_ratio),
                   max(rules.max_hash, rules.joint_max_hash))
    return replace(rules, colour_max=bound, colour_max_hash=max_hash, colour_min_inliers=need)


def rules_for_gate(scored: Sequence[Scored], gate: float, max_hash: float, factor: float,
                   hash_ratio: float, joint_inliers: int | None) -> Rules:
    """Every threshold, given the photometric gate, from the wrong pairs of ``scored``."""
    need = max(math.ceil(most_false_inliers(scored, gate) * factor),
               2 * LOCAL_MIN_CANDIDATE_MATCHES)
    unchecked = max(math.ceil(most_false_inliers(scored, -np.inf) * factor), need)
    joint_n = math.ceil(need / 2) if joint_inliers is None else joint_inliers
    joint_hash = half_step_below(first_false_joint(scored, joint_n, gate), hash_ratio)
    spread = math.ceil(2 * widest_false_unchecked(scored, gate, joint_n) * 100) / 100
    return Rules(max_hash=max_hash, min_inliers=need, min_agreement=float(gate),
                 unchecked_min_inliers=unchecked, unchecked_min_spread=spread,
                 joint_max_hash=max(joint_hash, max_hash), joint_min_inliers=joint_n,
                 colour_max=0.0)


def calibrate(scored: Sequence[Scored], hash_ratio: float, inlier_factor: float,
              joint_inliers: int | None = None) -> tuple[Rules, list[str]]:
    """Rules from the wrong pairs of ``scored``; the gate with the best recall of all rules.

    ``joint_inliers`` defaults to half of ``LOCAL_MIN_INLIERS``: each stage brings about
    half the evidence it needs alone.
    """
    max_hash = half_step_below(first_false_hash(scored), hash_ratio)
    best: tuple[float, Rules | None] = (-1.0, None)
    lines = []
    pos = [s for s in scored if s.expected >= 0]
    for gate in GATES:
        rules = rules_for_gate(scored, gate, max_hash, inlier_factor, hash_ratio,
                               joint_inliers)
        rec = sum(pair_score(s, s.expected, rules) <= 1.0 for s in pos) / max(len(pos), 1)
        lines.append(f"agreement >= {gate:.2f}: inliers >= {rules.min_inliers} (else "
                     f"{rules.unchecked_min_inliers}), joint {rules.joint_min_inliers} "
                     f"inliers + hash <= {rules.joint_max_hash}: recall {rec:.3f}")
        if rec > best[0] or (rec == best[0] and best[1] is not None
                             and gate > best[1].min_agreement):
            best = (rec, rules)
    gated = best[1]
    assert gated is not None
    for bound in COLOUR_BOUNDS:
        rules = colour_rules(scored, gated, bound, inlier_factor, hash_ratio)
        rec = sum(pair_score(s, s.expected, rules) <= 1.0 for s in pos) / max(len(pos), 1)
        lines.append(f"colour <= {bound:.2f}: hash <= {rules.colour_max_hash} or inliers >= "
                     f"{rules.colour_min_inliers}: recall {rec:.3f}")
        if rec > best[0]:
            best = (rec, rules)
    assert best[1] is not None
    return best[1], lines


def recall(scored: Sequence[Scored], family: str, rules: Rules) -> float:
    pos = [s for s in scored if s.family == family and s.expected >= 0]
    hit = sum(pair_score(s, s.expected, rules) <= 1.0 for s in pos)
    return hit / max(len(pos), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, nargs="+",
                    default=[Path("var/copydetect/calib"), Path("var/copydetect/eval")])
    ap.add_argument("--hash-ratio", type=float, default=0.6)
    ap.add_argument("--inlier-factor", type=float, default=1.25)
    ap.add_argument("--joint-inliers", type=int, default=None,
                    help="gated inliers of the joint rule (default: half the local one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--evidence", type=Path, nargs="+", default=None,
                    help="evidence saved by training.evaluate_matching --evidence-out, "
                         "instead of recomputing it from --data")
    args = ap.parse_args()
    if args.evidence:
        scored = [s for path in args.evidence for s in load_evidence(path)]
    else:
        scored = [s for root in args.data for s in run_matcher(root, args.workers)[0]]
    rules, lines = calibrate(scored, args.hash_ratio, args.inlier_factor, args.joint_inliers)
    print("\n".join(lines))
    hash_only = replace(rules, min_inliers=10**9, unchecked_min_inliers=10**9,
                        joint_max_hash=1e-9, colour_max=0.0)
    local_only = replace(rules, max_hash=1e-9, joint_max_hash=1e-9, colour_max=0.0)
    no_colour = replace(rules, colour_max=0.0)
    for family in ("mild", "hard"):
        print(f"{family}: recall {recall(scored, family, rules):.3f} (without colour "
              f"{recall(scored, family, no_colour):.3f}, hash stage alone "
              f"{recall(scored, family, hash_only):.3f}, local stage alone "
              f"{recall(scored, family, local_only):.3f})")
    gate = rules.min_agreement
    print(f"first false hash match at score {first_false_hash(scored)}; most inliers of a "
          f"wrong fit {most_false_inliers(scored, -np.inf)}, of one passing the gate "
          f"{most_false_inliers(scored, gate)}; first false joint pair at hash score "
          f"{first_false_joint(scored, rules.joint_min_inliers, gate)}")
    print(f"commit MATCH_HASH_MAX_SCORE = {rules.max_hash}, LOCAL_MIN_AGREEMENT = {gate}, "
          f"LOCAL_MIN_INLIERS = {rules.min_inliers}, LOCAL_UNCHECKED_MIN_INLIERS = "
          f"{rules.unchecked_min_inliers}, LOCAL_UNCHECKED_MIN_SPREAD = "
          f"{rules.unchecked_min_spread}, MATCH_JOINT_HASH_MAX_SCORE = "
          f"{rules.joint_max_hash}, LOCAL_JOINT_MIN_INLIERS = {rules.joint_min_inliers}, "
          f"MATCH_COLOUR_MAX_DISTANCE = {rules.colour_max}, MATCH_COLOUR_HASH_MAX_SCORE = "
          f"{rules.colour_max_hash}, LOCAL_COLOUR_MIN_INLIERS = {rules.colour_min_inliers}")


if __name__ == "__main__":
    main()
