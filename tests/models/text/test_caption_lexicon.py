from __future__ import annotations

import json
import random

import pytest
from trustdata.captions.evasion import EVASION_KINDS, evade

from models.text.lexicon import DEFAULT_LEXICON_PATH, Lexicon
from models.text.normalize import normalize


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
        # Context-gated terms (pinyin initials) are checked beside an off-platform hint.
        suffix = " 私聊" if "context" in spec else ""
        for term in spec["terms"]:
            spans = lexicon.match(term + suffix)
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


@pytest.mark.parametrize(("text", "initial"), [
    ("顶级GF项链 梵克雅宝", "GF"), ("Canada Goose 😘 YD 😘 远征款", "YD"),
    ("gfAirPodsPro二代 私聊", "gf"), ("Gucci belt, fk, dm me", "fk"), ("PT鞋 耐克 看主页", "PT")])
def test_pinyin_initials_count_in_counterfeit_context(lexicon: Lexicon, text: str,
                                                     initial: str) -> None:
    assert (initial, "pinyin_evasion") in _hits(lexicon, text)


@pytest.mark.parametrize("text", [
    "gf didn't like the Coach bag, selling it", "40 yd dash cleats, Nike, size 10",
    "PT session with my trainer tomorrow", "fk this weather", "送GF的LV包，专柜购入",
    "yd of fabric, 5 yd left", "gf和我一起做的蛋糕"])
def test_pinyin_initials_in_ordinary_use_are_not_evidence(lexicon: Lexicon, text: str) -> None:
    assert [c for _, c in _hits(lexicon, text) if c == "pinyin_evasion"] == []


@pytest.mark.parametrize(("text", "term", "category"), [
    ("putian品质 圣罗兰卡包", "putian", "grade_slang"), ("fu ke款", "fu ke", "grade_slang"),
    ("YUANDAN尾货", "YUANDAN", "factory_claim"), ("a huo包包", "a huo", "grade_slang")])
def test_full_pinyin_spellings_carry_their_words_category(lexicon: Lexicon, text: str,
                                                          term: str, category: str) -> None:
    assert (term, category) in _hits(lexicon, text)


def test_case_boundary_separates_glued_words(lexicon: Lexicon) -> None:
    assert ("fangpin", "grade_slang") in _hits(lexicon, "fangpinBulgari项链")
    assert ("Bulgari", "brand_name") in _hits(lexicon, "fangpinBulgari项链")
    assert _hits(lexicon, "fangpinbulgari") == []  # no case change, no boundary


def test_model_reads_pinyin_hits_as_the_chinese_term(lexicon: Lexicon) -> None:
    def read(text: str) -> str:
        norm = normalize(text)
        return lexicon.model_text(norm, lexicon.match_normalized(norm))

    assert read("顶级GF项链 梵克雅宝 价格私聊") == read("顶级高仿项链 梵克雅宝 价格私聊")
    assert read("gao fang包 私聊") == read("高仿包 私聊")
    assert read("my gf loves this bag") == "my gf loves this bag"  # no context: untouched
