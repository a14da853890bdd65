"""Perceptual hash kinds behind one small interface.

A hash value is ``bytes`` (big-endian bit order, the same order imagehash prints), so it
hex-encodes losslessly, compares with XOR + popcount, and packs into the uint64 words the
index searches. Every kind computes from a decoded RGB PIL image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import imagehash
import numpy as np
import pdqhash
from PIL import Image

from models.thresholds import (
    MATCH_DHASH_MAX_DISTANCE,
    MATCH_PDQ_MAX_DISTANCE,
    MATCH_PDQ_MIN_QUALITY,
    MATCH_PHASH_MAX_DISTANCE,
)


@dataclass(frozen=True)
class HashValue:
    """One computed hash. ``quality`` is in [0, 100] for kinds that rate their input."""

    kind: str
    value: bytes
    quality: int | None = None

    @property
    def hex(self) -> str:
        return self.value.hex()


class HashKind(Protocol):
    name: str
    bits: int
    default_threshold: int

    def compute(self, image: Image.Image) -> HashValue: ...

    def usable(self, h: HashValue) -> bool: ...


def hamming(a: bytes, b: bytes) -> int:
    if len(a) != len(b):
        raise ValueError(f"hash lengths differ: {len(a)} != {len(b)} bytes")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def to_hex(h: HashValue) -> str:
    return h.value.hex()


def from_hex(kind: HashKind, text: str, quality: int | None = None) -> HashValue:
    raw = bytes.fromhex(text)
    if len(raw) * 8 != kind.bits:
        raise ValueError(f"{kind.name} hash must be {kind.bits} bits, got {len(raw) * 8}")
    return HashValue(kind.name, raw, quality)


def distance(a: HashValue, b: HashValue) -> int:
    if a.kind != b.kind:
        raise ValueError(f"cannot compare a {a.kind} hash with a {b.kind} hash")
    return hamming(a.value, b.value)


def _bits_to_bytes(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=bool).reshape(-1)).tobytes()


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


class PHash:
    """imagehash's DCT hash: 64 bits, robust to scaling, compression and colour changes."""

    name = "phash"
    bits = 64
    default_threshold = MATCH_PHASH_MAX_DISTANCE

    def compute(self, image: Image.Image) -> HashValue:
        return HashValue(self.name, _bits_to_bytes(imagehash.phash(image).hash))

    def usable(self, h: HashValue) -> bool:
        return True


class DHash:
    """imagehash's gradient hash: 64 bits, complementary to pHash on smooth images."""

    name = "dhash"
    bits = 64
    default_threshold = MATCH_DHASH_MAX_DISTANCE

    def compute(self, image: Image.Image) -> HashValue:
        return HashValue(self.name, _bits_to_bytes(imagehash.dhash(image).hash))

    def usable(self, h: HashValue) -> bool:
        return True


class PDQ:
    """Meta's PDQ: 256 bits with a quality score; flat, featureless inputs rate low."""

    name = "pdq"
    bits = 256
    default_threshold = MATCH_PDQ_MAX_DISTANCE

    def compute(self, image: Image.Image) -> HashValue:
        bits, quality = pdqhash.compute(np.asarray(_rgb(image)))
        return HashValue(self.name, _bits_to_bytes(bits), int(quality))

    def usable(self, h: HashValue) -> bool:
        return h.quality is not None and h.quality >= MATCH_PDQ_MIN_QUALITY


KINDS: dict[str, HashKind] = {k.name: k for k in (PHash(), DHash(), PDQ())}
