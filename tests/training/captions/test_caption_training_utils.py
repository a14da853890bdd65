from __future__ import annotations

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


def _candidate(name: str, f1: float, fpr: float) -> dict[str, object]:
    return {"artifact": name, "f1": f1, "fpr": fpr, "how": "test"}


def test_selection_takes_the_best_f1_within_the_false_positive_limit() -> None:
    candidates = [_candidate("caption-ngram-lr", 0.80, 0.20),
                  _candidate("caption-encoder", 0.70, 0.02),
                  _candidate("caption-context", 0.85, 0.025)]
    assert choose(candidates)["artifact"] == "caption-context"
    over = [_candidate("caption-ngram-lr", 0.95, 0.031), _candidate("caption-context", 0.85, 0.03)]
    assert choose(over)["artifact"] == "caption-context"  # 0.95 is over the FPR limit
    tie = [_candidate("a", 0.85, 0.02), _candidate("b", 0.85, 0.01)]
    assert choose(tie)["artifact"] == "b"
    none_within = [_candidate("a", 0.9, 0.2), _candidate("b", 0.8, 0.1)]
    assert choose(none_within)["artifact"] == "a"
