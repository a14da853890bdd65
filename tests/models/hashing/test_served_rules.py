"""Which acceptance model judges a catalog: the one calibrated on small catalogs searched
whole below thresholds.DESCRIPTOR_MIN_CATALOG images, the one calibrated with 5,000
distractor products enrolled from there on; and a model that reads how distinctive a pair
is gets those features when scored."""

from __future__ import annotations

import json
import math

import numpy as np

from models.hashing.acceptance import ARTIFACT_DIR, SCALE_ARTIFACT_DIR, load_acceptance
from models.hashing.pipeline import Rules, served_rules, unified_score
from models.thresholds import DESCRIPTOR_MIN_CATALOG


def test_the_model_follows_the_catalog_size() -> None:
    served = served_rules()
    small, large = load_acceptance(), load_acceptance(SCALE_ARTIFACT_DIR / "model.json")
    assert served.for_catalog(DESCRIPTOR_MIN_CATALOG - 1).model == small
    assert served.for_catalog(DESCRIPTOR_MIN_CATALOG).model == large
    assert served.for_catalog(100_000).model == large
    assert Rules().for_catalog(100_000).model == small  # explicit rules are left alone
    assert ARTIFACT_DIR.name == "match-acceptance-v1"
    assert SCALE_ARTIFACT_DIR.name == "match-acceptance-v4"


def _fixture_rows(path: str) -> list[dict]:
    return json.loads((SCALE_ARTIFACT_DIR / path).read_text())


def test_a_pair_is_judged_by_the_catalogs_model() -> None:
    """Some stored calibration pair of v4 is judged differently by the two models: which one
    applies is not cosmetic."""
    served = served_rules()
    small, large = served.for_catalog(10), served.for_catalog(DESCRIPTOR_MIN_CATALOG)
    differ = 0
    for f in _fixture_rows("fixtures.json"):
        x = [math.nan if v is None else v for v in f["features"]]
        hash_score = None if math.isnan(x[0]) else x[0]
        inliers = int(x[1]) if x[1] == x[1] and x[1] > 0 else None
        args = (hash_score, inliers, 1.0 if math.isnan(x[2]) else x[2])
        kwargs = {"spread": 1.0 if math.isnan(x[3]) else x[3],
                  "colour": None if math.isnan(x[4]) else x[4],
                  "distinct": (None if math.isnan(x[5]) else x[5],
                               None if math.isnan(x[6]) else x[6])}
        on_large = unified_score(*args, rules=large, **kwargs)
        if inliers is not None or hash_score is not None:
            np.testing.assert_allclose(on_large, f["score"], rtol=1e-8)
        differ += (unified_score(*args, rules=small, **kwargs) <= 1.0) != (on_large <= 1.0)
    assert differ > 0


def test_distinctiveness_reaches_a_model_that_reads_it() -> None:
    large = served_rules().for_catalog(DESCRIPTOR_MIN_CATALOG)
    alone = unified_score(8.0, 20, 0.9, large, 0.05, 0.3, (15.0, 10.0))
    crowded = unified_score(8.0, 20, 0.9, large, 0.05, 0.3, (0.0, 1.0))
    assert alone < crowded  # standing apart from the next candidate is stronger evidence
