"""Listings drawn with a bank of real captions carry those captions' scores, by kind; a share
of counterfeits shown with an official photo carry an honest caption."""

from __future__ import annotations

import pytest
from trustdata.listings.simulate import CaptionBank, make_listings
from trustdata.listings.world import make_world

BANK = [
    {"label": 0, "kind": "ordinary", "probability": 0.02, "spans": []},
    {"label": 0, "kind": "lexicon_out_of_context", "probability": 0.3,
     "spans": [{"category": "grade_slang", "term": "A货"}]},
    {"label": 1, "kind": "explicit_slang", "probability": 0.97,
     "spans": [{"category": "grade_slang", "term": "高仿"}]},
    {"label": 1, "kind": "price_only", "probability": 0.81, "spans": []},
]


def test_captions_come_from_the_bank_with_their_label() -> None:
    world = make_world(seed=5, n_brands=8, n_sellers=60)
    records = make_listings(world, seed=5, bank=CaptionBank(BANK))
    honest = {0.02, 0.3}
    plain = 0
    for record in records:
        caption = record["caption"]
        if caption is None or record["label_flipped"]:
            continue
        if record["label"] == 0:
            assert caption["probability"] in honest
        elif caption["probability"] in honest:
            # A counterfeit with a plain caption only where an official photo carries it.
            assert any(m["product_id"] for m in record["matches"]), record
            plain += 1
        else:
            assert caption["probability"] in {0.97, 0.81}
    shown = [r for r in records if r["label"] == 1 and not r["label_flipped"] and r["caption"]
             and any(m["brand"] == r["brand"] for m in r["matches"])]
    assert shown and 0.1 < plain / len(shown) < 0.45
    overt = [r["caption"]["probability"] for r in records
             if r["kind"] == "counterfeit_overt" and r["caption"] and not r["label_flipped"]]
    assert overt and sum(p == 0.97 for p in overt) > len(overt) / 2  # overt kinds first


def test_a_bank_needs_every_side() -> None:
    with pytest.raises(ValueError, match="honest, overt and evasive"):
        CaptionBank([r for r in BANK if r["kind"] != "price_only"])
