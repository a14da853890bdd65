"""Evaluate the caption models on the template corpus's test split, overall and per slice, with plots.

    python -P -m training.evaluate_captions [--corpus var/captions] [--report reports/captions]

Prints a markdown table per model and writes reports/captions/README.md,
reports/captions/metrics.json and PNG plots (precision-recall, per-slice bars,
calibration). Test metrics are also stored in each artifact's metrics.json under "test".
The report ends with the served pipeline on the small hand-written sanity set
(training/evaluate_captions_handwritten.py), which nothing is trained or fitted on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm
from trustdata.captions.evasion import EVASION_KINDS
from trustdata.captions.loaders import load_split
from trustdata.captions.records import CaptionRecord

from models.text.classifier import CaptionClassifier
from models.text.features import feature_matrix
from training.train_captions_common import ARTIFACTS, CORPUS_DIR, binary_metrics, write_json
from training.train_captions_select import ARTIFACTS_CHOSEN_FROM as CANDIDATES

TARGETS = {"f1": 0.95, "fpr_legit": 0.02, "fpr_hard": 0.05, "evasion_gap": 0.03}
SLICES = ["lang:zh", "lang:en", "lang:mixed", "slang", "factory", "nickname", "contact",
          "single_evidence", "legit_with_contact",
          "review", "legit_listing", "hard_negative", "evasion_source",
          *[f"evasion:{k}" for k in EVASION_KINDS]]


def score(classifier: CaptionClassifier, records: list[CaptionRecord],
          batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated probabilities and model-only probabilities."""
    served, raw = [], []
    for begin in tqdm(range(0, len(records), batch), desc=classifier.model_version[:24]):
        texts = [r.text for r in records[begin:begin + batch]]
        spans, _, logits = classifier.spans_and_logits(texts)
        served.append(classifier.combiner.probabilities(feature_matrix(logits, spans)))
        raw.append(1 / (1 + np.exp(-logits)))
    return np.concatenate(served), np.concatenate(raw)


def slice_metrics(records: list[CaptionRecord], probs: np.ndarray,
                  threshold: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    labels = np.array([r.label for r in records])
    for name in SLICES:
        mask = np.array([name in r.slices for r in records])
        if mask.any():
            out[name] = binary_metrics(labels[mask], probs[mask], threshold)
    # Paired comparison: recall on a kind's positive variants against recall on exactly the
    # clean originals those variants were made from.
    index = {r.id: i for i, r in enumerate(records)}
    for kind in EVASION_KINDS:
        row = out.get(f"evasion:{kind}")
        pairs = [(index[r.source_id], i) for i, r in enumerate(records)
                 if r.evasion == kind and r.label == 1 and r.source_id in index]
        if row is not None and pairs:
            clean = float(np.mean([probs[s] >= threshold for s, _ in pairs]))
            evaded = float(np.mean([probs[v] >= threshold for _, v in pairs]))
            row.update(clean_recall=clean, paired_recall=evaded, gap=clean - evaded,
                       pairs=len(pairs))
    return out


def evaluate(corpus: Path) -> dict[str, Any]:
    test = load_split(corpus, "test")
    labels = [r.label for r in test]
    legit = np.array([r.label == 0 for r in test])
    results: dict[str, Any] = {}
    for name in CANDIDATES:
        classifier = CaptionClassifier.load(ARTIFACTS / name)
        served, raw = score(classifier, test)
        overall = binary_metrics(labels, served, classifier.threshold)
        overall["fpr_hard_negative"] = float(np.mean(served[np.array(
            ["hard_negative" in r.slices for r in test])] >= classifier.threshold))
        results[name] = {"overall": overall, "model_only": binary_metrics(labels, raw),
                         "slices": slice_metrics(test, served, classifier.threshold), "legit_n": int(legit.sum()),
                         "probabilities": served.tolist()}
    results["_labels"] = labels
    return results


def table(name: str, result: dict[str, Any]) -> str:
    o, m = result["overall"], result["model_only"]
    lines = [f"### {name}", "",
             "| scope | n | precision | recall | F1 | FPR | ROC-AUC |", "|---|---|---|---|---|---|---|",
             f"| test, served (model + lexicon, calibrated) | {o['n']} | {o['precision']:.4f} | "
             f"{o['recall']:.4f} | {o['f1']:.4f} | {o['fpr']:.4f} | {o['roc_auc']:.4f} |",
             f"| test, model only | {m['n']} | {m['precision']:.4f} | {m['recall']:.4f} | "
             f"{m['f1']:.4f} | {m['fpr']:.4f} | {m['roc_auc']:.4f} |"]
    for slice_name, s in result["slices"].items():
        if slice_name.startswith("_"):
            continue
        gap = ""
        if "gap" in s:  # the positive variants' recall, next to their own originals
            gap = f" (variants {s['paired_recall']:.4f} vs clean {s['clean_recall']:.4f}, " \
                  f"gap {s['gap']:+.4f}, {s['pairs']} pairs)"
        auc = "-" if np.isnan(s["roc_auc"]) else f"{s['roc_auc']:.4f}"
        lines.append(f"| {slice_name} | {s['n']} | {s['precision']:.4f} | {s['recall']:.4f}{gap}"
                     f" | {s['f1']:.4f} | {s['fpr']:.4f} | {auc} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--report", type=Path, default=Path("reports/captions"))
    args = parser.parse_args()
    results = evaluate(args.corpus)
    args.report.mkdir(parents=True, exist_ok=True)
    from training.train_captions_plots import write_plots

    write_plots(results, args.report)
    tables = [table(name, results[name]) for name in CANDIDATES]
    serving = json.loads((ARTIFACTS / "caption-serving" / "serving.json").read_text())
    summary = {name: {"overall": results[name]["overall"], "model_only": results[name]["model_only"],
                      "slices": results[name]["slices"]} for name in CANDIDATES}
    write_json(args.report / "metrics.json", {"serving": serving["artifact"], "targets": TARGETS,
                                              "models": summary})
    for name in CANDIDATES:
        path = ARTIFACTS / name / "metrics.json"
        metrics = json.loads(path.read_text(encoding="utf-8"))
        metrics["test"] = {"overall": results[name]["overall"],
                           "model_only": results[name]["model_only"]}
        write_json(path, metrics)
    from training.evaluate_captions_handwritten import handwritten_metrics, handwritten_section
    from training.train_captions_plots import write_report

    handwritten = handwritten_section(handwritten_metrics(
        CaptionClassifier.load(ARTIFACTS / serving["artifact"])))
    write_report(args.report, tables, summary, serving, TARGETS, (handwritten,))
    print("\n\n".join(tables))
    print("\n" + handwritten)
    print(f"\nserving: {serving['artifact']}; report: {args.report / 'README.md'}")


if __name__ == "__main__":
    main()
