"""The local index with its keypoints in a source: a bounded cache, the same verifications
as an index holding every image's keypoints, and enrol/remove keep the cache honest."""

from __future__ import annotations

import random
from collections.abc import Collection

import pytest
from PIL import Image
from skimage import data
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.hashing.keypoints import IN_SOURCE, KeypointCache, ResidentKeypoints
from models.hashing.local import LocalFeatures, catalog_features, query_features
from models.hashing.local_index import LocalIndex

CAPACITY = 4
MIN_INLIERS = 12  # a fit worth reporting; keeps the compared lists short and meaningful
Query = tuple[str, int | None, LocalFeatures, float]


class CountingSource:
    """An in-memory source that records every read."""

    def __init__(self, features: list[LocalFeatures]) -> None:
        self.store = ResidentKeypoints(enumerate(features))
        self.loads: list[list[int]] = []

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        self.loads.append(sorted(image_ids))
        return self.store.load(image_ids)


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    real = [Image.fromarray(f()) for f in (data.astronaut, data.coffee, data.chelsea)]
    return real + [product_shot(seed, size=480) for seed in range(1500, 1509)]


@pytest.fixture(scope="module")
def features(photos: list[Image.Image]) -> list[LocalFeatures]:
    return [catalog_features(p) for p in photos]


def _crop(img: Image.Image, share: float = 0.6) -> Image.Image:
    m = (1 - share) / 2
    return img.crop((round(img.width * m), round(img.height * m),
                     round(img.width * (1 - m)), round(img.height * (1 - m))))


@pytest.fixture(scope="module")
def queries(photos: list[Image.Image]) -> list[Query]:
    fillers = [product_shot(seed, size=400) for seed in range(1600, 1608)]
    edits: list[tuple[str, int | None, Image.Image]] = [
        *((f"crop-{i}", i, _crop(photos[i])) for i in (0, 1, 2, 4, 7, 10)),
        ("mirror-5", 5, photos[5].transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        ("grid-3", 3, layouts.grid(photos[3], random.Random(2), fillers, 3)),
        ("collage-8", 8, layouts.collage(photos[8], random.Random(3), fillers)),
        ("distractor", None, product_shot(1700, size=480)),
    ]
    return [(name, target, *query_features(img)) for name, target, img in edits]


def _stored(features: list[LocalFeatures],
            capacity: int = CAPACITY) -> tuple[LocalIndex, CountingSource]:
    source = CountingSource(features)
    index = LocalIndex(source, capacity)
    index.enroll_stored(range(len(features)))
    return index, source


def _found(index: LocalIndex, query: Query, candidates: Collection[int] | None) -> set[int]:
    _, _, local, scale = query
    return {v.image_id for v in index.verify(local, scale, MIN_INLIERS, candidates=candidates)}


@pytest.mark.parametrize("capacity", [CAPACITY, 20])
def test_bounded_cache_verifies_exactly_as_an_all_resident_index(
        features: list[LocalFeatures], queries: list[Query], capacity: int) -> None:
    """Capacity 4 of 12 images: candidate sets larger than the cache, and the whole-catalog
    search scanned in chunks; capacity 20: the whole catalog cached and indexed once."""
    resident = LocalIndex()
    resident.enroll_many(enumerate(features))
    stored, source = _stored(features, capacity)
    assert stored.cached == 0 and source.loads == []  # enrolling read nothing
    rng = random.Random(7)
    matched = 0
    for name, target, local, scale in queries:
        others = set(rng.sample(range(len(features)), 5))
        for candidates in (None, others | ({target} if target is not None else set()),
                           others - {target}, set(range(len(features)))):
            expect = resident.verify(local, scale, MIN_INLIERS, candidates=candidates)
            assert stored.verify(local, scale, MIN_INLIERS, candidates=candidates) == expect, (
                name, candidates)
            assert stored.cached <= capacity
            matched += any(v.image_id == target for v in expect)
    assert matched >= 2 * (len(queries) - 1)  # the lists compared are not empty ones
    assert stored.cached == min(capacity, len(features))


def test_candidates_the_cache_lacks_are_read_in_one_batch(
        features: list[LocalFeatures], queries: list[Query]) -> None:
    stored, source = _stored(features)
    query = queries[0]
    assert _found(stored, query, {0, 1, 2}) == {0}
    assert source.loads == [[0, 1, 2]]
    _found(stored, query, {1, 2, 3})
    assert source.loads[-1] == [3]  # 1 and 2 were cached
    _found(stored, query, {3, 2, 1})
    assert len(source.loads) == 2  # all cached: no read


def test_whole_catalog_scan_reads_past_the_cache_in_chunks(
        features: list[LocalFeatures], queries: list[Query]) -> None:
    stored, source = _stored(features)
    stored.verify(*queries[1][2:], candidates={5, 6})
    assert _found(stored, queries[1], None) == {1}
    chunks = source.loads[1:-1]
    assert chunks == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert 1 in source.loads[-1]  # the matched images, read again for the fit
    assert stored.cached <= CAPACITY


def test_a_scan_never_fits_keypoints_re_stored_since_it_read_them(
        features: list[LocalFeatures], queries: list[Query]) -> None:
    """Image 0 is re-stored (fewer keypoints) between the scan's read and the fit's: its
    matched rows would index the new keypoints. It is left out until it is read again."""
    stored, source = _stored(features)
    first = features[0]
    fewer = LocalFeatures(first.width, first.height, first.points[:50], first.descriptors[:50],
                          first.mirrored[:50], first.pixels)
    chunk_reads = -(-len(features) // CAPACITY)
    load = source.load

    def restoring(image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        if len(source.loads) == chunk_reads:
            source.store.put(0, fewer)
        return load(image_ids)

    source.load = restoring  # type: ignore[method-assign]
    assert _found(stored, queries[0], None) == set()
    assert source.loads[-1][0] == 0  # it was matched, and read again for the fit
    assert len(stored.features(0)) == 50  # what is stored now is what is cached


@pytest.mark.parametrize("capacity", [CAPACITY, 20])
def test_re_enrolled_keypoints_replace_the_cached_ones(
        features: list[LocalFeatures], queries: list[Query], capacity: int) -> None:
    astronaut, chelsea = queries[0], queries[2]
    stored, source = _stored(features[:2] + features[3:], capacity)  # no chelsea yet
    for candidates in (None, {0, 1}):
        assert _found(stored, astronaut, candidates) == {0}  # now cached
    source.store.put(0, features[2])  # image 0 is re-stored with chelsea's keypoints
    stored.enroll(0, IN_SOURCE)
    for candidates in ({0, 1}, None):  # the candidates first: a scan could evict it
        assert _found(stored, astronaut, candidates) == set()
        assert _found(stored, chelsea, candidates) == {0}
    stored.enroll(0, features[0])  # given keypoints are cached as they are
    assert _found(stored, astronaut, {0, 1}) == {0}


@pytest.mark.parametrize("capacity", [CAPACITY, 20])
def test_a_removed_image_is_never_matched_or_read(
        features: list[LocalFeatures], queries: list[Query], capacity: int) -> None:
    stored, source = _stored(features, capacity)
    astronaut = queries[0]
    assert _found(stored, astronaut, None) == _found(stored, astronaut, {0, 1}) == {0}
    cached = stored.cached
    assert stored.remove(0) and not stored.remove(0)
    assert stored.cached == cached - 1  # its keypoints are dropped, not left to age out
    read = len(source.loads)
    for candidates in (None, {0, 1}, {0}):  # the source still has it: a stale replica's case
        assert 0 not in _found(stored, astronaut, candidates)
    assert all(0 not in ids for ids in source.loads[read:])
    assert 0 not in stored and len(stored) == len(features) - 1
    with pytest.raises(KeyError):
        stored.features(0)


def test_warm_reads_a_catalog_that_fits_the_cache_and_nothing_otherwise(
        features: list[LocalFeatures], queries: list[Query]) -> None:
    small, source = _stored(features, capacity=20)
    small.warm()
    assert small.cached == len(features) and len(source.loads) == 1
    assert _found(small, queries[1], None) == {1}
    assert len(source.loads) == 1
    large, source = _stored(features)
    large.warm()
    assert large.cached == 0 and source.loads == []


def test_a_resident_index_takes_keypoints_not_a_promise() -> None:
    with pytest.raises(ValueError, match="without a source"):
        LocalIndex().enroll(1, IN_SOURCE)


def test_cache_evicts_the_least_recently_used(features: list[LocalFeatures]) -> None:
    cache = KeypointCache(2)
    cache.put(1, features[1])
    cache.put(2, features[2])
    found, missing = cache.take([1, 3])
    assert set(found) == {1} and missing == [3]
    cache.put(3, features[3])  # 2 is now the least recently used
    assert 1 in cache and 3 in cache and 2 not in cache and len(cache) == 2
