"""The served caption pipeline on the small hand-written sanity set.

The floors are the figures measured with lexicon 1.5.0, brand table 1.2.0 and the served
caption-context 2.1.0 at its own threshold: precision 1.000, recall 1.000 (63/63), FPR 0.000
(0/60) on 123 captions. (caption-context 2.0.0 measured recall 0.937, 59/63; caption-ngram-lr
1.1.0 precision 0.940, recall 1.000, FPR 0.067: it flagged 4 of 60 honest posts;
reports/captions/CHANGES.md.) A change that drops below them
must explain why in reports/captions/, not lower the floor.
"""

from __future__ import annotations

import pytest
from trustdata.captions.loaders import load_handwritten
from trustdata.captions.records import CaptionRecord

from models.text.classifier import load_caption_classifier
from training.evaluate_captions_handwritten import handwritten_metrics, handwritten_section

PRECISION_FLOOR = 1.0
RECALL_FLOOR = 1.0
FPR_CEILING = 0.0


@pytest.fixture(scope="module")
def records() -> list[CaptionRecord]:
    return load_handwritten()


def test_set_is_labelled_traceable_and_balanced(records: list[CaptionRecord]) -> None:
    assert 100 <= len(records) <= 150
    assert len({r.id for r in records}) == len(records)
    assert len({r.text for r in records}) == len(records)
    assert all(r.source == "handwritten" and "never used for training" in r.provenance
               for r in records)
    positives = sum(r.label for r in records)
    assert 0.35 <= positives / len(records) <= 0.65
    assert {r.lang for r in records} == {"zh", "en", "mixed"}
    legit_groups = {r.group for r in records if r.label == 0}
    assert {"negation_receipt", "unbranded_lookalike", "second_hand", "homemade_food",
            "shop_with_contact"} <= legit_groups


def test_served_pipeline_reaches_the_measured_floor(records: list[CaptionRecord]) -> None:
    result = handwritten_metrics(load_caption_classifier(), records)
    overall = result["overall"]
    assert overall["n"] == len(records)
    assert overall["precision"] >= PRECISION_FLOOR
    assert overall["recall"] >= RECALL_FLOOR
    assert overall["fpr"] <= FPR_CEILING
    section = handwritten_section(result)
    assert "not used for training or fitting" in section
    assert len(result["errors"]) == section.count("\n- `")
