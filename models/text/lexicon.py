"""Counterfeit lexicon: a versioned data file compiled into one Aho-Corasick automaton.

Terms are normalised with the caption normaliser before they enter the automaton and
matching runs on the normalised caption, so one spelling per term covers case, width,
traditional forms, homoglyphs and in-word separators. Spans are reported in the
original caption's offsets. Categories may be context-gated (pinyin initials count only
beside other evidence), and `model_text` lets the classifier read pinyin hits as Chinese.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from models.text.normalize import NormalizedText, normalize

DEFAULT_LEXICON_PATH = Path(__file__).parent / "data" / "lexicon.json"
NEUTRAL = "neutral"
# Inside a word glued from spelled letters ("g u c c i r e p") boundaries are unknown, so
# terms this long may match mid-word; shorter ones ("ua", "gg") would match by accident.
_MIN_GLUED_TERM = 4


@dataclass(frozen=True, slots=True)
class LexiconSpan:
    """One lexicon hit: `start`/`end` index the original caption, `term` is the lexicon entry."""

    start: int
    end: int
    term: str
    category: str
    norm_start: int
    norm_end: int


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_cjk(ch: str) -> bool:
    return 0x3400 <= ord(ch) <= 0x9FFF


@dataclass(frozen=True, slots=True)
class ContextRule:
    """What a context-gated hit needs elsewhere in the caption to count.

    Pinyin initials ("gf", "yd", "pt") are also ordinary English ("my gf", "40 yd", "PT
    session"); they are evidence only beside other hits of `anywhere` categories, or of
    `in_chinese` categories when the caption is written in Chinese, where a lone Latin
    initial next to a brand is the evasion, not English.
    """

    anywhere: frozenset[str]
    in_chinese: frozenset[str]


class Lexicon:
    """Immutable compiled lexicon; build with `Lexicon.from_file` or `load_default_lexicon`."""

    def __init__(self, name: str, version: str, categories: dict[str, list[str]],
                 evidence: dict[str, bool],
                 context: dict[str, ContextRule] | None = None,
                 readings: dict[str, str] | None = None) -> None:
        self.name = name
        self.version = version
        self.categories = tuple(categories)
        self.evidence_categories = tuple(c for c in categories if evidence.get(c, False))
        self._terms = {c: tuple(t) for c, t in categories.items()}
        self._context = dict(context or {})
        self._readings = {normalize(k).text: v for k, v in (readings or {}).items()}
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, tuple[str, str]] = {}
        for category, terms in categories.items():
            for term in terms:
                key = normalize(term).text
                if key and key not in entries:
                    entries[key] = (term, category)
        for key, (term, category) in entries.items():
            self._automaton.add_word(key, (key, term, category))
        self._automaton.make_automaton()
        self.size = len(entries)

    @classmethod
    def from_file(cls, path: Path) -> Lexicon:
        data = json.loads(path.read_text(encoding="utf-8"))
        categories = {name: list(spec["terms"]) for name, spec in data["categories"].items()}
        evidence = {name: bool(spec.get("evidence", False))
                    for name, spec in data["categories"].items()}
        context = {name: ContextRule(frozenset(spec["context"].get("anywhere", ())),
                                     frozenset(spec["context"].get("in_chinese", ())))
                   for name, spec in data["categories"].items() if "context" in spec}
        readings = dict(data.get("pinyin_readings", {}).get("map", {}))
        return cls(data["name"], str(data["version"]), categories, evidence, context, readings)

    def terms_by_category(self, evidence_only: bool = False) -> list[str]:
        """The raw terms of the data file (optionally only evidence categories)."""
        wanted = self.evidence_categories if evidence_only else self.categories
        return [t for c in wanted for t in self._terms[c]]

    def match_normalized(self, norm: NormalizedText) -> list[LexiconSpan]:
        """All surviving hits in `norm`, ordered by position (neutral spans excluded)."""
        text = norm.text
        raw: list[tuple[int, int, str, str]] = []
        for end_index, (key, term, category) in self._automaton.iter(text):
            start = end_index - len(key) + 1
            end = end_index + 1
            inside_glued = len(key) >= _MIN_GLUED_TERM and start in norm.glued and \
                end - 1 in norm.glued
            if not inside_glued:
                if _is_word_char(key[0]) and start > 0 and _is_word_char(text[start - 1]) \
                        and start not in norm.case_breaks:
                    continue
                if _is_word_char(key[-1]) and end < len(text) and _is_word_char(text[end]) \
                        and end not in norm.case_breaks:
                    continue
            raw.append((start, end, term, category))
        kept = [hit for hit in raw if not _suppressed(hit, raw)]
        kept = self._in_context(kept, text)
        kept.sort(key=lambda h: (h[0], -h[1]))
        spans = []
        for start, end, term, category in kept:
            if category == NEUTRAL:
                continue
            o_start, o_end = norm.original_span(start, end)
            spans.append(LexiconSpan(o_start, o_end, term, category, start, end))
        return spans

    def _in_context(self, hits: list[tuple[int, int, str, str]],
                    text: str) -> list[tuple[int, int, str, str]]:
        """Drop hits of context-gated categories whose caption lacks the context they need."""
        if not self._context:
            return hits
        present = {h[3] for h in hits}
        chinese = any(_is_cjk(ch) for ch in text)
        out = []
        for hit in hits:
            rule = self._context.get(hit[3])
            if rule is not None:
                wanted = rule.anywhere | (rule.in_chinese if chinese else frozenset())
                if not (present - {hit[3]}) & wanted:
                    continue
            out.append(hit)
        return out

    def model_text(self, norm: NormalizedText, spans: list[LexiconSpan]) -> str:
        """`norm.text` with matched pinyin hits read as the Chinese term they spell.

        Only reported spans are rewritten, so an initial outside counterfeit context
        ("my gf") stays as written; the classifier then sees "高仿" whether the seller
        wrote 高仿, gaofang or, beside a brand, GF.
        """
        text = norm.text
        pieces, cursor = [], 0
        for span in spans:
            reading = self._readings.get(text[span.norm_start:span.norm_end])
            if reading is None or span.norm_start < cursor:
                continue
            pieces += [text[cursor:span.norm_start], reading]
            cursor = span.norm_end
        return "".join(pieces) + text[cursor:] if pieces else text

    def match(self, text: str) -> list[LexiconSpan]:
        return self.match_normalized(normalize(text))

    def category_counts(self, spans: list[LexiconSpan]) -> dict[str, int]:
        counts = Counter(span.category for span in spans)
        return {category: counts.get(category, 0) for category in self.categories}


def _suppressed(hit: tuple[int, int, str, str], hits: list[tuple[int, int, str, str]]) -> bool:
    start, end, _, category = hit
    for other in hits:
        if other is hit:
            continue
        o_start, o_end, _, o_category = other
        contains = o_start <= start and end <= o_end and (o_end - o_start) > (end - start)
        if contains:
            return True  # the longer phrase is the meaning ("拒绝高仿", "unauthorized authentic")
        overlaps = o_start < end and start < o_end
        if overlaps and o_category == NEUTRAL and category != NEUTRAL:
            return True  # "提高仿佛" is not "高仿"
    return False


@lru_cache(maxsize=4)
def load_lexicon(path: str = str(DEFAULT_LEXICON_PATH)) -> Lexicon:
    return Lexicon.from_file(Path(path))


def load_default_lexicon() -> Lexicon:
    return load_lexicon(str(DEFAULT_LEXICON_PATH))
