"""What a banked photo stores, and which query regions are looked up.

A banked photo stores the enrollment views of a hash-only search (models/hashing/views.py,
``standalone``: mirrors and quarter turns, crops, corners, rotations, filters), each as a
pHash (64 bits) and a PDQ hash (256 bits) with PDQ's quality: the two signal types hash
lists exchange (ThreatExchange / HMA). The query side is the listing scorer's own region
hashes (matcher.hashes_of), reused as they are: recovery undoes layout (screenshots,
padding, grids), the stored views cover what it cannot (lost pixels of a crop, a mirror, a
small rotation). dHash is not stored: an imported list has none, and a bank must match the
same reposts after an export and import.

Views and regions with too little structure (PDQ quality under MATCH_MIN_INFORMATION) are
neither stored nor looked up: flat crops of studio backgrounds collide across products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from models.hashing.matcher import HashSet, enrollment_hashes
from models.thresholds import MATCH_MIN_INFORMATION, MATCH_PDQ_MIN_QUALITY

SIGNAL_TYPES = ("pdq", "phash")
PDQ_BYTES, PHASH_BYTES = 32, 8


@dataclass(frozen=True)
class BankHash:
    """One stored view of a banked photo. An imported signal may carry one type only."""

    view: str
    phash: bytes | None
    pdq: bytes | None
    quality: int | None  # PDQ's quality (0-100); None when unknown (an imported hash)

    @property
    def pdq_usable(self) -> bool:
        return self.pdq is not None and (self.quality is None
                                         or self.quality >= MATCH_PDQ_MIN_QUALITY)


def bank_hashes(image: Image.Image) -> list[BankHash]:
    """The views of one photo that get banked (those with enough structure to match)."""
    return [BankHash(h.name, h.phash, h.pdq, h.quality)
            for h in enrollment_hashes(image, standalone=True)
            if h.quality >= MATCH_MIN_INFORMATION]


def lookup_regions(regions: Sequence[HashSet]) -> list[HashSet]:
    """The query regions worth looking up, each distinct hash pair once."""
    seen: set[tuple[bytes, bytes]] = set()
    out = []
    for r in regions:
        if r.quality < MATCH_MIN_INFORMATION or (r.phash, r.pdq) in seen:
            continue
        seen.add((r.phash, r.pdq))
        out.append(r)
    return out


def parse_hex(signal_type: str, value: str) -> bytes:
    """A hash value of a signal type from lowercase hex; ValueError when malformed."""
    raw = bytes.fromhex(value)
    want = PDQ_BYTES if signal_type == "pdq" else PHASH_BYTES
    if signal_type not in SIGNAL_TYPES or len(raw) != want:
        raise ValueError(f"a {signal_type} hash is {want * 2} hex digits, got {len(value)}")
    return raw
