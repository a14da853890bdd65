"""Score caption classifiers on the frozen hand-written evaluation sets, side by side.

    python -P -m training.evaluate_captions_frozen                       # the served one
    python -P -m training.evaluate_captions_frozen --artifact models/artifacts/caption-ngram-lr \
        --artifact models/artifacts/caption-context --template-test var/captions \
        --report reports/captions/frozen.md

Two frozen sets, each written by writers who saw nothing of this project (READMEs there):
datasets/trustdata/captions/frozen/ (670 captions, six writers, 2026-12-04) and
datasets/trustdata/captions/frozen2/ (630 captions, three other writers, 2026-12-05, first
scored after the 2.0.0 model was fixed). Nothing is trained, selected, calibrated or tuned on
either: this script only reads them. Each classifier is an artifact's served pipeline (model, lexicon evidence,
calibration) at its own threshold; with no --artifact, the one serving.json names. Figures:
precision, recall, F1, the false-positive rate on legitimate posts, accuracy on the writers'
"hard" posts, and a slice table per kind, writer and language.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.text.classifier import CaptionClassifier, load_caption_classifier
from training.train_captions_common import flag_metrics

CAPTIONS_DIR = Path(__file__).resolve().parents[1] / "datasets" / "trustdata" / "captions"
FROZEN_DIR = CAPTIONS_DIR / "frozen"
FROZEN_SETS = {"frozen": FROZEN_DIR, "frozen2": CAPTIONS_DIR / "frozen2"}
TARGETS = {"f1": 0.93, "fpr": 0.03, "hard_accuracy": 0.85}


@dataclass(frozen=True)
class FrozenCaption:
    id: str
    text: str
    label: int
    kind: str
    hard: bool
    lang: str
    writer: str


def load_frozen(directory: Path = FROZEN_DIR) -> list[FrozenCaption]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                rows.append(FrozenCaption(d["id"], d["text"], int(d["label"]), d["kind"],
                                          bool(d["hard"]), d["lang"], d["writer"]))
    return rows


def evaluate(classifier: CaptionClassifier, rows: list[FrozenCaption]) -> dict[str, Any]:
    results = classifier.classify([r.text for r in rows])
    labels = np.array([r.label for r in rows])
    flagged = np.array([res.label == "counterfeit" for res in results])
    hard = np.array([r.hard for r in rows])
    out: dict[str, Any] = {"model_version": classifier.model_version,
                           "overall": flag_metrics(labels, flagged),
                           "hard_accuracy": float((flagged[hard] == (labels[hard] == 1)).mean()),
                           "hard_n": int(hard.sum()), "slices": {}, "errors": []}
    for field in ("kind", "writer", "lang"):
        for value in sorted({getattr(r, field) for r in rows}):
            mask = np.array([getattr(r, field) == value for r in rows])
            out["slices"][f"{field}:{value}"] = flag_metrics(labels[mask], flagged[mask])
    for row, result, is_flagged in zip(rows, results, flagged, strict=True):
        if bool(is_flagged) != bool(row.label):
            out["errors"].append({"id": row.id, "label": row.label, "kind": row.kind,
                                  "probability": round(result.counterfeit_probability, 3)})
    return out


def _cell(m: dict[str, Any], key: str) -> str:
    return f"{m[key]:.3f}" if isinstance(m[key], float) else str(m[key])


def report(evaluations: list[dict[str, Any]], rows: list[FrozenCaption], name: str) -> str:
    names = [e["model_version"] for e in evaluations]
    writers = len({r.writer for r in rows})
    lines = [f"## Set `{name}`", "",
             f"`datasets/trustdata/captions/{name}/`: {len(rows)} captions "
             f"({sum(r.label for r in rows)} counterfeit, "
             f"{sum(1 - r.label for r in rows)} legitimate, {sum(r.hard for r in rows)} "
             f"marked hard by their writers), {writers} independent writers. Never trained, "
             "selected or tuned on.",
             "", "| measure | target | " + " | ".join(f"`{n}`" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for key, target in (("f1", ">= 0.93"), ("precision", ""), ("recall", ""),
                        ("fpr", "<= 0.03")):
        lines.append(f"| {key} | {target} | "
                     + " | ".join(_cell(e["overall"], key) for e in evaluations) + " |")
    lines.append("| hard-case accuracy | >= 0.85 | "
                 + " | ".join(f"{e['hard_accuracy']:.3f}" for e in evaluations) + " |")
    lines += ["", "Slices (F1 on mixed slices; on one-label slices the share right: recall "
              "for counterfeit kinds, 1 - FPR for legitimate ones):", "",
              "| slice | n | " + " | ".join(f"`{n}`" for n in names) + " |",
              "|---|---|" + "---|" * len(names)]
    for key in evaluations[0]["slices"]:
        cells = []
        for e in evaluations:
            m = e["slices"][key]
            if m["positives"] == m["n"]:
                cells.append(f"recall {m['recall']:.3f}")
            elif m["positives"] == 0:
                cells.append(f"1-FPR {1 - m['fpr']:.3f}")
            else:
                cells.append(f"F1 {m['f1']:.3f}, FPR {m['fpr']:.3f}")
        lines.append(f"| {key} | {evaluations[0]['slices'][key]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def template_section(classifiers: list[CaptionClassifier], corpus: Path) -> str:
    """The same figures on the template corpus's own test split: what a split from the
    training generators says, next to what hand-written posts say."""
    from trustdata.captions.loaders import load_split

    test = load_split(corpus, "test")
    labels = np.array([r.label for r in test])
    lines = ["", "## The template corpus's test split (same generators as the old training data)",
             "", "| measure | " + " | ".join(f"`{c.model_version}`" for c in classifiers) + " |",
             "|---|" + "---|" * len(classifiers)]
    figures = []
    for classifier in classifiers:
        flagged = np.array([r.label == "counterfeit"
                            for r in classifier.classify([r.text for r in test])])
        figures.append(flag_metrics(labels, flagged))
    for key in ("n", "f1", "precision", "recall", "fpr"):
        lines.append(f"| {key} | " + " | ".join(_cell(f, key) for f in figures) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, action="append",
                        help="a caption artifact folder (repeatable); default: the served one")
    parser.add_argument("--template-test", type=Path,
                        help="also score the template corpus's test split (a built var/captions)")
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(FROZEN_SETS),
                        help="a frozen set (repeatable); default: every set")
    parser.add_argument("--report", type=Path, help="write the markdown table here")
    parser.add_argument("--json", type=Path, help="write the figures (and misses) here")
    args = parser.parse_args()
    classifiers = ([CaptionClassifier.load(path) for path in args.artifact] if args.artifact
                   else [load_caption_classifier()])
    text = ("# Caption classifiers on the frozen hand-written sets\n\nGenerated by "
            "`python -P -m training.evaluate_captions_frozen`.\n\n")
    evaluations: dict[str, list[dict[str, Any]]] = {}
    for name in args.sets or sorted(FROZEN_SETS):
        rows = load_frozen(FROZEN_SETS[name])
        evaluations[name] = [evaluate(c, rows) for c in classifiers]
        text += report(evaluations[name], rows, name) + "\n"
    if args.template_test:
        text += template_section(classifiers, args.template_test)
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(evaluations, indent=1, ensure_ascii=False),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
