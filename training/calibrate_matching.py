"""Calibrate both matching stages on the seed-0 dev split so that precision stays 1.0.

Command (from the repo root, after building the split with trustdata.copydetect.build)::

    python -P -m training.calibrate_matching --data var/copydetect/calib

Hash stage: the lowest pair score any wrong (query, catalog image) pair reaches is the first
false match; ``MATCH_HASH_MAX_SCORE`` is the largest half step at most ``--hash-ratio`` times
it. Local stage: for each correlation gate (0 to 0.9), the inlier threshold is
``--inlier-factor`` times the most inliers of a wrong pair passing the gate; the gate with
the best local recall on this split is committed as ``LOCAL_MIN_CORRELATION`` with its
``LOCAL_MIN_INLIERS``. The margins are relative because one split's extreme is a
noisy estimate of the next one's (the previous hash-only matcher saw its first false match
at 17.5 on seed 0 and 11.5 on seed 1); the local stage carries most of the recall, so the
hash stage can afford to be strict. Commit both in models/thresholds.py, then evaluate on
the *other* split (seed 1) with training.evaluate_matching: that is the hold-out.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES
from training.evaluate_matching import Scored, run_matcher


def first_false_hash(scored: list[Scored]) -> float:
    return min((v for s in scored for c, v in s.hash_scores.items() if c != s.expected),
               default=np.inf)


def most_false_inliers(scored: list[Scored]) -> int:
    return max((v for s in scored for c, v in s.inliers.items() if c != s.expected),
               default=0)


def choose_local(scored: list[Scored], factor: float) -> tuple[float, int, list[str]]:
    """Correlation gate and inlier threshold with the best recall on this split.

    For each gate, the inlier threshold is ``factor`` x the most inliers of a wrong pair
    that passes the gate (at least ``LOCAL_MIN_CANDIDATE_MATCHES`` x 2).
    """
    best: tuple[float, float, int] = (-1.0, 0.0, 0)
    lines = []
    for gate in np.round(np.arange(0.0, 0.91, 0.05), 2):
        wrong = [n for s in scored for c, (n, r) in s.fits.items()
                 if c != s.expected and r >= gate]
        need = max(math.ceil(max(wrong, default=0) * factor), 2 * LOCAL_MIN_CANDIDATE_MATCHES)
        pos = [s for s in scored if s.expected >= 0]
        hit = sum(s.fits.get(s.expected, (0, -1.0))[0] >= need
                  and s.fits.get(s.expected, (0, -1.0))[1] >= gate for s in pos)
        rec = hit / max(len(pos), 1)
        lines.append(f"correlation >= {gate:.2f}: inliers >= {need}, local recall {rec:.3f}")
        if rec > best[0] or (rec == best[0] and gate > best[1]):
            best = (rec, float(gate), need)
    return best[1], best[2], lines


def recall(scored: list[Scored], family: str, max_hash: float, min_inliers: int) -> float:
    pos = [s for s in scored if s.family == family and s.expected >= 0]
    hit = sum(s.hash_scores.get(s.expected, np.inf) <= max_hash
              or s.inliers.get(s.expected, 0) >= min_inliers for s in pos)
    return hit / max(len(pos), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("var/copydetect/calib"))
    ap.add_argument("--hash-ratio", type=float, default=0.6)
    ap.add_argument("--inlier-factor", type=float, default=1.25)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scored, _, _ = run_matcher(args.data, args.workers)
    worst_hash = first_false_hash(scored)
    max_hash = math.floor(worst_hash * args.hash_ratio * 2) / 2
    min_correlation, min_inliers, lines = choose_local(scored, args.inlier_factor)
    print("\n".join(lines))
    for s in scored:
        s.gate(min_correlation)
    for family in ("mild", "hard"):
        print(f"{family}: recall {recall(scored, family, max_hash, min_inliers):.3f} "
              f"(hash stage alone {recall(scored, family, max_hash, 10**9):.3f}, local "
              f"stage alone {recall(scored, family, -1.0, min_inliers):.3f})")
    print(f"first false hash match at score {worst_hash}; most inliers of a wrong pair "
          f"passing the correlation gate {most_false_inliers(scored)}")
    print(f"commit MATCH_HASH_MAX_SCORE = {max_hash}, LOCAL_MIN_CORRELATION = "
          f"{min_correlation}, LOCAL_MIN_INLIERS = {min_inliers}")


if __name__ == "__main__":
    main()
