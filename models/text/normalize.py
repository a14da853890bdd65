"""Evasion-resistant caption normalisation with a map back to the original offsets.

`normalize(text)` folds Unicode compatibility forms, full-width letters, invisible
characters, homoglyphs, traditional characters and case, then collapses the separators,
symbols and emoji that sellers put *inside* a word (`高*仿`, `原.单`, `r e p l i c a`,
`g🔥ucci`). Each normalised character remembers the span of the original caption it came
from, so lexicon hits can be shown where the seller wrote them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from models.text.charmaps import LEET, fold_char

# Character classes used by the separator rules.
_CJK, _LETTER, _DIGIT, _SPACE, _NEWLINE, _SOFT, _JUNK, _OTHER, _IN_WORD = range(9)
# Joiners sellers put between the letters of one word; between two CJK characters they
# are never meaningful, and between ASCII letters only when every token is one letter.
_SOFT_SEPARATORS = frozenset(".-_'`·•・‧∙/\\|~^=")
# Symbols never found inside an ordinary Latin word, so dropped between two letters/digits.
_IN_WORD_NOISE = frozenset("_`·•・‧∙|~^※\\")


@lru_cache(maxsize=65536)
def _char_class(ch: str) -> int:
    if ch == "\n":
        return _NEWLINE
    if ch == " ":
        return _SPACE
    if ch in _SOFT_SEPARATORS:
        return _SOFT
    code = ord(ch)
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3134F:
        return _CJK
    if ch.isascii() and ch.isalpha():
        return _LETTER
    if ch.isascii() and ch.isdigit():
        return _DIGIT
    category = unicodedata.category(ch)
    if category.startswith("L"):
        return _LETTER
    if category in ("So", "Sk", "Sm") or ch == "*" or 0x1F000 <= code <= 0x1FAFF:
        return _JUNK
    return _OTHER


Char = tuple[str, int, int, bool]  # normalised char, original start, original end, glued


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised caption; `starts[i]`/`ends[i]` is the original span of `text[i]`."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    # Indices of `text` inside words glued back from spelled-out letters ("r e p" -> "rep"),
    # where word boundaries are unknown.
    glued: frozenset[int] = frozenset()
    # Indices of `text` that start a new word only the seller's letter case shows
    # ("gfAirPods", "fangpinBvlgari"): case folding would otherwise glue the two words.
    case_breaks: frozenset[int] = frozenset()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of `text` back to a half-open span of `original`."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside normalised text of {len(self.text)}")
        return self.starts[start], self.ends[end - 1]


def _fold(text: str) -> list[Char]:
    chars: list[Char] = []
    for index, ch in enumerate(text):
        for out in fold_char(ch):
            chars.append((out, index, index + 1, False))
    return chars


def _drop_between(chars: list[Char], sides: frozenset[int], droppable: frozenset[int],
                  need_cjk: bool) -> list[Char]:
    """Remove runs of `droppable` classes with a `sides` class on both neighbours.

    With `need_cjk`, at least one neighbour must be a CJK character (``高*仿``, ``高 A``);
    otherwise both are letters/digits and only in-word noise goes (``g🔥ucci``, not spaces).
    """
    classes = [_IN_WORD if c[0] in _IN_WORD_NOISE else _char_class(c[0]) for c in chars]
    keep = [True] * len(chars)
    i = 0
    while i < len(chars):
        if classes[i] in droppable and i > 0 and classes[i - 1] in sides:
            j = i
            while j < len(chars) and classes[j] in droppable:
                j += 1
            if j < len(chars) and classes[j] in sides and (
                    not need_cjk or _CJK in (classes[i - 1], classes[j])):
                for k in range(i, j):
                    keep[k] = False
            i = j
        else:
            i += 1
    return [c for c, k in zip(chars, keep, strict=True) if k]


def _join_spelled_letters(chars: list[Char]) -> list[Char]:
    """Glue `r e p l i c a` / `l.v` style runs of single letters into one word."""
    classes = [_char_class(c[0]) for c in chars]
    n = len(chars)
    keep = [True] * n
    i = 0
    while i < n:
        starts_token = classes[i] == _LETTER and (i == 0 or classes[i - 1] not in (_LETTER,
                                                                                     _DIGIT))
        if not starts_token:
            i += 1
            continue
        letters = [i]
        seps: list[int] = []
        j = i
        while (j + 2 < n and classes[j + 1] in (_SPACE, _SOFT, _JUNK)
               and classes[j + 2] == _LETTER
               and (j + 3 >= n or classes[j + 3] not in (_LETTER, _DIGIT))):
            seps.append(j + 1)
            letters.append(j + 2)
            j += 2
        single_before = i + 1 >= n or classes[i + 1] not in (_LETTER, _DIGIT)
        spaced = any(classes[s] == _SPACE for s in seps)
        if single_before and (len(letters) >= 3 or (len(letters) == 2 and not spaced)):
            for s in seps:
                keep[s] = False
            for k in letters:
                chars[k] = (*chars[k][:3], True)
            i = letters[-1] + 1
        else:
            i += 1
    return [c for c, k in zip(chars, keep, strict=True) if k]


def _unleet(chars: list[Char]) -> list[Char]:
    out = list(chars)
    for i in range(1, len(chars) - 1):
        ch = chars[i][0]
        if ch in LEET and chars[i - 1][0].isalpha() and chars[i + 1][0].isalpha() and \
                chars[i - 1][0].isascii() and chars[i + 1][0].isascii():
            out[i] = (LEET[ch], chars[i][1], chars[i][2], chars[i][3])
    return out


def _squeeze_whitespace(chars: list[Char]) -> list[Char]:
    out: list[Char] = []
    for item in chars:
        ch = item[0]
        if ch in " \n":
            if not out:
                continue
            prev = out[-1][0]
            if prev == "\n" or (prev == " " and ch == " "):
                continue
            if prev == " " and ch == "\n":
                out[-1] = item
                continue
        out.append(item)
    while out and out[-1][0] in " \n":
        out.pop()
    return out


_CJK_OR_LETTER = frozenset({_CJK, _LETTER})
_ALNUM = frozenset({_LETTER, _DIGIT})
_ANY_SEPARATOR = frozenset({_SPACE, _SOFT, _JUNK, _IN_WORD})
_NOISE = frozenset({_JUNK, _IN_WORD})


def _case_breaks(original: str, chars: list[Char]) -> frozenset[int]:
    """camelCase boundaries: lower->Upper, and the last capital of a run before lower case."""
    breaks = set()
    for i in range(1, len(chars)):
        prev, cur = chars[i - 1], chars[i]
        if not (prev[0].isascii() and prev[0].isalpha() and cur[0].isascii()
                and cur[0].isalpha() and prev[2] == cur[1]):
            continue
        before, here = original[prev[1]], original[cur[1]]
        after = original[cur[2]] if cur[2] < len(original) else ""
        if here.isupper() and (before.islower() or (before.isupper() and after.islower())):
            breaks.add(i)
    return frozenset(breaks)


def normalize(text: str) -> NormalizedText:
    """Normalise one caption (pure; see the module docstring for what is folded)."""
    chars = _fold(text)
    chars = _drop_between(chars, _CJK_OR_LETTER, _ANY_SEPARATOR, need_cjk=True)
    chars = _drop_between(chars, _ALNUM, _NOISE, need_cjk=False)
    chars = _join_spelled_letters(chars)
    chars = _unleet(chars)
    chars = _squeeze_whitespace(chars)
    return NormalizedText(
        original=text,
        text="".join(c[0] for c in chars),
        starts=tuple(c[1] for c in chars),
        ends=tuple(c[2] for c in chars),
        glued=frozenset(i for i, c in enumerate(chars) if c[3]),
        case_breaks=_case_breaks(text, chars),
    )


def normalize_text(text: str) -> str:
    """The normalised string alone (what the classifiers read)."""
    return normalize(text).text
