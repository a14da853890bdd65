"""A caption's fingerprint: MinHash over character shingles of the normalised caption.

Why MinHash rather than SimHash: agents re-caption a supplier's text (a price changed, a
contact line or emoji added), which on a 30-character caption changes a fifth of its
shingles. MinHash estimates the shingles' Jaccard similarity without bias, and its LSH
bands turn "similarity >= CAPTION_MIN_JACCARD" into a few exact-key lookups
(``band_keys``); a 64-bit SimHash of such short texts moves by 8-12 bits for the same edit,
a radius whose multi-probe needs thousands of keys and admits unrelated captions that share
the market's stock phrases.

A caption is recorded as its whole text and, when it has several lines, as passages of
it (``caption_prints``): resellers edit a supplier's caption line by line, which keeps the
lines but not the whole text near-identical (on the frozen hand-written seller set, 5 % of
hand-edited reposts are near-identical to their original as whole captions, 28 % share a
whole caption or a passage with it: reports/networks/caption-links.md).

The caption is normalised first (models/text/normalize.py: full-width letters,
homoglyphs, separators inside words, case), so evasion spellings of one text fingerprint
alike; only letters and digits are kept, so spacing, line breaks, punctuation and emoji
(what an agent retyping or decorating the text changes first) do not matter.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass

import numpy as np

from models.networks.rules import (
    CAPTION_MIN_JACCARD,
    CAPTION_MIN_WEIGHT,
    CAPTION_SHINGLE,
    CAPTION_VARIANT_JACCARD,
)
from models.text.normalize import normalize_text

PERMUTATIONS = 64
BANDS = 16  # LSH: 16 bands of 4 rows; a pair at Jaccard 0.7 shares a band with p = 0.988
ROWS = PERMUTATIONS // BANDS
_PRIME = (1 << 31) - 1  # a*x + b < 2^62 for a, b, x < 2^31: exact in uint64
_rng = random.Random(20240521)  # fixed: fingerprints are stored, they must never change
_A = np.array([_rng.randrange(1, _PRIME) for _ in range(PERMUTATIONS)], dtype=np.uint64)
_B = np.array([_rng.randrange(0, _PRIME) for _ in range(PERMUTATIONS)], dtype=np.uint64)
_KEY_BITS = 62  # band keys fit a signed 64-bit column
MAX_PASSAGES = 8  # bounds a long caption's prints (and the rows and band keys they cost)


@dataclass(frozen=True)
class CaptionPrint:
    signature: bytes  # PERMUTATIONS big-endian uint32 minima

    def slots(self) -> np.ndarray:
        return np.frombuffer(self.signature, dtype=">u4")


def _letters(text: str) -> str:
    return "".join(ch for ch in normalize_text(text) if ch.isalnum())


def shingles(text: str) -> set[str]:
    """Character shingles of the normalised caption's letters and digits."""
    flat = _letters(text)
    return {flat[i:i + CAPTION_SHINGLE] for i in range(len(flat) - CAPTION_SHINGLE + 1)}


def weight(text: str) -> int:
    """The caption's length in letters and digits, a CJK character counting as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
               for ch in _letters(text))


def _base_hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def caption_print(text: str) -> CaptionPrint | None:
    """The caption's MinHash signature; None when it is too short to say who wrote it."""
    grams = shingles(text)
    if weight(text) < CAPTION_MIN_WEIGHT:
        return None
    x = np.array([_base_hash(g) % _PRIME for g in sorted(grams)], dtype=np.uint64)
    values = (_A[:, None] * x[None, :] + _B[:, None]) % np.uint64(_PRIME)
    return CaptionPrint(values.min(axis=1).astype(">u4").tobytes())


def passages(text: str) -> list[str]:
    """The caption's lines that weigh CAPTION_MIN_WEIGHT on their own. Shorter lines (an
    opener, a contact line, a price, emoji) are what resellers change; joined to a
    neighbour they would make it differ too."""
    return [line.strip() for line in text.splitlines() if weight(line) >= CAPTION_MIN_WEIGHT]


def caption_prints(text: str) -> list[CaptionPrint]:
    """What a caption is recorded as: the whole caption's print and each passage's (up to
    MAX_PASSAGES), each distinct print once (a one-line caption is its one passage).
    Resellers edit a supplier's caption line by line (an opener added, the contact line
    swapped, a line dropped or reworded, lines reordered), which moves the whole caption's
    similarity well below CAPTION_MIN_JACCARD while the lines they kept stay near-identical."""
    found: list[CaptionPrint] = []
    for part in [text, *passages(text)[:MAX_PASSAGES]]:
        fingerprint = caption_print(part)
        if fingerprint is not None and fingerprint not in found:
            found.append(fingerprint)
    return found


def differing_slots(a: bytes, b: bytes) -> int:
    """How many of the PERMUTATIONS MinHash slots differ: the caption evidence's distance
    (the estimated Jaccard similarity is 1 - this / PERMUTATIONS)."""
    sa, sb = np.frombuffer(a, dtype=">u4"), np.frombuffer(b, dtype=">u4")
    if len(sa) != len(sb):
        raise ValueError("signatures of different lengths")
    return int((sa != sb).sum())


MAX_DIFFERING_SLOTS = int(PERMUTATIONS * (1 - CAPTION_MIN_JACCARD))


def same_caption(a: bytes, b: bytes) -> int | None:
    """The differing slots when the two captions are near-identical, else None."""
    d = differing_slots(a, b)
    return d if d <= MAX_DIFFERING_SLOTS else None


MAX_VARIANT_SLOTS = int(PERMUTATIONS * (1 - CAPTION_VARIANT_JACCARD))


def caption_variant(a: bytes, b: bytes) -> bool:
    """Whether two captions are variants of one text (a template with its blanks filled in
    differently): they count towards each other's popularity, without linking."""
    return differing_slots(a, b) <= MAX_VARIANT_SLOTS


def band_keys(signature: bytes) -> list[int]:
    """One key per LSH band (the band's position and its rows' values, hashed): a caption
    is stored under all of them and looked up by all of them."""
    slots = np.frombuffer(signature, dtype=">u4")
    out = []
    for band in range(BANDS):
        rows = slots[band * ROWS:(band + 1) * ROWS].astype(">u4").tobytes()
        digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big") >> (64 - _KEY_BITS))
    return out
