"""Brand families for calibration at scale (trustdata.copydetect.brands): different products
carrying one printed logo, which the keypoint stage fits on in numbers."""

from __future__ import annotations

import itertools

import numpy as np
from trustdata.copydetect.brands import brand_families

from models.hashing.analysis import analyse_catalog, analyse_query
from models.hashing.local import Verified
from models.hashing.local_index import LocalIndex
from models.hashing.pipeline import Rules


def _fit(catalog_photo, query_photo) -> Verified | None:
    index = LocalIndex()
    evidence = analyse_catalog(catalog_photo)
    index.enroll(0, evidence.local)
    query = analyse_query(query_photo)
    assert query.local is not None
    fits = index.verify(query.local, query.scale, Rules().fewest_inliers)
    return fits[0] if fits else None


def test_families_share_a_logo_on_different_products() -> None:
    families = brand_families(5, 3, [2])
    assert len({f.word for f in families}) == 3
    for f in families:
        names = [n for n, _ in f.members] + [f.outsider[0]]
        assert len(set(names)) == 3
        pixels = [np.asarray(p, dtype=np.int16) for _, p in f.members] + \
            [np.asarray(f.outsider[1], dtype=np.int16)]
        assert all(np.abs(a - b).mean() > 10 for a, b in itertools.pairwise(pixels))
    again = brand_families(5, 3, [2])
    assert [f.word for f in again] == [f.word for f in families]
    assert np.array_equal(np.asarray(again[0].outsider[1]), np.asarray(families[0].outsider[1]))


def test_the_outsider_gives_a_fit_on_the_logo_alone() -> None:
    # What calibration needs to see as wrong: many keypoints fitted on the shared word, in
    # a small part of the photo, with the rest of it disagreeing. Small fonts fit fewer.
    fits = [_fit(f.members[0][1], f.outsider[1]) for f in brand_families(6, 6, [1])]
    on_word = [v for v in fits
               if v is not None and v.inliers >= 40 and v.agreement < 0.7 and v.spread < 0.1]
    assert len(on_word) >= 3, fits
