from __future__ import annotations

import random

import pytest
from trustdata.captions.evasion import EVASION_KINDS, evade

from models.text.charmaps import fold_char
from models.text.normalize import normalize, normalize_text

# The evasion kinds the normaliser is expected to undo one at a time: not pinyin, which
# the lexicon covers, nor the combined `mixed`.
NORMALIZED_KINDS = tuple(k for k in EVASION_KINDS if k not in ("pinyin", "mixed"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("高*仿", "高仿"),
        ("原.单", "原单"),
        ("高 仿 一 比 一", "高仿一比一"),
        ("r e p l i c a bag", "replica bag"),
        ("L.V bag", "lv bag"),
        ("ＬＶ ＡＡＡ", "lv aaa"),
        ("高\u200b仿\u200d货", "高仿货"),
        ("Сhаnеl", "chanel"),  # Cyrillic С, а, е
        ("Gυссі", "gucci"),  # Greek upsilon, Cyrillic с and і
        ("高倣 復刻 原單", "高仿复刻原单"),
        ("g🔥ucci re*pli※ca", "gucci replica"),
        ("REPLICA", "replica"),
        ("Réplicà", "replica"),
        ("r3plica l0uis", "replica louis"),
        ("高🔥仿", "高仿"),
        ("高*A货", "高a货"),
    ],
)
def test_folds_each_evasion_form(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    ["iphone 13 pro 128g", "price 1:1 ratio 21:10", "i am a cat", "¥1299 包邮", "t-shirt size m"],
)
def test_keeps_ordinary_text(text: str) -> None:
    assert normalize_text(text) == text


def test_whitespace_is_squeezed_and_newlines_kept() -> None:
    assert normalize_text("  line one  \n\n\n line two \t ") == "line one\nline two"


def _check_offsets(original: str) -> None:
    norm = normalize(original)
    assert len(norm.text) == len(norm.starts) == len(norm.ends)
    for i, ch in enumerate(norm.text):
        start, end = norm.starts[i], norm.ends[i]
        assert 0 <= start < end <= len(original)
        source = "".join(fold_char(c) for c in original[start:end])
        # each normalised char comes from its original span (a leet digit maps to a letter)
        assert ch in source or (len(source) == 1 and source in "013457@$"), (ch, source)
    assert list(norm.starts) == sorted(norm.starts)


@pytest.mark.parametrize("kind", NORMALIZED_KINDS)
def test_offsets_round_trip_on_evaded_captions(kind: str, clean_positives: list[str]) -> None:
    rng = random.Random(7)
    for text in clean_positives:
        _check_offsets(evade(text, kind, rng))


@pytest.mark.parametrize("kind", NORMALIZED_KINDS)
def test_every_evasion_kind_normalises_back_to_the_clean_caption(
        kind: str, clean_positives: list[str]) -> None:
    rng = random.Random(11)
    for text in clean_positives:
        for _ in range(10):
            evaded = evade(text, kind, rng)
            got, want = normalize_text(evaded), normalize_text(text)
            if kind == "spaced_letters":  # spelled words lose the boundary between them
                got, want = got.replace(" ", ""), want.replace(" ", "")
            assert got == want, (kind, evaded)


def test_original_span_maps_back_and_validates() -> None:
    original = "ＬＶ 高*仿 包"
    norm = normalize(original)
    index = norm.text.index("高仿")
    start, end = norm.original_span(index, index + 2)
    assert original[start:end] == "高*仿"
    with pytest.raises(ValueError, match="outside"):
        norm.original_span(0, len(norm.text) + 1)


def test_case_changes_mark_word_starts_without_changing_the_text() -> None:
    norm = normalize("gfAirPodsPro GFAirPods iPhone")
    assert norm.text == "gfairpodspro gfairpods iphone"
    starts = {norm.text[i:i + 3] for i in norm.case_breaks}
    assert starts == {"air", "pod", "pro", "pho"}
    assert len(norm.case_breaks) == 6  # gf|Air|Pods|Pro, GF|Air|Pods, i|Phone
    assert normalize("gfairpods").case_breaks == frozenset()
