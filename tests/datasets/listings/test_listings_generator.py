"""The labelled listing generator: deterministic, held-out splits, loadable records."""

from __future__ import annotations

import json

from trustdata.listings.build import build
from trustdata.listings.io import load_split, read_jsonl, to_signals, write_jsonl
from trustdata.listings.simulate import make_listings
from trustdata.listings.world import ARCHETYPES, make_world


def small(seed: int = 5) -> list[dict]:
    return make_listings(make_world(seed, n_brands=12, n_sellers=120), seed)


def test_same_seed_same_records_other_seed_other_records():
    assert small(5) == small(5)
    assert small(5) != small(6)


def test_test_split_holds_unseen_sellers_and_brands():
    records = small()
    by_split = {s: [r for r in records if r["split"] == s] for s in ("train", "test")}
    assert by_split["train"] and by_split["test"]
    sellers = {s: {r["seller_id"] for r in rows} for s, rows in by_split.items()}
    brands = {s: {r["brand"] for r in rows if r["brand"]} for s, rows in by_split.items()}
    assert not sellers["train"] & sellers["test"]
    assert not brands["train"] & brands["test"]
    matched = {s: {m["brand"] for r in rows for m in r["matches"]} for s, rows in by_split.items()}
    assert not matched["train"] & brands["test"]


def test_labels_follow_archetypes_up_to_noise():
    records = small()
    assert {r["label"] for r in records} == {0, 1}
    for r in records:
        expected = int(ARCHETYPES[r["kind"]][1])
        assert r["label"] == expected ^ int(r["label_flipped"])


def test_signals_are_noisy_not_label_copies():
    records = make_listings(make_world(3, n_brands=20, n_sellers=400), 3)
    fakes = [r for r in records if r["label"] == 1 and not r["label_flipped"]]
    legit = [r for r in records if r["label"] == 0 and not r["label_flipped"]]
    assert any(not r["matches"] and (r["caption"] or {}).get("probability", 0) < 0.2
               for r in fakes)
    assert any((r["caption"] or {}).get("probability", 0) > 0.5 for r in legit)
    assert any(r["matches"] and not r["seller_authorized_brands"] for r in legit)


def test_records_round_trip_and_convert(tmp_path):
    records = small()
    write_jsonl(tmp_path / "x.jsonl", records)
    assert list(read_jsonl(tmp_path / "x.jsonl")) == json.loads(json.dumps(records))
    signals = to_signals(next(r for r in records if r["matches"] and r["caption"]))
    assert signals.matches[0].confidence > 0
    assert signals.photos_checked >= 1


def test_build_writes_splits_and_manifest(tmp_path):
    manifest = build(tmp_path, seed=11, n_sellers=60, n_brands=10)
    for split in ("train", "test"):
        rows = load_split(tmp_path, split)
        assert len(rows) == manifest[split]["listings"] > 0
    assert json.loads((tmp_path / "manifest.json").read_text())["seed"] == 11
