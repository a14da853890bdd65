"""The hash stage's search is exact: every view within the score bound, nothing else.

The oracle scores every live row of the catalog by the definition (matcher's docstring),
with no search structure; the catalog's codes are skewed as perceptual hashes are (clusters
of near-copies, and dHashes crowding near zero as flat regions' do), some images are
removed, some re-enrolled, and regions and views have qualities on both sides of the PDQ and
information floors. The colour layouts some views carry are checked the same way.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.hashing import colour
from models.hashing import matcher as matcher_module
from models.hashing.matcher import HashSet, Matcher
from models.thresholds import (
    MATCH_MIN_INFORMATION,
    MATCH_PDQ_MIN_QUALITY,
    MATCH_PDQ_SCORE_CAP,
    MATCH_PDQ_SCORE_DIVISOR,
)

QUALITIES = (10, 30, 49, 50, 90)


def _flip(rng: np.random.Generator, code: bytes, bits: int) -> bytes:
    value = bytearray(code)
    for b in rng.choice(len(value) * 8, size=bits, replace=False):
        value[b // 8] ^= 1 << (b % 8)
    return bytes(value)


def _hashset(rng: np.random.Generator, name: str, base: HashSet | None = None,
             near: int = 0) -> HashSet:
    quality = int(rng.choice(QUALITIES))
    if base is not None:  # a near-copy of another view
        return HashSet(name, _flip(rng, base.phash, int(rng.integers(0, near + 1))),
                       _flip(rng, base.dhash, int(rng.integers(0, near + 1))),
                       _flip(rng, base.pdq, int(rng.integers(0, 4 * near + 1))), quality)
    dhash = rng.bytes(8)
    if rng.random() < 0.4:  # a flat region's dHash: a few bits set
        dhash = _flip(rng, bytes(8), int(rng.integers(0, 6)))
    layout = rng.bytes(colour.LAYOUT_BYTES) if rng.random() < 0.3 else b""
    return HashSet(name, rng.bytes(8), dhash, rng.bytes(32), quality, layout)


def _brute_force(catalog: dict[int, list[HashSet]], regions: list[HashSet],
                 max_score: float) -> list[tuple[float, int, str, str]]:
    def dist(a: bytes, b: bytes) -> int:
        return int(np.unpackbits(np.frombuffer(bytes(x ^ y for x, y in zip(a, b, strict=True)),
                                               dtype=np.uint8)).sum())

    best: dict[int, tuple[float, str, str]] = {}
    for region in regions:
        if region.quality < MATCH_MIN_INFORMATION:
            continue
        for image_id, views in catalog.items():
            for view in views:
                if view.quality < MATCH_MIN_INFORMATION:
                    continue
                both = min(view.quality, region.quality) >= MATCH_PDQ_MIN_QUALITY
                pdq = min(dist(view.pdq, region.pdq), MATCH_PDQ_SCORE_CAP) if both else \
                    MATCH_PDQ_SCORE_CAP
                score = (dist(view.phash, region.phash) + dist(view.dhash, region.dhash)
                         + pdq / MATCH_PDQ_SCORE_DIVISOR)
                if score <= max_score and (image_id not in best or score < best[image_id][0]):
                    best[image_id] = (score, region.name, view.name)
    return sorted((s, i, r, v) for i, (s, r, v) in best.items())


@pytest.fixture(scope="module")
def catalog() -> tuple[Matcher, dict[int, list[HashSet]], list[list[HashSet]]]:
    rng = np.random.default_rng(7)
    seeds = [_hashset(rng, "seed") for _ in range(12)]
    matcher, kept = Matcher(), {}
    for image_id in range(300):
        views = [_hashset(rng, f"v{j}", seeds[int(rng.integers(0, 12))] if rng.random() < 0.5
                          else None, near=10) for j in range(8)]
        matcher.enroll(image_id, views)
        kept[image_id] = views
    for image_id in range(0, 300, 7):
        matcher.remove(image_id)
        del kept[image_id]
    for image_id in range(3, 300, 11):  # re-enrolled: its old rows must not be found
        if image_id in kept:
            views = [_hashset(rng, f"w{j}") for j in range(5)]
            matcher.enroll(image_id, views)
            kept[image_id] = views
    queries = [[_hashset(rng, f"r{k}", seeds[int(rng.integers(0, 12))] if k % 3 else None,
                         near=2 if k % 3 == 1 else 12) for k in range(6)] for _ in range(25)]
    return matcher, kept, queries


@pytest.mark.parametrize("block", [matcher_module._SCAN_BLOCK, 97])  # one block; many
@pytest.mark.parametrize("max_score", [7.0, 19.0, 22.0, 40.0])
def test_the_hash_stage_finds_exactly_what_brute_force_scoring_finds(
        catalog: tuple[Matcher, dict[int, list[HashSet]], list[list[HashSet]]],
        max_score: float, block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matcher_module, "_SCAN_BLOCK", block)
    matcher, kept, queries = catalog
    found_any = 0
    for regions in queries:
        got = sorted((m.score, m.image_id, m.region, m.view)
                     for m in matcher.match_hashes(regions, max_score))
        assert got == _brute_force(kept, regions, max_score)
        found_any += bool(got)
    assert found_any >= 10  # the queries are near-copies: most find something


def test_ties_go_to_the_earlier_region_and_view() -> None:
    view = HashSet("first", b"\x00" * 8, b"\x00" * 8, b"\x00" * 32, 90)
    matcher = Matcher()
    matcher.enroll(1, [view, HashSet("second", view.phash, view.dhash, view.pdq, 90)])
    regions = [HashSet("a", b"\x01" + b"\x00" * 7, b"\x00" * 8, b"\x00" * 32, 90),
               HashSet("b", b"\x00" * 7 + b"\x01", b"\x00" * 8, b"\x00" * 32, 90)]
    [m] = matcher.match_hashes(regions, 19.0)
    assert (m.region, m.view, m.score) == ("a", "first", 1.0)


def test_colour_distances_read_each_images_own_live_layouts(
        catalog: tuple[Matcher, dict[int, list[HashSet]], list[list[HashSet]]]) -> None:
    matcher, kept, queries = catalog
    asked = list(range(300))  # removed and re-enrolled images among them
    with_layouts = 0
    for regions in queries[:5]:
        got = matcher.colour_distances(regions, asked)
        query = [r.colour for r in regions if r.colour]
        expected = {i: colour.distance(query, [v.colour for v in views if v.colour])
                    for i, views in kept.items()}
        assert got == pytest.approx({i: d for i, d in expected.items() if d != float("inf")})
        with_layouts += len(got)
    assert with_layouts > 100
