"""The catalog descriptor index: enrol, re-enrol, remove, tombstone rebuilds, and finding
the right image among thousands of distractors."""

from __future__ import annotations

import numpy as np
import pytest

from models.descriptor.index import DescriptorIndex, pack_views, unpack_views


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def near(vector: np.ndarray, rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """A vector at cosine ~0.6 from ``vector`` (random 256-dim vectors sit near 0)."""
    return unit(vector[None, :] + rng.normal(0, noise, (1, vector.size)))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(18)


def test_enrol_and_remove_are_visible_at_once(rng: np.random.Generator) -> None:
    index = DescriptorIndex()
    views = unit(rng.normal(size=(2, 256)))
    assert index.search(views[:1], 5) == []
    index.add(7, views)
    assert 7 in index and len(index) == 1
    hits = index.search(views[:1], 5)
    assert hits[0][0] == 7 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(7) and not index.remove(7)
    assert 7 not in index and index.search(views[:1], 5) == []


def test_re_enrolment_replaces_the_views(rng: np.random.Generator) -> None:
    index = DescriptorIndex()
    old, new = unit(rng.normal(size=(2, 256))), unit(rng.normal(size=(2, 256)))
    index.add(1, old)
    index.add(2, unit(rng.normal(size=(2, 256))))
    index.add(1, new)
    assert len(index) == 2 and index.tombstones == 2
    assert index.search(new[1:], 1) == [(1, pytest.approx(1.0, abs=1e-5))]
    # the old views no longer answer for image 1
    for image_id, sim in index.search(old, 2):
        assert image_id != 1 or sim < 0.5


def test_results_are_one_per_image_best_first(rng: np.random.Generator) -> None:
    index = DescriptorIndex()
    base = unit(rng.normal(size=(1, 256)))[0]
    index.add(1, np.concatenate([near(base, rng, 0.02), near(base, rng, 0.02)]))
    index.add(2, near(base, rng, 0.08))
    index.add(3, unit(rng.normal(size=(3, 256))))
    hits = index.search(np.stack([base, base]), 3)
    ids = [i for i, _ in hits]
    assert ids[:2] == [1, 2] and len(ids) == len(set(ids)) == 3
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_finds_the_right_image_among_5000_distractors(rng: np.random.Generator) -> None:
    index = DescriptorIndex()
    index.add_many((i, unit(rng.normal(size=(2, 256)))) for i in range(10_000, 15_000))
    targets = {i: unit(rng.normal(size=(2, 256))) for i in range(20)}
    for image_id, views in targets.items():
        index.add(image_id, views)
    assert len(index) == 5_020
    for image_id, views in targets.items():
        query = near(views[image_id % 2], rng)
        hits = index.search(query, 16)
        assert hits[0][0] == image_id, (image_id, hits[:3])
        assert len(hits) == 16


def test_tombstone_rebuild_keeps_results(rng: np.random.Generator) -> None:
    index = DescriptorIndex(rebuild_share=0.2)
    vectors = {i: unit(rng.normal(size=(2, 256))) for i in range(400)}
    index.add_many(vectors.items())
    removed = list(range(0, 400, 3))  # a third: past the share, so at least one rebuild
    for image_id in removed:
        assert index.remove(image_id)
    assert index.rebuilds >= 1 and index.tombstones <= 0.2 * index.rows
    assert len(index) == 400 - len(removed)
    for image_id, views in vectors.items():
        stored = views[1].astype(np.float16).astype(np.float32)  # as the index holds it
        hits = index.search(stored[None, :], 3)
        if image_id in removed:
            assert image_id not in [i for i, _ in hits]
        else:
            assert hits[0] == (image_id, pytest.approx(float(stored @ stored), abs=1e-5))


def test_search_over_fetches_past_tombstones(rng: np.random.Generator) -> None:
    index = DescriptorIndex(rebuild_share=0.9)  # keep the tombstones in the graph
    base = unit(rng.normal(size=(1, 256)))[0]
    for image_id in range(30):
        index.add(image_id, near(base, rng, 0.03))
    for image_id in range(20):
        index.remove(image_id)
    index.add_many((i, unit(rng.normal(size=(2, 256)))) for i in range(100, 400))
    hits = index.search(base[None, :], 10)
    assert sorted(i for i, _ in hits) == list(range(20, 30))


def test_rejects_wrong_shapes() -> None:
    index = DescriptorIndex()
    with pytest.raises(ValueError):
        index.add(1, np.zeros((2, 128), np.float32))


def test_views_are_held_as_the_database_stores_them(rng: np.random.Generator) -> None:
    """Enrolled here (float32 from the network) or loaded from the database (float16), an
    image holds the same vector: searches score them identically."""
    views = unit(rng.normal(size=(3, 256)))
    here, loaded = DescriptorIndex(), DescriptorIndex()
    here.add(7, views)
    loaded.add_many([(7, unpack_views(pack_views(views)))])
    query = unit(rng.normal(size=(2, 256)))
    assert here.search(query, 1) == loaded.search(query, 1)
    [(_, sim)] = here.search(views[:1], 1)
    assert sim == pytest.approx(float(views[0] @ views[0].astype(np.float16)), abs=1e-6)


def test_similarity_is_each_images_best_view_against_the_best_query_row(
        rng: np.random.Generator) -> None:
    """What the acceptance model reads: exact, per image, over its live views only."""
    index = DescriptorIndex(rebuild_min_rows=4)
    views = {i: unit(rng.normal(size=(3, 256))) for i in range(6)}
    for i, v in views.items():
        index.add(i, v)
    queries = np.concatenate([near(views[2][1], rng), near(views[4][0], rng, 0.2),
                              unit(rng.normal(size=(1, 256)))])
    index.remove(5)
    index.add(3, views[0])  # re-enrolled with another image's views
    got = index.similarity(queries, [2, 3, 4, 5, 99])
    assert set(got) == {2, 3, 4}  # removed and unknown images left out

    def best(v: np.ndarray) -> float:
        return float((queries @ v.astype(np.float16).astype(np.float32).T).max())

    assert got[2] == pytest.approx(best(views[2]), abs=1e-5)
    assert got[3] == pytest.approx(best(views[0]), abs=1e-5)
    assert got[4] == pytest.approx(best(views[4]), abs=1e-5)
    assert got[2] > 0.5 and got[2] > got[3]
    assert index.similarity(queries, []) == {}
    index.rebuild()
    assert index.similarity(queries, [2, 3, 4]) == pytest.approx(got)
