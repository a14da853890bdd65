"""Character-level folding tables used by caption normalisation.

Every table maps one source character to a replacement string so that the normaliser
can keep a per-character map back to the seller's original offsets.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

# Cyrillic and Greek letters that render like Latin ones; applied after case folding, so
# only lowercase keys are needed. Sellers swap them into brand names to dodge keyword filters.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ѵ": "v", "ԛ": "q",
    "ԝ": "w", "ь": "b", "һ": "h", "ց": "g", "օ": "o", "ս": "u",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ζ": "z", "μ": "u",
    "ς": "s", "σ": "o",
    # Latin look-alikes outside ASCII that NFKC leaves alone
    "ı": "i", "ɡ": "g", "ɑ": "a", "ɩ": "i", "ʟ": "l", "ᴠ": "v", "ꞵ": "b", "ø": "o",
    "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t",
}

# Digits and symbols standing in for letters ("r3plica", "l0uis"); folded only when a
# letter sits on both sides, so prices and model numbers survive.
LEET: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                        "$": "s"}

# Variant forms that traditional-to-simplified tables miss but sellers use on purpose.
EXTRA_SIMPLIFIED: dict[str, str] = {
    "倣": "仿", "髙": "高", "単": "单", "貨": "货", "廠": "厂", "復": "复", "賣": "卖",
    "號": "号", "証": "证", "価": "价", "売": "卖", "従": "从", "図": "图",
}

# Characters with no visible glyph that are inserted to split words.
INVISIBLE: frozenset[str] = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f"
    "\u180e\u061c\u115f\u1160\u3164\uffa0\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

_LATIN_LIKE_MAX = 0x052F  # Latin, IPA, Greek, Cyrillic: accents are stripped only here


def _opencc_characters_file() -> Path | None:
    try:
        import opencc
    except ImportError:  # pragma: no cover - dependency declared; keep the service alive
        return None
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def traditional_to_simplified() -> dict[str, str]:
    """Single-character traditional -> simplified table (first candidate of OpenCC's list)."""
    table: dict[str, str] = {}
    path = _opencc_characters_file()
    if path is not None:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 2:
                continue
            source, targets = parts
            target = targets.split(" ")[0]
            # Only 1:1 characters keep offsets exact; multi-char entries are rare and skipped.
            if len(source) == 1 and len(target) == 1:
                table[source] = target
    table.update(EXTRA_SIMPLIFIED)
    return table


def _strip_marks(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ord(ch) <= _LATIN_LIKE_MAX or 0x1E00 <= ord(ch) <= 0x1EFF:
            out.extend(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """Fold one original character to its normalised form ('' when it should vanish)."""
    if ch in INVISIBLE or ch in "\u180b\u180c\u180d":
        return ""
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0xE0000 <= code <= 0xE007F:
        return ""  # variation selectors and tag characters
    if ch in "\r\n\u2028\u2029\x85\x0b\x0c":
        return "\n"
    category = unicodedata.category(ch)
    if category in ("Cf", "Cc", "Co", "Cs", "Cn") and ch != "\t":
        return ""
    if category == "Mn" or category == "Me":
        return ""
    if category == "Zs" or ch == "\t":
        return " "
    folded = _strip_marks(unicodedata.normalize("NFKC", ch)).casefold()
    t2s = traditional_to_simplified()
    return "".join(t2s.get(c, HOMOGLYPHS.get(c, c)) for c in folded)
