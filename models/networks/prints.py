"""A photo's compact print: PDQ and pHash of the whole photo, taken from the hash stage.

The hash stage of catalog matching (models/hashing/matcher.py) already hashes every region
it recovers from a listing photo, the whole photo ("full") first; the print is that
region's hashes, so recording it costs no image work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.hashing.kinds import hamming
from models.hashing.matcher import HashSet
from models.networks.rules import PDQ_MAX_DISTANCE, PDQ_MIN_QUALITY, PHASH_MAX_DISTANCE

WHOLE_PHOTO = "full"  # models/hashing/regions.py: the first recovered region


@dataclass(frozen=True)
class PhotoPrint:
    pdq: bytes  # 32 bytes
    phash: bytes  # 8 bytes
    quality: int  # PDQ quality, 0-100

    @property
    def code(self) -> bytes:
        """PDQ then pHash, as a group's representative stores them."""
        return self.pdq + self.phash

    @property
    def usable(self) -> bool:
        """Whether this print may link sellers (enough structure to tell photos apart)."""
        return self.quality >= PDQ_MIN_QUALITY


def whole_print(hashes: Sequence[HashSet]) -> PhotoPrint | None:
    """The whole-photo print among a query's region hashes; None when the hash stage did
    not run (or the photo could not be analysed)."""
    for h in hashes:
        if h.name == WHOLE_PHOTO:
            return PhotoPrint(h.pdq, h.phash, h.quality)
    return None


def split_code(code: bytes) -> tuple[bytes, bytes]:
    """(PDQ, pHash) of a stored ``PhotoPrint.code``."""
    return code[:32], code[32:]


def same_photo(a: bytes, b: bytes) -> int | None:
    """The PDQ distance of two prints' codes when they are the same photo, else None.

    Both hashes must agree: pHash (64 bits) within PHASH_MAX_DISTANCE carries the small crops
    and overlays that move PDQ's 256 bits by 40-70, and PDQ within PDQ_MAX_DISTANCE keeps
    apart the look-alike product shots whose pHash agrees by chance (calibration:
    training/calibrate_networks.py)."""
    pdq_a, phash_a = split_code(a)
    pdq_b, phash_b = split_code(b)
    if hamming(phash_a, phash_b) > PHASH_MAX_DISTANCE:
        return None
    d = hamming(pdq_a, pdq_b)
    return d if d <= PDQ_MAX_DISTANCE else None
