"""Fit the match-acceptance model on calibration splits' evidence; report it on hold-outs.

Command (from the repo root; the evidence is what training.evaluate_matching saves with
``--evidence-out`` for each split built by trustdata.copydetect.build)::

    python -P -m training.calibrate_matching \
        --evidence var/evidence/calib.json var/evidence/eval.json var/evidence/calib5.json \
            var/evidence/calib6.json var/evidence/calib8.json \
        --holdout var/evidence/holdout3.json var/evidence/holdout7.json \
            var/evidence/holdout9.json var/evidence/holdout10.json \
        --out models/artifacts/match-acceptance-v1 --report reports/matching/acceptance.md

(calibration seeds 0, 1, 5, 6, 8 and hold-outs 3, 7, 9, 10: training/__main__.py; a split's
name is its evidence file's stem; ``--looked-at`` takes seeds 2 and 4, which shaped the
rules but are neither, and reports them apart). Deterministic: the same evidence and config give the
same artifact, byte for byte (L-BFGS-B from zeros, weights rounded to 6 decimals), on the
same number of BLAS threads: a weight's last digit can follow it, so match-acceptance-v7 was
fitted with ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``, as the test's refit runs.

What it does (models/hashing/acceptance.py is the model; training/acceptance_fit.py the fit):

1. every pair either stage found on the calibration splits becomes a feature row;
2. the monotone additive logistic model of ``--config`` is fitted on all of them together;
3. the threshold goes just above the strongest wrong pair of any calibration split after
   that pair was made stronger by a margin (``margin_step`` of the config: hash score
   x0.95, inliers x1.05, colour distance x0.95, inlier hull x1.1, applied some number of
   times): no wrong calibration pair is accepted, and none would be with somewhat more of
   the same evidence. The fit's photometric agreement is not inflated: it says what kind
   of fit it is rather than how much of it there is, and inflating it (with the hull,
   x1.25) made seed 1's same-shape watches (26 inliers, agreement 0.88) into clean
   copies, costing recall for no fewer wrong pairs on left-out splits; the hull is, a
   little, since one shared word in a larger font spreads its inliers wider
   (reports/matching/HISTORY.md);
4. how many steps: leave-one-split-out, the same fit and threshold on all calibration
   splits but one, measured on the one left out, for each number in ``margin_steps``; the
   fewest at which no left-out split has a wrong pair accepted, then ``extra_steps`` more
   along the grid (that fewest was itself chosen on these splits);
5. the hold-outs are scored by the model and, on the same evidence, by the hand-written
   rules it replaces (training/legacy_rules.py), side by side in ``--report``.

The artifact directory gets model.json (what serving reads), metrics.json, fixtures.json
(feature rows with their stored logits and scores; tests/models/hashing/test_acceptance.py
checks the artifact reproduces them), training_config.json and README.md (the card).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from models.hashing.acceptance import AcceptanceModel, load_acceptance
from training import acceptance_report
from training.acceptance_fit import (
    Margins,
    PairTable,
    figures,
    fit,
    pair_table,
    set_threshold,
    structure,
    summarise,
)
from training.legacy_rules import legacy_score
from training.matching_evidence import Scored, load_evidence

DEFAULT_CONFIG = Path("training/configs/match-acceptance-v1.json")
STRONGEST_WRONG = 5  # wrong pairs per calibration split kept in metrics.json, strongest first


def margins(config: dict, steps: int) -> Margins:
    return Margins(**config["margin_step"]).times(steps)


def fit_on(config: dict, splits: Sequence[Sequence[Scored]]) -> tuple[AcceptanceModel,
                                                                       np.ndarray]:
    """The model fitted on ``splits`` together (threshold not set yet), and their wrong
    pairs, out to where the widest margin could bring one within the model's bounds."""
    model = structure(config)
    scored = [s for split in splits for s in split]
    table = pair_table(scored, model.max_hash_score, model.min_inliers)
    model = fit(model, table, float(config["l2"]), float(config["smoothness"]),
                float(config["negative_weight"]))
    widest = margins(config, max(config["margin_steps"]))
    wider = pair_table(scored, model.max_hash_score / widest.hash_factor,
                       math.floor(model.min_inliers / widest.inlier_factor))
    return model, wider.wrong


def fitted(config: dict, splits: Sequence[Sequence[Scored]],
           steps: int | None = None) -> AcceptanceModel:
    """Fitted on ``splits``, the threshold above their wrong pairs made stronger by
    ``steps`` margin steps (default: the config's ``chosen_steps``)."""
    model, wrong = fit_on(config, splits)
    steps = int(config["chosen_steps"]) if steps is None else steps
    return set_threshold(model, wrong, margins(config, steps))


def leave_one_split_out(config: dict, calib: dict[str, list[Scored]],
                        tables: dict[str, PairTable]) -> dict[int, dict[str, dict]]:
    """Per margin step, per calibration split: fitted on the others, measured on it."""
    out: dict[int, dict[str, dict]] = {t: {} for t in config["margin_steps"]}
    for name in calib if len(calib) > 1 else []:
        model, wrong = fit_on(config, [s for other, s in calib.items() if other != name])
        top = float(model.logits(tables[name].wrong).max(initial=-math.inf))
        for t in config["margin_steps"]:
            m = set_threshold(model, wrong, margins(config, t))
            out[t][name] = {"threshold": m.threshold, "strongest_wrong_logit": round(top, 4),
                            **figures(m, tables[name])["all"]}
    return out


def choose_steps(config: dict, loso: dict[int, dict[str, dict]]) -> int:
    """The fewest margin steps at which no split left out of the fit had a wrong pair
    accepted, then ``extra_steps`` further along the grid: that fewest is itself chosen
    on these splits, so it is an optimistic estimate of what a new split needs."""
    steps = sorted(loso)
    if not any(loso.values()):  # one calibration split: nothing to leave out
        return steps[-1]
    clean = [t for t in steps if all(f["wrong"] == 0 for f in loso[t].values())]
    # Every later step is at least as strict, so the first clean one is the boundary.
    first = steps.index(clean[0]) if clean else len(steps) - 1
    return steps[min(first + int(config["extra_steps"]), len(steps) - 1)]


def selection_frontier(config: dict, calib: dict[str, list[Scored]],
                       tables: dict[str, PairTable]) -> dict[int, dict[str, dict]]:
    """Per margin step, per selection split (neither calibration nor hold-out): the model
    fitted on every calibration split, thresholded at that step, measured on it."""
    model, wrong = fit_on(config, list(calib.values()))
    out: dict[int, dict[str, dict]] = {}
    for t in config["margin_steps"]:
        m = set_threshold(model, wrong, margins(config, t))
        out[t] = {}
        for name, table in tables.items():
            f = figures(m, table)
            out[t][name] = {"wrong": f["all"]["wrong"],
                            **{fam: f[fam]["recall"] for fam in ("mild", "hard") if fam in f}}
    return out


def choose_on_selection(config: dict, frontier: dict[int, dict[str, dict]]) -> int:
    """The fewest margin steps at which no selection split has a wrong pair accepted, then
    ``extra_steps`` further along the grid."""
    steps = sorted(frontier)
    clean = [t for t in steps if all(f["wrong"] == 0 for f in frontier[t].values())]
    first = steps.index(clean[0]) if clean else len(steps) - 1
    return steps[min(first + int(config["extra_steps"]), len(steps) - 1)]


def legacy_figures(table: PairTable, by: str = "family") -> dict[str, dict[str, float | int]]:
    """The hand-written rules on the same evidence: every pair the evaluator scored."""
    queries = table.queries
    hit = np.zeros(len(queries), dtype=bool)
    wrong = np.zeros(len(queries), dtype=int)
    for i, s in enumerate(queries):
        for c in s.hash_scores.keys() | s.fits.keys():
            n, a, spread = s.fits.get(c, (None, 1.0, 1.0))
            v = legacy_score(s.hash_scores.get(c), n, a, spread, s.colours.get(c))
            if v <= 1.0:
                hit[i] |= c == s.expected
                wrong[i] += c != s.expected
    return summarise(queries, hit, wrong, by)


def strongest_wrong(model: AcceptanceModel, table: PairTable, n: int) -> list[dict]:
    logits = model.logits(table.wrong)
    order = np.argsort(-logits, kind="stable")[:n]
    return [{"features": _row(table.wrong[i]), "logit": round(float(logits[i]), 6)}
            for i in order]


def _row(row: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in row]


def fixtures(model: AcceptanceModel, tables: dict[str, PairTable]) -> list[dict]:
    """Feature rows to pin the artifact: every split's strongest wrong pairs and weakest
    accepted positives, and a fixed draw of the rest (seeded)."""
    rng = np.random.default_rng(0)
    rows = []
    for table in tables.values():
        logits = model.logits(table.rows)
        wrong = np.flatnonzero(~table.label)
        pos = np.flatnonzero(table.label & (logits >= model.threshold))
        picks = [*wrong[np.argsort(-logits[wrong], kind="stable")[:3]],
                 *pos[np.argsort(logits[pos], kind="stable")[:3]],
                 *rng.choice(len(table.rows), size=min(10, len(table.rows)), replace=False)]
        rows += [table.rows[i] for i in picks]
    out = np.array(rows)
    logits, scores = model.logits(out), model.scores(out)
    return [{"features": _row(r), "logit": round(float(z), 9), "score": float(f"{s:.9g}")}
            for r, z, s in zip(out, logits, scores, strict=True)]


def _source(path: Path) -> dict[str, str]:
    return {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def evidence_version(paths: Sequence[Path]) -> str:
    """The hash and keypoint parts of the version the evidence was computed with: all the
    model reads (the descriptor part names only what chose the keypoint candidates, and
    the evaluator verifies every catalog image)."""
    parts = {".".join(json.loads(p.read_text())["evidence_version"].split(".")[:2])
             for p in paths}
    if len(parts) != 1:
        raise SystemExit(f"evidence of different versions: {sorted(parts)}")
    return parts.pop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--evidence", type=Path, nargs="+", required=True,
                    help="calibration splits' evidence (evaluate_matching --evidence-out)")
    ap.add_argument("--holdout", type=Path, nargs="*", default=[],
                    help="hold-out splits' evidence, only measured")
    ap.add_argument("--looked-at", type=Path, nargs="*", default=[],
                    help="evidence of splits the rules were designed on that are neither "
                         "calibration nor hold-out (seeds 2 and 4), measured apart")
    ap.add_argument("--selection", type=Path, nargs="*", default=[],
                    help="splits that choose the margin for a config whose margin_rule is "
                         "'selection' (neither calibration nor hold-out), measured apart")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="an earlier acceptance artifact, scored on the same hold-out evidence")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--out", type=Path, default=Path("models/artifacts/match-acceptance-v1"))
    ap.add_argument("--report", type=Path, default=Path("reports/matching/acceptance.md"))
    args = ap.parse_args()
    config = json.loads(args.config.read_text())
    calib = {p.stem: load_evidence(p) for p in args.evidence}
    holdout = {p.stem: load_evidence(p) for p in args.holdout}
    looked_at = {p.stem: load_evidence(p) for p in args.looked_at}
    selection = {p.stem: load_evidence(p) for p in args.selection}
    shape = structure(config)

    def table(scored: Sequence[Scored]) -> PairTable:
        return pair_table(scored, shape.max_hash_score, shape.min_inliers)

    calib_tables = {name: table(s) for name, s in calib.items()}
    loso = leave_one_split_out(config, calib, calib_tables)
    # A config may fix the margin instead (``fixed_steps``, with its ``margin_note`` saying
    # why); leave-one-split-out is still run and reported beside it.
    fixed = config.get("fixed_steps")
    frontier: dict[int, dict[str, dict]] = {}
    if config.get("margin_rule") == "selection":
        if not selection:
            raise SystemExit("a config whose margin_rule is 'selection' needs --selection")
        frontier = selection_frontier(config, calib,
                                      {name: table(s) for name, s in selection.items()})
        chosen = choose_on_selection(config, frontier)
    else:
        chosen = int(fixed) if fixed is not None else choose_steps(config, loso)
    config = {**config, "chosen_steps": chosen}
    model = fitted(config, list(calib.values()))
    baseline = load_acceptance(args.baseline / "model.json") if args.baseline else None

    def compared(tables: dict[str, PairTable]) -> dict[str, dict]:
        out = {name: {"model": figures(model, t), "rules": legacy_figures(t),
                      "model_by_transform": figures(model, t, "transform"),
                      "rules_by_transform": legacy_figures(t, "transform"),
                      "model_by_kind": figures(model, t, "query_kind")}
               for name, t in tables.items()}
        if baseline is not None:
            for name, t in tables.items():
                out[name] |= {"baseline": figures(baseline, t),
                              "baseline_by_transform": figures(baseline, t, "transform"),
                              "baseline_by_kind": figures(baseline, t, "query_kind")}
        return out

    version = evidence_version([*args.evidence, *args.holdout, *args.looked_at,
                                *args.selection])
    metrics = {
        "model": f"match-acceptance-{model.version}", "evidence_version": version,
        "baseline": f"match-acceptance-{baseline.version}" if baseline else None,
        "threshold": model.threshold,
        "calibration": {name: {"figures": figures(model, t),
                               "strongest_wrong": strongest_wrong(model, t, STRONGEST_WRONG)}
                        for name, t in calib_tables.items()},
        "margin_step": config["margin_step"], "margin_steps": config["chosen_steps"],
        "margin_rule": "selection" if frontier else
        "fixed" if fixed is not None else "leave-one-split-out",
        "selection": {str(t): v for t, v in frontier.items()},
        "margins": asdict(margins(config, config["chosen_steps"])),
        "leave_one_split_out": {str(t): v for t, v in loso.items()},
        "holdout": compared({name: table(s) for name, s in holdout.items()}),
        "looked_at": compared({name: table(s) for name, s in (looked_at | selection).items()}),
    }
    training = {"config": config, "features": [f.name for f in model.features],
                "evidence_version": version,
                "calibration": {p.stem: _source(p) for p in args.evidence},
                **{key: {p.stem: _source(p) for p in paths}
                   for key, paths in (("holdout", args.holdout),
                                      ("looked_at", args.looked_at),
                                      ("selection", args.selection))},
                "command": "python -P -m training.calibrate_matching (see its docstring)"}
    args.out.mkdir(parents=True, exist_ok=True)
    dump = lambda doc: json.dumps(doc, indent=1) + "\n"  # noqa: E731
    (args.out / "model.json").write_text(dump(model.to_json()))
    (args.out / "metrics.json").write_text(dump(metrics))
    (args.out / "fixtures.json").write_text(dump(fixtures(model, calib_tables)))
    (args.out / "training_config.json").write_text(dump(training))
    (args.out / "README.md").write_text(acceptance_report.card(model, metrics, training))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(acceptance_report.report(model, metrics, training))
    print(acceptance_report.summary(metrics))


if __name__ == "__main__":
    main()
