from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.text.classifier import (
    ARTIFACTS_ROOT,
    LABEL_COUNTERFEIT,
    CaptionClassifier,
    load_caption_classifier,
    serving_artifact_dir,
)
from training.train_captions_common import binary_metrics
from training.train_captions_select import ARTIFACTS_CHOSEN_FROM, choose

REQUIRED = ("config.json", "model.safetensors", "calibration.json", "labels.json",
            "training_config.json", "metrics.json", "MODEL_CARD.md", "dev_subset.jsonl")


@pytest.fixture(scope="module", params=ARTIFACTS_CHOSEN_FROM)
def artifact(request: pytest.FixtureRequest) -> Path:
    return ARTIFACTS_ROOT / request.param


@pytest.fixture(scope="module")
def served() -> CaptionClassifier:
    return load_caption_classifier()


def test_artifact_is_complete_small_and_pickle_free(artifact: Path) -> None:
    names = {p.name for p in artifact.iterdir()}
    assert set(REQUIRED) <= names
    assert not any(n.endswith((".pkl", ".pickle", ".bin", ".pt", ".joblib")) for n in names)
    assert sum(p.stat().st_size for p in artifact.iterdir()) < 25 * 1024 * 1024


def test_artifact_reproduces_its_stored_dev_metrics(artifact: Path) -> None:
    stored = json.loads((artifact / "metrics.json").read_text())["dev_subset"]
    rows = [json.loads(line) for line in (artifact / "dev_subset.jsonl").open(encoding="utf-8")]
    assert len(rows) == stored["n"]
    probabilities = CaptionClassifier.load(artifact).probabilities([r["text"] for r in rows])
    again = binary_metrics([r["label"] for r in rows], probabilities)
    for key in ("precision", "recall", "f1", "fpr"):
        assert again[key] == pytest.approx(stored[key], abs=0.004), key
    assert float(np.mean(probabilities)) == pytest.approx(stored["mean_probability"], abs=1e-3)


def test_serving_choice_follows_the_rule() -> None:
    recorded = json.loads((ARTIFACTS_ROOT / "caption-serving" / "serving.json").read_text())
    assert recorded["artifact"] == choose(recorded["candidates"])["artifact"]
    assert {c["artifact"] for c in recorded["candidates"]} == set(ARTIFACTS_CHOSEN_FROM)
    assert serving_artifact_dir().name == recorded["artifact"]


def test_classify_spans_labels_and_batch_invariance(served: CaptionClassifier) -> None:
    texts = ["顶级高*仿 驴牌老花包，原.单，私聊价格", "自家种的赣南脐橙，甜，29元5斤，包邮",
             "Not a replica: authentic Gucci loafers, receipt included", "r e p l i c a Rolex, DM me"]
    results = served.classify(texts)
    assert [r.label for r in results] == [LABEL_COUNTERFEIT, "legitimate", "legitimate",
                                          LABEL_COUNTERFEIT]
    for text, result in zip(texts, results, strict=True):
        assert 0.0 <= result.counterfeit_probability <= 1.0
        assert (result.label == LABEL_COUNTERFEIT) == (result.counterfeit_probability >= 0.5)
        for span in result.spans:
            assert 0 <= span.start < span.end <= len(text)
    assert [texts[0][s.start:s.end] for s in results[0].spans][:2] == ["高*仿", "驴牌"]
    singles = [served.classify([t])[0].counterfeit_probability for t in texts]
    assert singles == pytest.approx([r.counterfeit_probability for r in results], abs=1e-5)
    assert served.classify([]) == []


def test_evasion_does_not_lower_a_clear_positive(served: CaptionClassifier) -> None:
    clean, evaded = served.probabilities(["高仿LV包包，原单，加v", "髙\u200b倣ＬＶ包包，原·單，加ｖ"])
    assert evaded == pytest.approx(clean, abs=0.02)


def test_pinyin_slang_scores_like_the_chinese_it_spells(served: CaptionClassifier) -> None:
    pinyin, chinese, ordinary = served.probabilities(
        ["顶级GF项链 梵克雅宝 价格私聊", "顶级高仿项链 梵克雅宝 价格私聊",
         "my gf loved the necklace, thanks everyone"])
    assert pinyin == pytest.approx(chinese, abs=1e-9)
    assert pinyin >= 0.5 > ordinary
