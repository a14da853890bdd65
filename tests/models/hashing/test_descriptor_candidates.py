"""The local stage verifies only the catalog images the global descriptor puts forward.

A collage tile, a screenshot and a 60 % crop of a catalog photo (and a nine-photo grid
cell) must reach the keypoint stage through the descriptor path alone (no help from the
hash stage) with a large distractor catalog in the descriptor index, and then match.
"""

from __future__ import annotations

import io
import random
from collections.abc import Collection

import numpy as np
import pytest
from PIL import Image
from skimage import data
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.hashing.analysis import analyse_catalog, analyse_query, catalog_descriptors, descriptor_regions
from models.hashing.keypoints import IN_SOURCE
from models.hashing.local import LocalFeatures, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import recover_query
from models.hashing.pipeline import CatalogMatcher

DISTRACTORS = 5_000
TOP_K = 16


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    real = [Image.fromarray(f()) for f in (data.astronaut, data.coffee, data.chelsea)]
    return real + [product_shot(seed, size=640) for seed in range(1200, 1212)]


@pytest.fixture(scope="module")
def fillers() -> list[Image.Image]:
    return [product_shot(seed, size=400) for seed in range(1300, 1312)]


@pytest.fixture(scope="module")
def catalog(photos: list[Image.Image]) -> CatalogMatcher:
    """The photos with full evidence, and 5,000 distractor views in the descriptor index.

    The distractors are drawn around real descriptors of 40 other product shots (cosine
    about 0.9 to one of them), so they sit where real catalog descriptors sit rather than
    spread uniformly over the sphere where nothing would ever be near a query.
    """
    matcher = CatalogMatcher(top_k=TOP_K)
    for i, img in enumerate(photos):
        evidence = analyse_catalog(img)
        assert evidence.descriptors is not None and evidence.descriptors.shape == (3, 256)
        matcher.enroll(i, evidence.hashes, evidence.local, evidence.descriptors)
    seeds = np.concatenate([catalog_descriptors(product_shot(seed, size=320))
                            for seed in range(1400, 1440)])
    rng = np.random.default_rng(18)
    picks = seeds[rng.integers(0, len(seeds), DISTRACTORS)]
    noisy = picks + rng.normal(0, 0.03, picks.shape)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    matcher.descriptors.add_many((100_000 + j, noisy[j:j + 1].astype(np.float32))
                                 for j in range(DISTRACTORS))
    return matcher


EDITS = {
    "collage": lambda img, fill: layouts.collage(img, random.Random(3), fill),
    "screenshot": lambda img, fill: layouts.app_screenshot(img, random.Random(4)),
    "centre_crop60": lambda img, fill: img.crop((round(img.width * 0.2), round(img.height * 0.2),
                                                 round(img.width * 0.8), round(img.height * 0.8))),
    "grid9": lambda img, fill: layouts.grid(img, random.Random(6), fill, 3),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("target", [0, 1, 5])
def test_hard_edits_reach_the_keypoint_stage_through_the_descriptor(
        catalog: CatalogMatcher, photos: list[Image.Image], fillers: list[Image.Image],
        edit: str, target: int) -> None:
    query = analyse_query(EDITS[edit](photos[target], fillers))
    assert query.descriptors is not None and len(query.descriptors) >= 1
    candidates = catalog.candidates(query)  # the descriptor path alone: no hash candidates
    assert candidates is not None and target in candidates, edit
    assert len(candidates) <= TOP_K
    found = catalog.match(query)
    assert found and found[0].image_id == target, (edit, found[:2])


def test_distractors_match_nothing(catalog: CatalogMatcher, fillers: list[Image.Image]) -> None:
    for img in fillers[:4]:
        query = analyse_query(img)
        assert catalog.match(query) == []


def test_grid_query_describes_every_cell(photos: list[Image.Image],
                                         fillers: list[Image.Image]) -> None:
    grid = layouts.grid(photos[0], random.Random(6), fillers, 3)
    regions = descriptor_regions(recover_query(grid).regions)
    names = [r.name for r in regions]
    assert names[0] == "full"
    assert len({n.split("-")[1] for n in names if n.startswith("cell-")}) == 9


def _white_screenshot(photo: Image.Image) -> Image.Image:
    """A light-theme phone screenshot whose white-background product shot spans the width:
    nothing marks where the photo starts or ends."""
    canvas = Image.new("RGB", (720, 1480), (255, 255, 255))
    canvas.paste(photo.resize((720, 720)), (0, 300))
    for y in (40, 120, 1100, 1160, 1220, 1400):  # the app's chrome: bars and text lines
        canvas.paste(Image.new("RGB", (560, 24), (60, 60, 60)), (40, y))
    return canvas


def test_an_elongated_query_is_also_described_through_sliding_windows(
        catalog: CatalogMatcher, photos: list[Image.Image]) -> None:
    tall = _white_screenshot(photos[4])
    names = [r.name for r in descriptor_regions(recover_query(tall).regions)]
    assert [n for n in names if n.startswith("window-")] == [f"window-{i}" for i in range(4)]
    square = [r.name for r in descriptor_regions(recover_query(photos[4]).regions)]
    assert not any(n.startswith("window-") for n in square)
    wide = [r.name for r in descriptor_regions(recover_query(tall.rotate(90, expand=True)).regions)]
    assert sum(n.startswith("window-") for n in wide) == 4
    for target in (4, 5, 6):
        query = analyse_query(_white_screenshot(photos[target]))
        assert query.descriptors is not None
        candidates = catalog.candidates(query)  # the descriptor path alone
        assert candidates is not None and target in candidates, target
        # The windows (described last) hold the photo; the recovered regions, cut around
        # the chrome's bars, hold it far less well.
        windows = catalog.descriptors.similarity(query.descriptors[-4:], [target])[target]
        regions = catalog.descriptors.similarity(query.descriptors[:-4], [target])[target]
        assert windows > 0.85 and windows > regions + 0.1, (target, windows, regions)


def test_keypoints_are_verified_only_for_candidates(photos: list[Image.Image]) -> None:
    index = LocalIndex()
    for i, img in enumerate(photos[:3]):
        index.enroll(i, catalog_features(img))
    features, scale = query_features(photos[1].crop((50, 50, 350, 350)))
    assert [v.image_id for v in index.verify(features, scale, 20)] == [1]
    assert [v.image_id for v in index.verify(features, scale, 20, candidates={1, 2})] == [1]
    assert index.verify(features, scale, 20, candidates={0, 2}) == []
    assert index.verify(features, scale, 20, candidates=set()) == []


def test_a_query_without_descriptors_verifies_the_whole_catalog(
        catalog: CatalogMatcher, photos: list[Image.Image]) -> None:
    query = analyse_query(photos[2].crop((60, 40, 360, 260)), describe=False)
    assert query.descriptors is None and catalog.candidates(query) is None
    assert catalog.match(query)[0].image_id == 2


def test_enrolment_without_descriptors_is_always_a_candidate(photos: list[Image.Image]) -> None:
    matcher = CatalogMatcher(top_k=1)
    for i, img in enumerate(photos[:3]):
        evidence = analyse_catalog(img)
        matcher.enroll(i, evidence.hashes, evidence.local,
                       evidence.descriptors if i else None)
    query = analyse_query(photos[4])
    candidates = matcher.candidates(query)
    assert candidates is not None and 0 in candidates and len(candidates) == 2
    matcher.remove(0)
    assert 0 not in (matcher.candidates(query) or set())


class _ReadLog:
    """A keypoint store in memory that records which images the keypoint stage read."""

    def __init__(self, features: dict[int, LocalFeatures]) -> None:
        self.features, self.read = features, set[int]()

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        self.read |= set(image_ids)
        return {i: self.features[i] for i in image_ids if i in self.features}


@pytest.mark.parametrize("cap", [3, None])
def test_only_the_best_scored_hash_matches_are_verified(photos: list[Image.Image],
                                                        cap: int | None) -> None:
    """Eight catalog images share a query's hashes: three exactly (score 0), five through a
    recompressed copy (a worse score). With the cap at three, the keypoint stage reads the
    three exact ones and the descriptor's one nearest; without it, all eight."""
    photo = photos[3]
    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, "JPEG", quality=25)
    worse = analyse_catalog(Image.open(buffer))
    exact = analyse_catalog(photo)
    query = analyse_query(photo)
    others = [analyse_catalog(p) for p in photos[6:9]]  # descriptors far from the query's
    store = _ReadLog({i: catalog_features(p) for i, p in enumerate(photos[6:14])})
    matcher = CatalogMatcher(top_k=1, keypoints=store, verify_hashes=cap)
    for i in range(8):
        hashes = (worse if i < 5 else exact).hashes
        matcher.enroll(i, hashes, IN_SOURCE, others[i % 3].descriptors)
    hashed, _, _ = matcher.evidence(query, 19.0, 12)
    assert set(hashed) == set(range(8))
    assert all(hashed[i].score > hashed[7].score == 0 for i in range(5))
    assert query.descriptors is not None
    nearest = {i for i, _ in matcher.descriptors.search(query.descriptors, 1)}
    assert len(nearest) == 1
    if cap is None:
        assert store.read == set(range(8))
    else:
        assert store.read == {5, 6, 7} | nearest
