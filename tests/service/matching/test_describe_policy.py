"""Queries are described for descriptor candidates only once the catalog is large enough for
that to be the cheaper search (thresholds.DESCRIPTOR_MIN_CATALOG)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from models.hashing.analysis import analyse_catalog
from models.thresholds import DESCRIPTOR_MIN_CATALOG
from service.matching.runtime import MatchIndex
from service.matching.service import describes_queries


def _photo(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), "RGB")


def test_small_catalogs_search_whole_and_large_ones_use_candidates() -> None:
    index = MatchIndex()
    assert not describes_queries(index)
    assert describes_queries(index, min_catalog=0)
    evidence = analyse_catalog(_photo(1))
    index.matcher.enroll(7, evidence.hashes, evidence.local, evidence.descriptors)
    assert describes_queries(index, min_catalog=1)
    assert not describes_queries(index, min_catalog=2)
    assert DESCRIPTOR_MIN_CATALOG > 1
