"""Risk models side by side, with and without the supplier-network signals, in one run.

    python -P -m training.evaluate_risk_network --data var/datasets/listings-network \
        --artifact models/artifacts/risk-v2 --artifact models/artifacts/risk-v3 \
        --joint-config training/configs/risk-v3.json --report reports/risk/network.md

(a) The generated test split (held-out sellers and brands), each listing scored twice: with
its network signals (bank matches, links to sellers with confirmed counterfeits: scoring as
served) and without them (TRUST_SUPPLIER_SIGNALS_ENABLED=false, today's per-listing scoring).
Headline figures, decisions of the served rule (models/risk/scoring.py) by seller archetype,
and the two slices the signals are for and against: counterfeit listings of network agents
that carry a signal, honest listings that carry a false one. (b) The frozen hand-written
caption sets (training/evaluate_listing_captions.py: the caption as the only evidence, no
network signals) scored with the served caption model. With --joint-config, a variant fitted
in this run like the config but with the network features fitted jointly with the others
(their absence then counts as evidence of honesty) is shown beside them: the reason the
served model fits them as an update (training/train_risk.py). Writes the report and a JSON
of every figure next to it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from tqdm import tqdm
from trustdata.listings.io import load_split, to_signals

from models.risk import RiskModel, load_model, score_listing
from models.risk.signals import ListingSignals
from models.text.classifier import CaptionClassifier
from training.evaluate_captions_frozen import FROZEN_SETS, load_frozen
from training.evaluate_listing_captions import evaluate as evaluate_frozen
from training.evaluate_risk import expected_calibration_error
from training.train_risk import TrainConfig, train

MODES = ("with network signals", "without")
FROZEN_COLUMNS = ("blocked", "reviewed", "allowed", "block_precision", "honest_blocked",
                  "honest_reviewed", "counterfeit_blocked", "counterfeit_flagged")


def _decisions(model: RiskModel, signals: list[ListingSignals]) -> tuple[np.ndarray, np.ndarray]:
    scored = [score_listing(s, model) for s in signals]
    return (np.array([a.risk for a in scored]), np.array([a.decision for a in scored]))


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")


def _summary(p: np.ndarray, made: np.ndarray, y: np.ndarray) -> dict[str, float]:
    flagged, blocked = made != "allow", made == "block"
    return {"roc_auc": float(roc_auc_score(y, p)),
            "average_precision": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p)), "ece": expected_calibration_error(p, y),
            "flagged": _share(flagged), "flag_precision": float(y[flagged].mean()),
            "flag_recall": float(flagged[y == 1].mean()), "blocked": _share(blocked),
            "block_precision": float(y[blocked].mean()) if blocked.any() else float("nan"),
            "block_recall": float(blocked[y == 1].mean())}


def _slice(made: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    return {"n": int(mask.sum()), "flagged": _share(made[mask] != "allow"),
            "blocked": _share(made[mask] == "block")}


def test_split(models: list[RiskModel], records: list[dict[str, Any]]) -> dict[str, Any]:
    y = np.array([r["label"] for r in records])
    archetypes = np.array([r["archetype"] for r in records])
    with_signal = np.array([bool(r.get("bank_matches") or r.get("linked_counterfeit"))
                            for r in records])
    signals = {MODES[0]: [to_signals(r) for r in tqdm(records, desc="test signals")],
               MODES[1]: [to_signals(r, network_signals=False) for r in records]}
    out: dict[str, Any] = {"n": len(records), "positives": int(y.sum()),
                           "with_network_signal": int(with_signal.sum()), "runs": []}
    for model in models:
        for mode, batch in signals.items():
            p, made = _decisions(model, batch)
            out["runs"].append({
                "model": model.version, "mode": mode, "summary": _summary(p, made, y),
                "by_archetype": {a: _slice(made, archetypes == a)
                                 for a in sorted(set(archetypes))},
                "counterfeit_with_network_signal": _slice(made, (y == 1) & with_signal),
                "honest_with_network_signal": _slice(made, (y == 0) & with_signal),
                "counterfeit_without_network_signal": _slice(made, (y == 1) & ~with_signal),
                "honest_without_network_signal": _slice(made, (y == 0) & ~with_signal)})
    out["archetype_counts"] = {a: {"n": int((archetypes == a).sum()),
                                   "counterfeit": int(y[archetypes == a].sum()),
                                   "with_network_signal": int(with_signal[archetypes == a].sum())}
                               for a in sorted(set(archetypes))}
    return out


def frozen_sets(models: list[RiskModel], caption_model: Path) -> dict[str, Any]:
    classifier = CaptionClassifier.load(caption_model)
    out: dict[str, Any] = {}
    for name in sorted(FROZEN_SETS):
        rows = load_frozen(FROZEN_SETS[name])
        results = classifier.classify([r.text for r in rows])
        out[name] = {"n": len(rows), "counterfeit": sum(r.label for r in rows),
                     "runs": [{"model": m.version, **evaluate_frozen(classifier, rows, model=m,
                                                                     results=results)}
                              for m in models]}
    return out


def _fmt(v: float) -> str:
    return "n/a" if v != v else f"{v:.3f}"


def write_report(figures: dict[str, Any], path: Path) -> None:
    test = figures["test_split"]
    lines = [
        "# Risk models with and without the supplier-network signals", "",
        "Generated by `python -P -m training.evaluate_risk_network` (one run; every model "
        "scores the same listings). Decisions are the served rule's (models/risk/scoring.py: "
        "review at risk >= 0.30, block at >= 0.95 with grounds beyond wording, a bank match "
        "at least 0.8 sure never allowed). *Without* = the same listings with their bank "
        "matches and links removed (TRUST_SUPPLIER_SIGNALS_ENABLED=false). `risk-v2` gives "
        "the network features no weight: its rows with and without them differ only by "
        "that rule.", "",
        f"## (a) Generated test split: {test['n']} listings of held-out sellers and brands, "
        f"{test['positives']} counterfeit, {test['with_network_signal']} with a network "
        "signal (synthetic)", "",
        "| model | network signals | ROC-AUC | avg precision | Brier | ECE | flagged | "
        "precision | recall | blocked | block precision | block recall |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in test["runs"]:
        s = run["summary"]
        lines.append(f"| `{run['model']}` | {run['mode']} | {s['roc_auc']:.4f} | "
                     f"{s['average_precision']:.4f} | {s['brier']:.4f} | {s['ece']:.4f} | "
                     f"{_fmt(s['flagged'])} | {_fmt(s['flag_precision'])} | "
                     f"{_fmt(s['flag_recall'])} | {_fmt(s['blocked'])} | "
                     f"{_fmt(s['block_precision'])} | {_fmt(s['block_recall'])} |")
    lines += ["", "Flagged (review or block) and blocked share by slice:", "",
              "| model | network signals | counterfeit, with a network signal | honest, "
              "with a (false) network signal | counterfeit, none | honest, none |",
              "|---|---|---|---|---|---|"]
    slices = ("counterfeit_with_network_signal", "honest_with_network_signal",
              "counterfeit_without_network_signal", "honest_without_network_signal")
    for run in test["runs"]:
        cells = [f"{_fmt(run[k]['flagged'])} / {_fmt(run[k]['blocked'])} (n={run[k]['n']})"
                 for k in slices]
        lines.append(f"| `{run['model']}` | {run['mode']} | " + " | ".join(cells) + " |")
    lines += ["", "By seller archetype, flagged / blocked share (a `counterfeit_mixed` seller's "
              "genuine stock is part of its rows):", "",
              "| archetype | n | counterfeit | with a network signal | "
              + " | ".join(f"`{r['model']}` {r['mode']}" for r in test["runs"]) + " |",
              "|---|---|---|---|" + "---|" * len(test["runs"])]
    for archetype, counts in test["archetype_counts"].items():
        cells = [f"{_fmt(r['by_archetype'][archetype]['flagged'])} / "
                 f"{_fmt(r['by_archetype'][archetype]['blocked'])}" for r in test["runs"]]
        lines.append(f"| {archetype} | {counts['n']} | {counts['counterfeit']} | "
                     f"{counts['with_network_signal']} | " + " | ".join(cells) + " |")
    lines += ["", "## (b) Frozen hand-written caption sets as listings (no network signals)", "",
              "Each caption as a listing with the seller's own photos, no price field and a "
              "seller without history (training/evaluate_listing_captions.py), captions scored "
              f"by `{figures['caption_model']}`.", ""]
    for name, frozen in figures["frozen_sets"].items():
        lines += [f"Set `{name}` ({frozen['n']} captions, {frozen['counterfeit']} counterfeit):",
                  "", "| risk model | decision rule | blocked | review | allowed | precision at "
                  "block | honest blocked | honest to review | counterfeit blocked | "
                  "counterfeit flagged |", "|---|---|---|---|---|---|---|---|---|---|"]
        for run in frozen["runs"]:
            for rule in ("decide alone", "served (block needs grounds)"):
                m = run[rule]
                lines.append(f"| `{run['model']}` | {rule} | {m['blocked']} | {m['reviewed']} "
                             f"| {m['allowed']} | {_fmt(m['block_precision'])} | "
                             f"{_fmt(m['honest_blocked'])} | {_fmt(m['honest_reviewed'])} | "
                             f"{_fmt(m['counterfeit_blocked'])} | "
                             f"{_fmt(m['counterfeit_flagged'])} |")
        lines.append("")
    if figures.get("joint_variant"):
        lines += [f"`{figures['joint_variant']}`: fitted in this run like the served model's "
                  "config, but with the network features fitted jointly with the others, so "
                  "their absence lowers the risk; not served, shown for what it would cost "
                  "where the signals are missing.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("var/datasets/listings-network"))
    parser.add_argument("--artifact", type=Path, action="append", required=True)
    parser.add_argument("--joint-config", type=Path,
                        help="also fit this config's network features jointly, and show it")
    parser.add_argument("--caption-model", type=Path,
                        default=Path("models/artifacts/caption-context"))
    parser.add_argument("--report", type=Path, default=Path("reports/risk/network.md"))
    args = parser.parse_args()
    models = [load_model(path) for path in args.artifact]
    joint = None
    if args.joint_config is not None:
        cfg = TrainConfig(**json.loads(args.joint_config.read_text()))
        cfg = replace(cfg, version=f"{cfg.version}-joint", update_features=())
        with tempfile.TemporaryDirectory() as scratch:
            train(args.data, Path(scratch), cfg)
            models.append(load_model(Path(scratch)))
        joint = cfg.version
    figures: dict[str, Any] = {"data": str(args.data), "caption_model": str(args.caption_model),
               "joint_variant": joint,
               "test_split": test_split(models, load_split(args.data, "test")),
               "frozen_sets": frozen_sets(models, args.caption_model)}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    write_report(figures, args.report)
    args.report.with_suffix(".json").write_text(json.dumps(figures, indent=1) + "\n")
    for run in figures["test_split"]["runs"]:
        s = run["summary"]
        agents = run["counterfeit_with_network_signal"]
        print(f"{run['model']:16s} {run['mode']:21s} auc={s['roc_auc']:.4f} "
              f"flag p/r={s['flag_precision']:.3f}/{s['flag_recall']:.3f} "
              f"block p/r={s['block_precision']:.3f}/{s['block_recall']:.3f} "
              f"agents-with-signal flagged={agents['flagged']:.3f}")
    for name, frozen in figures["frozen_sets"].items():
        for run in frozen["runs"]:
            m = run["served (block needs grounds)"]
            print(f"{name:8s} {run['model']:16s} served: block precision "
                  f"{m['block_precision']:.3f}, honest blocked {m['honest_blocked']:.3f}, "
                  f"honest to review {m['honest_reviewed']:.3f}, counterfeit flagged "
                  f"{m['counterfeit_flagged']:.3f}")
    print(f"report: {args.report}")


if __name__ == "__main__":
    main()
