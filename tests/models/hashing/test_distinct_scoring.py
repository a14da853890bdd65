"""A pair's distinctiveness (how far it stands above the next candidate for the same query)
reaches every model that reads it through ``unified_score``, and changes nothing for a
model that does not."""

from __future__ import annotations

from models.hashing.acceptance import ARTIFACT_DIR, load_acceptance
from models.hashing.pipeline import Rules, unified_score

READS_IT = Rules(load_acceptance(ARTIFACT_DIR.parent / "match-acceptance-v4" / "model.json"))


def test_a_model_reading_distinctiveness_gets_it() -> None:
    assert len(READS_IT.model.features) == 7
    alone = unified_score(8.0, 20, 0.9, READS_IT, 0.05, 0.3, (15.0, 10.0))
    crowded = unified_score(8.0, 20, 0.9, READS_IT, 0.05, 0.3, (0.0, 1.0))
    unknown = unified_score(8.0, 20, 0.9, READS_IT, 0.05, 0.3)
    assert alone < crowded <= unknown  # standing apart is stronger evidence, never weaker


def test_a_model_without_it_scores_the_same_either_way() -> None:
    v1 = Rules(load_acceptance(ARTIFACT_DIR.parent / "match-acceptance-v1" / "model.json"))
    assert len(v1.model.features) == 5
    assert unified_score(8.0, 20, 0.9, v1, 0.05, 0.3, (15.0, 10.0)) == \
        unified_score(8.0, 20, 0.9, v1, 0.05, 0.3)


def test_the_served_model_reads_it() -> None:
    served = Rules()
    assert "hash_gap" in [f.name for f in served.model.features]
    alone = unified_score(2.0, None, rules=served, distinct=(17.0, None))
    crowded = unified_score(2.0, None, rules=served, distinct=(0.5, None))
    assert alone <= 1.0 < crowded  # one near-copy standing alone, or among look-alikes
