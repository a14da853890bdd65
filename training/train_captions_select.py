"""Choose the served caption model by dev F1 and record the choice.

    python -P -m training.train_captions_select

Compares models/artifacts/caption-ngram-lr and caption-encoder on the dev F1 of what
would be served (model + lexicon evidence, calibrated); ties go to the higher model-only
dev F1, then to the lower dev log loss. Writes models/artifacts/caption-serving/serving.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from training.train_captions_common import ARTIFACTS, write_json

CANDIDATES = ("caption-ngram-lr", "caption-encoder")


def choose(root: Path = ARTIFACTS) -> dict[str, object]:
    rows = []
    for name in CANDIDATES:
        metrics = json.loads((root / name / "metrics.json").read_text(encoding="utf-8"))["dev"]
        served, raw = metrics["with_lexicon_calibrated"], metrics["model_only"]
        rows.append({"artifact": name, "dev_f1": served["f1"], "dev_f1_model_only": raw["f1"],
                     "dev_log_loss": served["log_loss"]})
    best = max(rows, key=lambda r: (round(float(r["dev_f1"]), 4),
                                    round(float(r["dev_f1_model_only"]), 4),
                                    -float(r["dev_log_loss"])))
    return {"artifact": best["artifact"],
            "rule": "max dev F1 (served pipeline), then model-only dev F1, then min log loss",
            "candidates": rows}


def main() -> None:
    choice = choose()
    out = ARTIFACTS / "caption-serving"
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "serving.json", choice)
    for row in choice["candidates"]:  # type: ignore[attr-defined]
        print(f"{row['artifact']:18s} dev F1 served={row['dev_f1']:.4f} "
              f"model-only={row['dev_f1_model_only']:.4f} log-loss={row['dev_log_loss']:.4f}")
    print(f"serving {choice['artifact']}")


if __name__ == "__main__":
    main()
