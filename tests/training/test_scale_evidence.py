"""Matching evidence as served in a large catalog (training/scale_evidence.py) and the
distractor cache's ranges (training/distractor_cache.py), on a few generated photos."""

from __future__ import annotations

import io
import json
import multiprocessing.pool
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from trustdata.copydetect.brands import brand_families
from trustdata.copydetect.sources import product_shot

from models.hashing.analysis import analyse_catalog, analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.local import LocalFeatures
from models.hashing.pipeline import CatalogMatcher
from models.thresholds import LOCAL_CATALOG_SIDE, LOCAL_QUERY_MAX_SIDE
from training import distractor_cache, scale_evidence


def _jpeg(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_collect_records_both_stages_wider_than_served_and_labels_the_copy() -> None:
    catalog = [analyse_catalog(decode_for_matching(_jpeg(product_shot(seed)),
                                                   side=LOCAL_CATALOG_SIDE))
               for seed in (11, 12, 13)]
    matcher = CatalogMatcher()
    for i, e in enumerate(catalog):
        matcher.enroll(i, e.hashes, e.local, e.descriptors)
    data = _jpeg(product_shot(12), quality=60)  # a recompressed repost of catalog photo 1
    query = analyse_query(decode_for_matching(data, "JPEG"),
                          decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))
    [scored] = scale_evidence.collect(matcher, [query], [{"transform": "recompress",
                                                          "family": "mild"}], [1])
    assert scored.expected == 1 and scored.transform == "recompress"
    assert 1 in scored.hash_scores and 1 in scored.fits
    assert set(scored.colours) == scored.hash_scores.keys() | scored.fits.keys()
    # the served matcher accepts the same copy from the same evidence
    assert [m.image_id for m in matcher.match(query)][:1] == [1]


def test_sample_takes_every_hard_edit_and_the_repost_like_mild_ones() -> None:
    manifest = {"queries": [{"family": "hard", "transform": "grid9"},
                            {"family": "mild", "transform": "recompress"},
                            {"family": "mild", "transform": "mirror"}]}
    assert [q["transform"] for q in scale_evidence.sample(manifest)] == ["grid9", "recompress"]
    assert [q["transform"] for q in scale_evidence.sample(manifest, 2)] == ["grid9"]


def _fake_chunk(root: Path, chunk: int, blobs: list[bytes]) -> None:
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    np.save(root / f"keypoints-{distractor_cache.STAGES_VERSION}-{chunk}.npy",
            np.frombuffer(b"".join(blobs), dtype=np.uint8))
    np.savez(root / f"evidence-{distractor_cache.STAGES_VERSION}-{chunk}.npz",
             hashes=np.array([json.dumps([]) for _ in blobs]), offsets=offsets)
    np.save(root / f"descriptor-test-{chunk}.npy",
            np.full((len(blobs), 3, 4), chunk, dtype=np.float16))


def test_a_range_from_an_offset_reads_its_own_chunks(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distractor_cache, "ROOT", tmp_path)
    monkeypatch.setattr(distractor_cache, "CHUNK", 2)
    features = [LocalFeatures.from_bytes(analyse_catalog(decode_for_matching(
        _jpeg(product_shot(seed)), side=LOCAL_CATALOG_SIDE)).local.to_bytes())
        for seed in (21, 22, 23)]
    _fake_chunk(tmp_path, 0, [features[0].to_bytes()] * 2)
    _fake_chunk(tmp_path, 5, [features[1].to_bytes(), features[2].to_bytes()])
    rows = list(distractor_cache.load(2, "descriptor-test", first=10))
    assert [r[0] for r in rows] == [0, 1]
    assert all(float(r[3][0, 0]) == 5.0 for r in rows)  # chunk 5's descriptors, not chunk 0's
    disk = distractor_cache.DiskKeypoints(100, 2, first=10)
    loaded = disk.load([100, 101, 102])
    assert set(loaded) == {100, 101}
    assert loaded[101].to_bytes() == features[2].to_bytes()
    with pytest.raises(ValueError, match="multiple"):
        list(distractor_cache.load(1, "descriptor-test", first=3))


def test_one_pass_caches_what_the_separate_passes_would(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk missing both parts is computed from one rendering of each photo; a chunk with
    its descriptors only gets its stages; nothing half-written is left behind."""
    monkeypatch.setattr(distractor_cache, "ROOT", tmp_path)
    monkeypatch.setattr(distractor_cache, "CHUNK", 2)
    artifact = "descriptor-v2"
    np.save(tmp_path / f"{artifact}-1.npy",
            np.stack([distractor_cache._describe(i) for i in (2, 3)]).astype(np.float16))
    with multiprocessing.pool.ThreadPool(1) as pool:
        distractor_cache.ensure(3, pool, artifact)
    assert not list(tmp_path.glob("*.part"))
    rows = list(distractor_cache.load(3, artifact))
    assert [r[0] for r in rows] == [0, 1, 2]
    for index, hashes, features, views in rows:
        text, blob = distractor_cache._stages(index)
        assert [h.phash.hex() for h in hashes] == [d["phash"] for d in json.loads(text)]
        assert features.to_bytes() == blob
        expected = distractor_cache._describe(index).astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(views, expected)


def test_brand_sample_enrols_each_family_and_queries_an_outsider_sharing_its_logo() -> None:
    brands = scale_evidence.brand_sample(3, 3, [1, 3], first_id=100)
    assert len(brands.catalog) == 1 + 3 + 1
    assert len(brands.uploads) == len(brands.queries) == len(brands.expected) == \
        len(brands.family)
    per_member, per_outsider = (len(scale_evidence.BRAND_MEMBER_EDITS),
                                len(scale_evidence.BRAND_OUTSIDER_EDITS))
    assert len(brands.queries) == 5 * per_member + 3 * per_outsider
    assert sorted(set(brands.expected)) == [-1, *range(100, 105)]
    assert brands.expected.count(-1) == 3 * per_outsider
    assert all(q["transform"].startswith("brand_") and q["family"] in ("mild", "hard")
               for q in brands.queries)
    # every query is verified against its own brand's enrolled products, none other's
    assert {tuple(f) for f in brands.family} == {(100,), (101, 102, 103), (104,)}
    assert all(want == -1 or want in family
               for want, family in zip(brands.expected, brands.family, strict=True))
    again = scale_evidence.brand_sample(3, 3, [1, 3], first_id=100)
    assert again.catalog == brands.catalog and again.uploads == brands.uploads
    assert scale_evidence.brand_sample(4, 3, [1, 3], first_id=100).catalog != brands.catalog


def test_a_brands_products_are_verified_whatever_the_descriptor_proposes() -> None:
    [family] = brand_families(8, 1, [1])
    (_, member), (_, outsider) = family.members[0], family.outsider
    matcher = CatalogMatcher(top_k=1)  # the descriptor proposes one image a region
    photos = [member] + [product_shot(900 + i) for i in range(4)]
    for i, photo in enumerate(photos):
        e = analyse_catalog(decode_for_matching(_jpeg(photo), side=LOCAL_CATALOG_SIDE))
        matcher.enroll(i, e.hashes, e.local, e.descriptors)
    data = _jpeg(outsider)
    query = analyse_query(decode_for_matching(data, "JPEG"),
                          decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))
    row = {"transform": "brand_recompress", "family": "mild"}
    [plain] = scale_evidence.collect(matcher, [query], [row], [-1])
    [widened] = scale_evidence.collect(matcher, [query], [row], [-1], also_verify=[[0]])
    assert 0 in widened.fits and widened.fits[0][0] >= 2 * scale_evidence.MIN_INLIERS
    assert 0 not in plain.fits  # the descriptor did not propose it


def test_saved_evidence_keeps_each_fits_context(tmp_path: Path) -> None:
    from training.matching_evidence import Scored, load_evidence, save_evidence

    s = Scored("brand_recompress", "mild", -1, hash_scores={3: 7.5},
               fits={3: (90, 0.8, 0.02), 4: (30, 0.9, 0.2)}, colours={3: 0.1},
               contexts={3: 0.04})
    save_evidence([s], tmp_path / "e.json")
    [back] = load_evidence(tmp_path / "e.json")
    assert back.fits == s.fits and back.contexts == {3: 0.04}
