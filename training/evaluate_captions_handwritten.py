"""Score the served caption classifier on the small hand-written sanity set.

    python -P -m training.evaluate_captions_handwritten

datasets/trustdata/captions/data/handwritten.jsonl holds ~120 captions written by hand in
the style of social-commerce posts, independently of the corpus builder's templates. It
is never used for training or for fitting calibration or thresholds; with this few rows
its figures are a sanity check (one caption moves recall by 1.6 points), not a benchmark.
`training.evaluate_captions` appends the same table to reports/captions/README.md.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from trustdata.captions.loaders import load_handwritten
from trustdata.captions.records import CaptionRecord

from models.text.classifier import CaptionClassifier, load_caption_classifier
from training.train_captions_common import binary_metrics


def handwritten_metrics(classifier: CaptionClassifier,
                        records: list[CaptionRecord] | None = None) -> dict[str, Any]:
    """Overall and per-language metrics, per-group flag rates, and the misclassified rows."""
    rows = records if records is not None else load_handwritten()
    probabilities = classifier.probabilities([r.text for r in rows])
    labels = np.array([r.label for r in rows])
    flagged = probabilities >= classifier.threshold
    out: dict[str, Any] = {"model_version": classifier.model_version,
                           "threshold": classifier.threshold,
                           "overall": binary_metrics(labels, probabilities, classifier.threshold),
                           "lang": {},
                           "groups": {}, "errors": []}
    for lang in sorted({r.lang for r in rows}):
        mask = np.array([r.lang == lang for r in rows])
        out["lang"][lang] = binary_metrics(labels[mask], probabilities[mask],
                                           classifier.threshold)
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(rows):
        by_group[record.group].append(i)
    for group, indices in sorted(by_group.items()):
        out["groups"][group] = {"n": len(indices), "label": int(labels[indices[0]]),
                                "flagged": int(flagged[indices].sum())}
    for i, record in enumerate(rows):
        if bool(flagged[i]) != bool(record.label):
            out["errors"].append({"id": record.id, "label": record.label,
                                  "probability": float(probabilities[i]), "text": record.text})
    return out


def handwritten_section(result: dict[str, Any]) -> str:
    """Markdown for the report: clearly labelled as a small hand-written sanity set."""
    o = result["overall"]
    lines = ["## Hand-written sanity set (small; not used for training or fitting)", "",
             f"`datasets/trustdata/captions/data/handwritten.jsonl`: {o['n']} captions "
             f"({o['positives']} counterfeit) written by hand in the style of real posts, "
             "not from the builder's templates. Scored with the served pipeline "
             f"`{result['model_version']}` at its threshold {result['threshold']}. "
             "Too small for fine comparisons: one caption moves recall by ~1.6 points.", "",
             "| scope | n | precision | recall | F1 | FPR |", "|---|---|---|---|---|---|",
             f"| all | {o['n']} | {o['precision']:.4f} | {o['recall']:.4f} | {o['f1']:.4f} | "
             f"{o['fpr']:.4f} |"]
    for lang, m in result["lang"].items():
        lines.append(f"| lang:{lang} | {m['n']} | {m['precision']:.4f} | {m['recall']:.4f} | "
                     f"{m['f1']:.4f} | {m['fpr']:.4f} |")
    lines += ["", "| group | n | label | flagged |", "|---|---|---|---|"]
    lines += [f"| {g} | {row['n']} | {'counterfeit' if row['label'] else 'legitimate'} | "
              f"{row['flagged']} |" for g, row in result["groups"].items()]
    if result["errors"]:
        lines += ["", "Misclassified:", ""]
        lines += [f"- `{e['id']}` ({'missed' if e['label'] else 'false positive'}, "
                  f"p={e['probability']:.2f}): {e['text']}" for e in result["errors"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    print(handwritten_section(handwritten_metrics(load_caption_classifier())))


if __name__ == "__main__":
    main()
