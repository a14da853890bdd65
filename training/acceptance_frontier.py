"""How recall and wrong matches trade off as the acceptance model's margin grows, for
several training configs fitted on the same calibration evidence and measured on the same
other split: what a feature adds, apart from how the margin is chosen.

Commands (from the repo root; evidence from training.scale_evidence)::

    python -P -m training.acceptance_frontier --calibration var/evidence/scale/calib.json \
        --measure var/evidence/scale/eval.json \
        --config training/configs/match-acceptance-v2.json \
        --config training/configs/match-acceptance-v3.json \
        --baseline models/artifacts/match-acceptance-v1 \
        --report reports/matching/acceptance-frontier.md

"Oracle" puts the threshold just above the measured split's own strongest wrong pair: the
best the model's ranking allows there, an upper bound that no served model can claim.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from models.hashing.acceptance import load_acceptance
from training.acceptance_fit import figures, pair_table, set_threshold
from training.calibrate_matching import fit_on, margins
from training.matching_evidence import load_evidence

STEPS = (0, 2, 4, 6, 8, 10)


def _cells(f: dict) -> str:
    return (f"{f['mild']['recall']:.3f} | {f['hard']['recall']:.3f} | {f['all']['wrong']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calibration", type=Path, nargs="+", required=True)
    ap.add_argument("--measure", type=Path, required=True)
    ap.add_argument("--config", type=Path, action="append", required=True)
    ap.add_argument("--baseline", type=Path, default=None)
    ap.add_argument("--report", type=Path, required=True)
    args = ap.parse_args()
    calib = [load_evidence(p) for p in args.calibration]
    measured = load_evidence(args.measure)
    lines = ["# Acceptance: recall against wrong matches as the margin grows", "",
             f"Fitted on {', '.join(p.stem for p in args.calibration)}; measured on "
             f"{args.measure.stem} (training/acceptance_frontier.py; the command is in its "
             "docstring). Recall of mild and hard edits, wrong pairs accepted.", "",
             "| config | margin steps | mild | hard | wrong |", "|---|---|---|---|---|"]
    if args.baseline is not None:
        base = load_acceptance(args.baseline / "model.json")
        f = figures(base, pair_table(measured, base.max_hash_score, base.min_inliers))
        lines.append(f"| {args.baseline.name} (as committed) | - | {_cells(f)} |")
    for path in args.config:
        config = json.loads(path.read_text())
        model, wrong = fit_on(config, calib)
        table = pair_table(measured, model.max_hash_score, model.min_inliers)
        for steps in STEPS:
            f = figures(set_threshold(model, wrong, margins(config, steps)), table)
            lines.append(f"| {path.stem} | {steps} | {_cells(f)} |")
            print(path.stem, steps, _cells(f), flush=True)
        top = float(model.logits(table.wrong).max(initial=-1e9))
        f = figures(replace(model, threshold=top + 1e-4), table)
        lines.append(f"| {path.stem} | oracle | {_cells(f)} |")
    args.report.write_text("\n".join(lines) + "\n")
    print(f"report in {args.report}")


if __name__ == "__main__":
    main()
