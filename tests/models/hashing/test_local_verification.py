"""Local-feature stage: storage round trip, hard edits verified, distractors never accepted."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.hashing.analysis import analyse_catalog, analyse_query
from models.hashing.local import LocalFeatures, Verified, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.pair_evidence import distinctiveness
from models.hashing.pipeline import CatalogMatcher, Rules, unified_score


@pytest.fixture(scope="module")
def catalog(astronaut: Image.Image, coffee: Image.Image,
            products: list[Image.Image]) -> tuple[LocalIndex, list[Image.Image]]:
    enrolled = [astronaut, coffee, *products[:8]]
    index = LocalIndex()
    for i, img in enumerate(enrolled):
        index.enroll(i, catalog_features(img))
    return index, enrolled


def _accepted(index: LocalIndex, query: Image.Image) -> list[Verified]:
    """The fits the served acceptance model accepts with no hash or colour evidence, each
    judged beside the query's other fits as the matcher judges them."""
    features, scale = query_features(query)
    fits = index.verify(features, scale, Rules().fewest_inliers)
    distinct = distinctiveness({}, {v.image_id: v.inliers for v in fits})
    return [v for v in fits if unified_score(None, v.inliers, v.agreement, spread=v.spread,
                                             distinct=distinct[v.image_id],
                                             context=v.context) <= 1.0]


def _verified(index: LocalIndex, query: Image.Image) -> dict[int, int]:
    return {v.image_id: v.inliers for v in _accepted(index, query)}


def test_features_round_trip_through_bytes(astronaut: Image.Image) -> None:
    features = catalog_features(astronaut)
    back = LocalFeatures.from_bytes(features.to_bytes())
    assert (back.width, back.height) == (features.width, features.height)
    assert np.array_equal(back.points, features.points)
    assert np.array_equal(back.descriptors, features.descriptors)
    assert np.array_equal(back.mirrored, features.mirrored)
    assert np.array_equal(back.pixels, features.pixels) and back.pixels.ndim == 2
    assert features.mirrored.any() and not features.mirrored.all()
    with pytest.raises(ValueError):
        LocalFeatures.from_bytes(b"JUNK" + features.to_bytes()[4:])


@pytest.mark.parametrize("edit", ["centre_crop60", "corner_crop", "mirror", "sticker_rotate"])
def test_hard_edits_are_verified(catalog: tuple[LocalIndex, list[Image.Image]],
                                 edit: str) -> None:
    index, enrolled = catalog
    photo = enrolled[0]
    w, h = photo.size
    query = {
        "centre_crop60": lambda: photo.crop((int(w * .2), int(h * .2), int(w * .8), int(h * .8))),
        "corner_crop": lambda: photo.crop((0, 0, int(w * .62), int(h * .62))),
        "mirror": lambda: photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "sticker_rotate": lambda: photo.rotate(12, resample=Image.Resampling.BILINEAR),
    }[edit]()
    found = _verified(index, query)
    assert set(found) == {0}


def test_grid_cell_is_verified_and_located(catalog: tuple[LocalIndex, list[Image.Image]],
                                           products: list[Image.Image]) -> None:
    index, enrolled = catalog
    grid = layouts.grid(enrolled[1], random.Random(3), products[10:], 3)
    verified = _accepted(index, grid)
    assert [v.image_id for v in verified] == [1]
    x0, y0, x1, y1 = verified[0].box
    # The box is one cell of the 3x3 grid: about a third of the side, inside the image.
    assert 0.2 * grid.width < x1 - x0 < 0.45 * grid.width
    assert 0.2 * grid.height < y1 - y0 < 0.45 * grid.height


def test_distractors_are_never_verified(catalog: tuple[LocalIndex, list[Image.Image]]) -> None:
    index, _ = catalog
    for seed in range(900, 912):  # products never enrolled, same generator
        assert _verified(index, product_shot(seed, size=480)) == {}


def test_photometric_check_tells_a_shared_detail_from_the_photo(
        catalog: tuple[LocalIndex, list[Image.Image]]) -> None:
    """Keypoints agree on a pasted detail (like one brand word on two products); pixels don't."""
    index, enrolled = catalog
    detail = enrolled[0].crop((160, 60, 360, 260))  # the astronaut's face and helmet
    query = product_shot(950, size=640)
    query.paste(detail, (220, 220))
    fits = {v.image_id: v for v in index.verify(*query_features(query))}
    assert 0 in fits and fits[0].inliers >= 20  # the detail itself is found...
    assert 0 not in {v.image_id for v in _accepted(index, query)}
    assert fits[0].agreement < 0.5  # ...but the rest is not there
    w, h = enrolled[0].size
    crop = enrolled[0].crop((int(w * .2), int(h * .2), int(w * .8), int(h * .8)))
    genuine = {v.image_id: v for v in index.verify(*query_features(crop))}
    assert genuine[0].agreement > 0.9


def test_remove_takes_effect_and_re_enroll_restores(astronaut: Image.Image,
                                                    coffee: Image.Image) -> None:
    index = LocalIndex()
    index.enroll(5, catalog_features(astronaut))
    index.enroll(6, catalog_features(coffee))
    query = astronaut.crop((100, 100, 400, 400))
    assert set(_verified(index, query)) == {5}
    assert index.remove(5) and not index.remove(5)
    assert _verified(index, query) == {}
    index.enroll(5, catalog_features(astronaut))
    assert set(_verified(index, query)) == {5}


def test_pipeline_reports_the_stage_that_accepted(astronaut: Image.Image, coffee: Image.Image,
                                                  products: list[Image.Image]) -> None:
    matcher = CatalogMatcher()
    for i, img in enumerate([astronaut, coffee]):
        evidence = analyse_catalog(img)
        matcher.enroll(i, evidence.hashes, evidence.local)
    exact = matcher.match(analyse_query(astronaut))
    assert exact[0].image_id == 0 and exact[0].hash_kind in ("phash", "dhash", "pdq")
    grid = layouts.grid(coffee, random.Random(5), products[10:], 3)
    found = matcher.match(analyse_query(grid))
    assert [m.image_id for m in found] == [1]
    assert found[0].score <= 1.0 and 0.0 < found[0].confidence <= 1.0
    # The keypoint stage reports its verified box; the hash stage the grid cell it hashed.
    if found[0].hash_kind == "orb":
        assert found[0].region.startswith("box:")
    else:
        assert found[0].hash_kind in ("phash", "dhash", "pdq")
        assert found[0].region.startswith("cell-")
