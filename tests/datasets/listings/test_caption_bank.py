"""Listings drawn with a bank of real captions carry those captions' scores, by kind."""

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
    for record in records:
        caption = record["caption"]
        if caption is None or record["label_flipped"]:
            continue
        assert caption["probability"] in (honest if record["label"] == 0 else {0.97, 0.81})
    overt = [r["caption"]["probability"] for r in records
             if r["kind"] == "counterfeit_overt" and r["caption"] and not r["label_flipped"]]
    assert overt and sum(p == 0.97 for p in overt) > len(overt) / 2  # overt kinds first


def test_a_bank_needs_every_side() -> None:
    with pytest.raises(ValueError, match="honest, overt and evasive"):
        CaptionBank([r for r in BANK if r["kind"] != "price_only"])
