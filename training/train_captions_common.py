"""Shared pieces of the caption training scripts: data, metrics, calibration, artifact files."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from trustdata.captions.loaders import load_split
from trustdata.captions.records import CaptionRecord

from models.text.features import FEATURE_NAMES, Combiner, feature_matrix
from models.text.lexicon import load_default_lexicon
from models.text.normalize import normalize
from models.thresholds import CAPTION_COUNTERFEIT_PROBABILITY

CORPUS_DIR = Path("var/captions")
ARTIFACTS = Path("models/artifacts")
DEV_SUBSET_SIZE = 600
COMBINER_C = 0.5


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> dict[str, list[CaptionRecord]]:
    if not (corpus_dir / "train.jsonl").exists():
        raise SystemExit(f"{corpus_dir} has no corpus: run python -P -m trustdata.captions.build")
    return {split: load_split(corpus_dir, split) for split in ("train", "dev", "test")}


def normalized(records: Sequence[CaptionRecord]) -> list[str]:
    """What the classifiers read: normalised text with pinyin hits read as Chinese."""
    lexicon = load_default_lexicon()
    out = []
    for record in records:
        norm = normalize(record.text)
        out.append(lexicon.model_text(norm, lexicon.match_normalized(norm)))
    return out


def lexicon_spans(records: Sequence[CaptionRecord]) -> list[list[Any]]:
    lexicon = load_default_lexicon()
    return [lexicon.match(r.text) for r in records]


def flag_metrics(labels: Sequence[int] | np.ndarray,
                 flagged: Sequence[bool] | np.ndarray) -> dict[str, float]:
    """Counts-based figures of a flagged/not-flagged decision per caption."""
    y = np.asarray(labels, dtype=int)
    predicted = np.asarray(flagged, dtype=bool)
    tp = int(np.sum(predicted & (y == 1)))
    fp = int(np.sum(predicted & (y == 0)))
    fn = int(np.sum(~predicted & (y == 1)))
    tn = int(np.sum(~predicted & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(y), "positives": int(y.sum()), "precision": precision, "recall": recall,
            "f1": f1, "fpr": fp / (fp + tn) if fp + tn else 0.0,
            "accuracy": (tp + tn) / len(y) if len(y) else 0.0}


def binary_metrics(labels: Sequence[int] | np.ndarray,
                   probabilities: Sequence[float] | np.ndarray,
                   threshold: float = CAPTION_COUNTERFEIT_PROBABILITY) -> dict[str, float]:
    y = np.asarray(labels, dtype=int)
    p = np.asarray(probabilities, dtype=float)
    both = len(set(y.tolist())) == 2
    counts = flag_metrics(y, p >= threshold)
    del counts["accuracy"]
    return {**counts,
            "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
            "log_loss": float(-np.mean(y * np.log(np.clip(p, 1e-7, 1)) +
                                       (1 - y) * np.log(np.clip(1 - p, 1e-7, 1))))}


def fit_combiner(logits: np.ndarray, spans: Sequence[Sequence[Any]],
                 labels: Sequence[int]) -> Combiner:
    """Platt scaling with lexicon counts as extra inputs, fitted on dev."""
    features = feature_matrix(logits, spans)
    fitted = LogisticRegression(C=COMBINER_C, max_iter=2000).fit(features, np.asarray(labels))
    return Combiner(coef=tuple(float(c) for c in fitted.coef_[0]),
                    intercept=float(fitted.intercept_[0]))


def dev_subset(dev: Sequence[CaptionRecord], seed: int) -> list[CaptionRecord]:
    """A stratified sample of dev stored with the artifact so tests can re-check it."""
    rng = random.Random(seed)
    positives = [r for r in dev if r.label == 1]
    negatives = [r for r in dev if r.label == 0]
    half = DEV_SUBSET_SIZE // 2
    return rng.sample(positives, min(half, len(positives))) + \
        rng.sample(negatives, min(half, len(negatives)))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")


def write_common_files(out: Path, combiner: Combiner, dev_logits: np.ndarray,
                       corpus: dict[str, list[CaptionRecord]], config: dict[str, Any],
                       score_subset: Any, model_card: str) -> dict[str, Any]:
    """Calibration, labels, training config, dev metrics (full + stored subset), card."""
    lexicon = load_default_lexicon()
    dev = corpus["dev"]
    write_json(out / "calibration.json", {
        "method": "logistic regression on [model logit, capped lexicon counts], fitted on dev",
        "lexicon_version": lexicon.version, "combiner": combiner.to_json(),
        "threshold": CAPTION_COUNTERFEIT_PROBABILITY})
    write_json(out / "labels.json", {"0": "legitimate", "1": "counterfeit"})
    manifest = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8")) \
        if (CORPUS_DIR / "manifest.json").exists() else {}
    write_json(out / "training_config.json", {**config, "corpus": manifest,
                                               "lexicon_version": lexicon.version})
    dev_labels = [r.label for r in dev]
    dev_spans = lexicon_spans(dev)
    raw = binary_metrics(dev_labels, 1 / (1 + np.exp(-dev_logits)))
    combined = binary_metrics(dev_labels, combiner.probabilities(
        feature_matrix(dev_logits, dev_spans)))
    subset = dev_subset(dev, config["seed"])
    with (out / "dev_subset.jsonl").open("w", encoding="utf-8") as handle:
        for record in subset:
            handle.write(json.dumps({"text": record.text, "label": record.label,
                                     "source": record.source, "id": record.id},
                                    ensure_ascii=False) + "\n")
    subset_probabilities = score_subset([r.text for r in subset])
    metrics = {"dev": {"model_only": raw, "with_lexicon_calibrated": combined},
               "dev_subset": {**binary_metrics([r.label for r in subset], subset_probabilities),
                              "mean_probability": float(np.mean(subset_probabilities))},
               "features": list(FEATURE_NAMES)}
    write_json(out / "metrics.json", metrics)
    (out / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")
    return metrics


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
