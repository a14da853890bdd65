from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.text.features import FEATURE_NAMES
from models.text.lexicon import load_default_lexicon
from training.train_captions_common import binary_metrics, fit_combiner
from training.train_captions_select import choose


def test_binary_metrics_on_a_hand_counted_case() -> None:
    # tp=2 fp=1 fn=1 tn=2
    m = binary_metrics([1, 1, 1, 0, 0, 0], [0.9, 0.8, 0.2, 0.7, 0.1, 0.3])
    assert (m["precision"], m["recall"]) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert m["fpr"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["roc_auc"] == pytest.approx(7 / 9)


def test_combiner_learns_that_negations_lower_the_score() -> None:
    lexicon = load_default_lexicon()
    texts = ["高仿包包", "replica bag", "拒绝高仿 正品", "not a replica, receipt included"] * 10
    labels = [1, 1, 0, 0] * 10
    spans = [lexicon.match(t) for t in texts]
    combiner = fit_combiner(np.zeros(len(texts)), spans, labels)
    weights = dict(zip(FEATURE_NAMES, combiner.coef, strict=True))
    assert weights["legit_cue"] < 0 < weights["grade_slang"]


def _artifact(root: Path, name: str, served: float, raw: float) -> None:
    (root / name).mkdir(parents=True)
    metrics = {"dev": {"with_lexicon_calibrated": {"f1": served, "log_loss": 0.1},
                       "model_only": {"f1": raw}}}
    (root / name / "metrics.json").write_text(json.dumps(metrics))


def test_selection_prefers_dev_f1_then_model_only(tmp_path: Path) -> None:
    _artifact(tmp_path, "caption-ngram-lr", 0.97, 0.90)
    _artifact(tmp_path, "caption-encoder", 0.98, 0.80)
    assert choose(tmp_path)["artifact"] == "caption-encoder"
    other = tmp_path / "tie"
    _artifact(other, "caption-ngram-lr", 0.98, 0.90)
    _artifact(other, "caption-encoder", 0.98, 0.80)
    assert choose(other)["artifact"] == "caption-ngram-lr"
