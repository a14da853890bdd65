"""The matching evaluator on a tiny split: evidence of both stages, and the hash stage alone
recomputed around saved keypoint fits (``--fits-from``) giving the same evidence."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import ImageFilter
from trustdata.copydetect.sources import product_shot

from training.evaluate_matching import run_matcher
from training.matching_evidence import load_evidence, save_evidence


def _split(root: Path) -> None:
    (root / "catalog").mkdir(parents=True)
    (root / "queries").mkdir()
    catalog = [f"product-{seed}" for seed in (601, 602, 603)]
    for seed, name in zip((601, 602, 603), catalog, strict=True):
        product_shot(seed, size=480).save(root / "catalog" / f"{name}.jpg", quality=92)
    queries = []
    edits = {"blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
             "resize": lambda im: im.resize((300, 300))}
    for seed, expected in ((601, "product-601"), (602, "product-602"), (640, None)):
        for transform, edit in edits.items():
            file = f"queries/{transform}-{seed}.jpg"
            edit(product_shot(seed, size=480)).save(root / file, quality=88)
            queries.append({"file": file, "transform": transform, "family": "mild",
                            "source": f"product-{seed}", "expected": expected})
    (root / "manifest.json").write_text(json.dumps(
        {"seed": 0, "catalog": catalog, "distractors": ["product-640"], "queries": queries}))


def test_fits_from_saved_evidence_reproduce_a_full_run(tmp_path: Path) -> None:
    _split(tmp_path / "split")
    full, hash_ms, local_ms = run_matcher(tmp_path / "split", workers=1)
    assert len(full) == 6 and len(hash_ms) == len(local_ms) == 6
    assert [s.expected for s in full] == [0, 0, 1, 1, -1, -1]
    assert all(s.expected in s.hash_scores for s in full if s.expected >= 0)
    save_evidence(full, tmp_path / "evidence.json")

    saved = load_evidence(tmp_path / "evidence.json", fits_only=True)
    again, hash_again, local_again = run_matcher(tmp_path / "split", 1, fits_from=saved)
    assert len(hash_again) == 6 and local_again == []  # no keypoint stage ran
    for a, b in zip(full, again, strict=True):
        assert (a.expected, a.fits) == (b.expected, b.fits)
        assert a.hash_scores == b.hash_scores and a.colours == b.colours
