"""A photo's compact print: PDQ, pHash and a coarse colour layout of the whole photo, taken
from the hash stage.

The hash stage of catalog matching (models/hashing/matcher.py) already hashes every region
it recovers from a listing photo, the whole photo ("full") first, with its 8x8 CIELAB
colour layout (models/hashing/colour.py); the print is that region's hashes and the layout
averaged to 4x4 cells, so recording it costs no image work.

The hashes read luma only, so two sellers' own shots of one product model in different
colours (a teal bag and an olive one, posed alike) can hash as the same photo; the colour
check keeps them apart by hue, which recompression, brightness, contrast and saturation
filters keep (``hue_distance``). A print recorded before prints carried colour (a 40-byte
code) is compared by its hashes alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.hashing import colour
from models.hashing.kinds import hamming
from models.hashing.matcher import HashSet
from models.networks.rules import (
    CLOSE_COPY_PDQ,
    HUE_MAX_DEGREES,
    HUE_MIN_CELLS,
    HUE_MIN_CHROMA,
    PDQ_MAX_DISTANCE,
    PDQ_MIN_QUALITY,
    PHASH_MAX_DISTANCE,
)

WHOLE_PHOTO = "full"  # models/hashing/regions.py: the first recovered region
HASH_BYTES = 40  # PDQ then pHash, at the start of a code; the colour cells follow
GRID = 4  # colour cells a side: the hash stage's 8x8 layout averaged over 2x2 blocks


@dataclass(frozen=True)
class PhotoPrint:
    pdq: bytes  # 32 bytes
    phash: bytes  # 8 bytes
    quality: int  # PDQ quality, 0-100
    colour: bytes = b""  # GRID x GRID CIELAB cells, coded as colour.layout codes them

    @property
    def code(self) -> bytes:
        """PDQ, pHash, then the colour cells, as a group's representative stores them."""
        return self.pdq + self.phash + self.colour

    @property
    def usable(self) -> bool:
        """Whether this print may link sellers (enough structure to tell photos apart)."""
        return self.quality >= PDQ_MIN_QUALITY


def whole_print(hashes: Sequence[HashSet]) -> PhotoPrint | None:
    """The whole-photo print among a query's region hashes; None when the hash stage did
    not run (or the photo could not be analysed)."""
    for h in hashes:
        if h.name == WHOLE_PHOTO:
            return PhotoPrint(h.pdq, h.phash, h.quality, coarse_colour(h.colour))
    return None


def coarse_colour(layout: bytes) -> bytes:
    """A colour layout (colour.LAYOUT_BYTES, 8x8 cells) averaged to GRID x GRID cells, coded
    alike; empty when there is no layout."""
    if len(layout) != colour.LAYOUT_BYTES:
        return b""
    raw = np.frombuffer(layout, dtype=np.uint8).astype(np.float32)
    step = colour.GRID // GRID
    cells = raw.reshape(GRID, step, GRID, step, 3).mean(axis=(1, 3))
    return np.clip(np.rint(cells), 0, 255).astype(np.uint8).tobytes()


def split_code(code: bytes) -> tuple[bytes, bytes]:
    """(PDQ, pHash) of a stored ``PhotoPrint.code``."""
    return code[:32], code[32:HASH_BYTES]


def hue_distance(a: bytes, b: bytes) -> float | None:
    """How far apart two prints' colours are in hue, in degrees (0-180): over the cells
    coloured in both (chroma >= HUE_MIN_CHROMA), the mean hue difference weighted by the
    smaller chroma. None without HUE_MIN_CELLS such cells (grey photos, no colour):
    nothing to tell them apart by. Lightness and chroma are left out on purpose: filters
    change them, a different dye changes the hue."""
    if not a or not b:
        return None
    lab = [(np.frombuffer(c, dtype=np.uint8).astype(np.float32) - 128.0).reshape(-1, 3)
           for c in (a, b)]
    chroma = [np.hypot(x[:, 1], x[:, 2]) for x in lab]
    both = (chroma[0] >= HUE_MIN_CHROMA) & (chroma[1] >= HUE_MIN_CHROMA)
    if int(both.sum()) < HUE_MIN_CELLS:
        return None
    turn = np.arctan2(lab[0][:, 2], lab[0][:, 1]) - np.arctan2(lab[1][:, 2], lab[1][:, 1])
    apart = np.degrees(np.abs(np.angle(np.exp(1j * turn))))[both]
    weight = np.minimum(chroma[0], chroma[1])[both]
    return float((apart * weight).sum() / weight.sum())


def same_photo(a: bytes, b: bytes) -> int | None:
    """The PDQ distance of two prints' codes when they are the same photo, else None.

    Both hashes must agree: pHash (64 bits) within PHASH_MAX_DISTANCE carries the small crops
    and overlays that move PDQ's 256 bits by 40-70, and PDQ within PDQ_MAX_DISTANCE keeps
    apart the look-alike product shots whose pHash agrees by chance (calibration:
    training/calibrate_networks.py); where both carry colour, their hues must be within
    HUE_MAX_DEGREES."""
    pdq_a, phash_a = split_code(a)
    pdq_b, phash_b = split_code(b)
    if hamming(phash_a, phash_b) > PHASH_MAX_DISTANCE:
        return None
    d = hamming(pdq_a, pdq_b)
    if d > PDQ_MAX_DISTANCE:
        return None
    hue = hue_distance(a[HASH_BYTES:], b[HASH_BYTES:])
    return None if hue is not None and hue > HUE_MAX_DEGREES else d


def close_copy(pdq_a: bytes, pdq_b: bytes) -> bool:
    """Whether two prints of one photo group are close enough copies for a lone shared photo
    to link two sellers (models/networks/rules.py: CLOSE_COPY_PDQ)."""
    return hamming(pdq_a, pdq_b) <= CLOSE_COPY_PDQ
