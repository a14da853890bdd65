from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from PIL import Image
from trustdata.copydetect.build import build, generate_queries, split_sources
from trustdata.copydetect.sources import package_photos, product_shot
from trustdata.copydetect.transforms import ALL, HARD, MILD

from models.hashing.detail import content_free


def test_product_shots_are_seeded_and_distinct() -> None:
    a, b = product_shot(3, 128), product_shot(3, 128)
    assert a.tobytes() == b.tobytes()
    assert product_shot(4, 128).tobytes() != a.tobytes()


def test_package_photos_are_found_and_tiled() -> None:
    photos = package_photos()
    assert len(photos) >= 20
    assert len({p.name for p in photos}) == len(photos)
    assert all(p.image.mode == "RGB" for p in photos)


def test_content_free_photos_are_never_enrolled() -> None:
    noise = np.random.default_rng(0).normal(67, 4, (300, 300)).clip(0, 255).astype(np.uint8)
    assert content_free(Image.fromarray(noise).convert("RGB"))
    assert not content_free(product_shot(3, 256))
    flat_tiles = {p.name for p in package_photos() if content_free(p.image)}
    assert flat_tiles == {"photo-cell-00", "photo-cell-10"}  # scikit-image's empty quadrants
    split = split_sources(seed=3, n_products=2)  # seed 3 puts `cell` in the catalog role
    catalog = {s.name for s in split.catalog}
    assert {"photo-cell-01", "photo-cell-11"} <= catalog and not catalog & flat_tiles
    assert not any(content_free(s.image) for s in split.catalog)


def test_roles_do_not_share_a_photo_or_product() -> None:
    split = split_sources(seed=5, n_products=6)
    roles = [split.catalog, split.distractors, split.fillers]
    names = [{s.name for s in role} for role in roles]
    stems = [{n.rsplit("-", 1)[0] for n in role if n.startswith("photo-")} for role in names]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not names[i] & names[j]
            assert not stems[i] & stems[j]


def test_every_edit_family_is_covered_and_outputs_rgb() -> None:
    assert {t.name for t in MILD} >= {"recompress", "banner", "sticker", "border_crop10"}
    assert {t.name for t in HARD} >= {"screenshot", "grid9", "centre_crop60", "mirror", "rotate"}
    src = product_shot(11, 256)
    fillers = [product_shot(s, 128) for s in range(20, 30)]
    for t in ALL:
        out = t.fn(src, random.Random(0), fillers)
        assert isinstance(out, Image.Image) and out.mode == "RGB", t.name
        assert min(out.size) >= 16, t.name


def test_queries_are_reproducible() -> None:
    split = split_sources(seed=2, n_products=3)
    first = [(q.file, img.tobytes()) for q, img in generate_queries(split, 2, ALL[:3])]
    again = [(q.file, img.tobytes()) for q, img in generate_queries(split, 2, ALL[:3])]
    assert first == again


def test_build_writes_manifest_and_files(tmp_path: Path) -> None:
    counts = build(tmp_path, seed=3, n_products=2)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert counts["queries"] == len(manifest["queries"]) == len(ALL) * (
        counts["catalog"] + counts["distractors"])
    expected = {q["expected"] for q in manifest["queries"]}
    assert expected - {None} == set(manifest["catalog"])
    assert all((tmp_path / q["file"]).is_file() for q in manifest["queries"])
