"""Calibrate the matcher's acceptance threshold on a dev split (precision must stay 1.0).

Command (from the repo root, after building the split with trustdata.copydetect.build)::

    python -P -m training.calibrate_matching --data var/copydetect/calib

Prints the lowest score any wrong pair reaches (the first false match) and the threshold to
commit as ``MATCH_MAX_SCORE`` in models/thresholds.py: the largest half-step strictly below
it, minus ``--margin``. Evaluate on a *different* split with training.evaluate_matching.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from training.evaluate_matching import first_false, recall_at, run_matcher


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("var/copydetect/calib"))
    ap.add_argument("--margin", type=float, default=0.5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scored, _ = run_matcher(args.data, args.workers)
    worst = first_false(scored)
    threshold = math.ceil(worst * 2 - 1) / 2 - args.margin
    for family in ("mild", "hard"):
        items = [s for s in scored if s.family == family]
        print(f"{family}: recall {recall_at(items, threshold, strict=False):.3f} "
              f"at threshold {threshold}")
    print(f"first false match at score {worst}; commit MATCH_MAX_SCORE = {threshold}")


if __name__ == "__main__":
    main()
