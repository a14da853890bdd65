"""Evasion transforms sellers apply to dodge keyword filters, applied to lexicon hits.

Each transform rewrites the evidence terms (and brand names) that the lexicon finds in a
clean caption, so an evasion variant says the same thing as its original. The
normaliser is expected to undo every kind except `pinyin`, which the lexicon covers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from models.text.lexicon import load_default_lexicon

EVASION_KINDS = ("split_symbols", "spaced_letters", "fullwidth", "homoglyph", "zero_width",
                 "traditional", "emoji_inside", "leet", "case_mix", "combining_marks", "pinyin",
                 "mixed")

_TARGET_CATEGORIES = frozenset({"grade_slang", "factory_claim", "replica_term", "brand_nickname",
                                "ambiguous_nickname", "brand_name", "offplatform_contact",
                                "price_hiding"})
_HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
               "s": "ѕ", "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "T": "Т", "H": "Н",
               "K": "К", "M": "М", "B": "В", "X": "Х", "v": "ν", "u": "υ"}
_LEET = {"o": "0", "e": "3", "i": "1", "a": "4", "s": "5", "t": "7"}
_PINYIN = {"高仿": ["gf", "GF", "gaofang", "gao fang"], "复刻": ["fk", "FK", "fuke"],
           "原单": ["yd", "yuandan", "YD"], "精仿": ["jingfang"], "纯原": ["chunyuan", "chun yuan"],
           "仿品": ["fangpin"], "山寨": ["shanzhai"], "莆田": ["putian", "PT"],
           "一比一": ["yibiyi"]}
_JUNK = ["*", "🔥", "★", "♥", "✨", "※", "^", "+"]
_SEPARATORS = [" ", ".", "-", "*", "·", "_", "/", "|"]
_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
_EMOJI = ["🔥", "💯", "✨", "👜", "❤️", "😍", "⭐", "🌸"]


@lru_cache(maxsize=1)
def _simplified_to_traditional() -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if len(source) == 1 and len(target) == 1:
            table[source] = target
    return table


def _is_cjk(ch: str) -> bool:
    return 0x3400 <= ord(ch) <= 0x9FFF


def _interleave(term: str, rng: random.Random, pick: Callable[[], str], every: bool) -> str:
    """Insert `pick()` between characters of each word of `term` (all gaps or one)."""
    words = term.split(" ")
    out = []
    for word in words:
        # Only between two letters: "1:1" and prices keep their digits together.
        gaps = [i for i in range(1, len(word)) if word[i - 1].isalpha() and word[i].isalpha()]
        if every and len(word) <= 2 and not any(_is_cjk(c) for c in word):
            gaps = []  # "DM" stays: two spaced letters are indistinguishable from words
        if not gaps:
            out.append(word)
            continue
        chosen = set(gaps) if every else {rng.choice(gaps)}
        out.append("".join(ch + (pick() if i + 1 in chosen else "") for i, ch in enumerate(word)))
    return ("  " if every else " ").join(out)


def _split_symbols(term: str, rng: random.Random) -> str:
    if all(_is_cjk(c) for c in term):
        sep = rng.choice(_SEPARATORS)
        return _interleave(term, rng, lambda: sep, every=rng.random() < 0.5)
    if rng.random() < 0.5 and all(c.isalpha() or c == " " for c in term):
        sep = rng.choice([".", "-", "*", "_", "·"])
        return _interleave(term, rng, lambda: sep, every=True)
    return _interleave(term, rng, lambda: rng.choice(_JUNK), every=rng.random() < 0.5)


def _spaced(term: str, rng: random.Random) -> str:
    if not all(c.isalpha() or c == " " or _is_cjk(c) for c in term):
        return _split_symbols(term, rng)
    return _interleave(term, rng, lambda: " ", every=True)


def _fullwidth(term: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)


def _homoglyph(term: str, rng: random.Random) -> str:
    return "".join(_HOMOGLYPHS.get(c, c) if rng.random() < 0.6 else c for c in term)


def _zero_width(term: str, rng: random.Random) -> str:
    return _interleave(term, rng, lambda: rng.choice(_ZERO_WIDTH), every=rng.random() < 0.5)


def _traditional(term: str, rng: random.Random) -> str:
    table = _simplified_to_traditional()
    return "".join(table.get(c, c) for c in term)


def _emoji_inside(term: str, rng: random.Random) -> str:
    return _interleave(term, rng, lambda: rng.choice(_EMOJI), every=False)


def _leet(term: str, rng: random.Random) -> str:
    chars = list(term)
    for i in range(1, len(chars) - 1):
        if chars[i] in _LEET and chars[i - 1].isalpha() and chars[i + 1].isalpha() and \
                rng.random() < 0.5:
            chars[i] = _LEET[chars[i]]
    return "".join(chars)


def _case_mix(term: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in term)


def _combining(term: str, rng: random.Random) -> str:
    marks = ["\u0301", "\u0300", "\u0308", "\u0332", "\u0336"]
    return "".join(c + (rng.choice(marks) if c.isascii() and c.isalpha() and rng.random() < 0.5
                        else "") for c in term)


def _pinyin(term: str, rng: random.Random) -> str:
    options = _PINYIN.get(term)
    return rng.choice(options) if options else term


_TRANSFORMS: dict[str, Callable[[str, random.Random], str]] = {
    "split_symbols": _split_symbols, "spaced_letters": _spaced, "fullwidth": _fullwidth,
    "homoglyph": _homoglyph, "zero_width": _zero_width, "traditional": _traditional,
    "emoji_inside": _emoji_inside, "leet": _leet, "case_mix": _case_mix,
    "combining_marks": _combining, "pinyin": _pinyin,
}


def evade_term(term: str, kind: str, rng: random.Random) -> str:
    """Apply one evasion kind to one term."""
    if kind == "mixed":  # one glyph swap, then one in-word insertion
        glyph = rng.choice(["fullwidth", "homoglyph", "leet", "case_mix", "traditional"])
        insertion = rng.choice(["split_symbols", "spaced_letters", "emoji_inside", "zero_width"])
        return _TRANSFORMS[insertion](_TRANSFORMS[glyph](term, rng), rng)
    return _TRANSFORMS[kind](term, rng)


def evade(text: str, kind: str, rng: random.Random) -> str:
    """Rewrite the lexicon hits of `text` with evasion `kind`; other text is untouched."""
    if kind not in EVASION_KINDS:
        raise ValueError(f"unknown evasion kind {kind!r}")
    spans = [s for s in load_default_lexicon().match(text) if s.category in _TARGET_CATEGORIES]
    if kind == "traditional":
        return _traditional(text, rng)  # sellers convert the whole caption
    if kind == "fullwidth" and rng.random() < 0.5:
        return _fullwidth(text, rng)
    out = []
    cursor = 0
    for span in spans:
        if span.start < cursor:
            continue
        out.append(text[cursor:span.start])
        out.append(evade_term(text[span.start:span.end], kind, rng))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
