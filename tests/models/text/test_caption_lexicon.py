from __future__ import annotations

import json
import random

import pytest
from trustdata.captions.evasion import EVASION_KINDS, evade

from models.text.lexicon import DEFAULT_LEXICON_PATH, Lexicon


def _hits(lexicon: Lexicon, text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.category) for s in lexicon.match(text)]


def test_spans_point_into_the_original_caption(lexicon: Lexicon) -> None:
    text = "ＬＶ 高*仿 驴\u200b牌 原.单 私聊"
    assert _hits(lexicon, text) == [
        ("ＬＶ", "brand_name"), ("高*仿", "grade_slang"), ("驴\u200b牌", "brand_nickname"),
        ("原.单", "factory_claim"), ("私聊", "offplatform_contact")]


def test_english_terms_and_price_hiding(lexicon: Lexicon) -> None:
    assert _hits(lexicon, "R E P L I C A Gucci bag, DM for price") == [
        ("R E P L I C A", "replica_term"), ("Gucci", "brand_name"),
        ("DM for price", "price_hiding")]


def test_negations_hide_the_evidence_they_contain(lexicon: Lexicon) -> None:
    assert _hits(lexicon, "拒绝高仿，not a replica") == [
        ("拒绝高仿", "legit_cue"), ("not a replica", "legit_cue")]


@pytest.mark.parametrize("text", ["提高仿佛", "椰子水好喝", "老花镜", "I am a sales rep",
                                  "report at 21:10", "usual", "my youtube channel"])
def test_ordinary_phrases_are_not_evidence(lexicon: Lexicon, text: str) -> None:
    evidence = [c for _, c in _hits(lexicon, text) if c not in ("legit_cue", "brand_name")]
    assert evidence == []


def test_glued_spelled_words_still_match(lexicon: Lexicon) -> None:
    assert ("G u c c i r e p l i c a", "brand_name") not in _hits(lexicon, "G u c c i r e p l i c a")
    categories = {c for _, c in _hits(lexicon, "G u c c i r e p l i c a")}
    assert {"brand_name", "replica_term"} <= categories


def test_every_term_matches_itself(lexicon: Lexicon) -> None:
    data = json.loads(DEFAULT_LEXICON_PATH.read_text(encoding="utf-8"))
    assert data["version"] == lexicon.version
    for category, spec in data["categories"].items():
        for term in spec["terms"]:
            spans = lexicon.match(term)
            whole = [s for s in spans if s.start == 0 and s.end == len(term)]
            if category == "neutral":
                assert whole == [], term  # suppressors are never reported
            else:
                assert whole, (category, term)


@pytest.mark.parametrize("kind", EVASION_KINDS)
def test_evidence_categories_survive_every_evasion(lexicon: Lexicon, kind: str,
                                                   clean_positives: list[str]) -> None:
    rng = random.Random(5)
    for text in clean_positives:
        clean = {s.category for s in lexicon.match(text)} - {"brand_name"}
        evaded = {s.category for s in lexicon.match(evade(text, kind, rng))}
        if kind == "pinyin":
            assert evaded - {"brand_name"}, text  # pinyin forms are lexicon terms themselves
        else:
            assert clean <= evaded, (kind, text)
