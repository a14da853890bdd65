"""Perceptual hash kinds behind one small interface.

A hash value is ``bytes`` (big-endian bit order, the same order imagehash prints), so it
hex-encodes losslessly, compares with XOR + popcount, and packs into the uint64 words the
index searches. Every kind computes from a decoded PIL image through one shared thumbnail
(``thumbnail``), and from a stack of thumbnails at once (``hash_thumbnails``). The
algorithms are imagehash's pHash and dHash and Meta's PDQ; tests/models/hashing proves each
bit for bit against ``imagehash`` and ``pdqhash`` run on the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from models.thresholds import MATCH_PDQ_MIN_QUALITY


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


# Every kind hashes the same small luma thumbnail: area-averaged (box filter) to THUMB_SIDE,
# the size PDQ's DCT works at, which pHash and dHash average down further. One resize per
# region serves all three kinds, and the kinds run on a batch of thumbnails at once (a
# listing photo has about a dozen regions; per-region library calls cost ~1 ms each).
THUMB_SIDE = 64
PHASH_SIDE = 32  # pHash: DCT of a 32x32 average, lowest 8x8 frequencies
DHASH_SIZE = (9, 8)  # dHash: width x height of the average whose neighbours are compared
_PDQ_FREQS = 16  # PDQ: 16x16 lowest non-DC frequencies of the 64x64 thumbnail's DCT
# Quantum DCT coefficients are rounded to before comparing with their median: a symmetric
# thumbnail has coefficients that are exactly zero, which float noise would otherwise turn
# into platform-dependent bits.
_DCT_QUANTUM = 1e-6


def _pdq_matrix() -> np.ndarray:
    n, j = THUMB_SIDE, np.arange(THUMB_SIDE)
    k = np.arange(1, _PDQ_FREQS + 1)[:, None]
    return np.sqrt(2.0 / n) * np.cos(np.pi / (2 * n) * k * (2 * j[None, :] + 1))


def _phash_matrix() -> np.ndarray:
    n = np.arange(PHASH_SIDE)
    k = np.arange(8)[:, None]
    return 2.0 * np.cos(np.pi * k * (2 * n[None, :] + 1) / (2 * PHASH_SIDE))


def _area_weights(out: int, size: int) -> np.ndarray:
    """(out, size) matrix averaging ``size`` samples into ``out`` equal spans (box filter)."""
    edges = np.arange(out + 1) * size / out
    left, right = edges[:-1, None], edges[1:, None]
    pos = np.arange(size)[None, :]
    cover = np.clip(np.minimum(right, pos + 1) - np.maximum(left, pos), 0, None)
    return cover / cover.sum(axis=1, keepdims=True)


_PDQ_DCT = _pdq_matrix()
_PHASH_DCT = _phash_matrix()
_DHASH_ROWS = _area_weights(DHASH_SIZE[1], THUMB_SIDE)
_DHASH_COLS = _area_weights(DHASH_SIZE[0], THUMB_SIDE)


def thumbnail(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """THUMB_SIDE x THUMB_SIDE uint8 luma of ``image`` (or of ``box`` in it), area-averaged."""
    gray = image if image.mode == "L" else image.convert("L")
    return np.asarray(gray.resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX, box=box))


def _to_u8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _above_median(coeffs: np.ndarray) -> np.ndarray:
    """(N, a, b) coefficients -> (N, a * b) bits: above the per-thumbnail median."""
    flat = np.round(coeffs.reshape(len(coeffs), -1) / _DCT_QUANTUM) * _DCT_QUANTUM
    return flat > np.median(flat, axis=1, keepdims=True)


def phash_inputs(thumbs: np.ndarray) -> np.ndarray:
    """(N, 32, 32) uint8: 2x2 means of the thumbnails (what the pHash DCT reads), rounded
    half to even. The four pixels are summed as integers (a float mean over strided axes
    costs ten times as much; the sum / 4 is exact either way)."""
    total = thumbs[:, 0::2, 0::2].astype(np.uint16)
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        total += thumbs[:, dy::2, dx::2]
    return _to_u8(total / 4.0)


def dhash_inputs(thumbs: np.ndarray) -> np.ndarray:
    """(N, 8, 9) uint8 area averages of the thumbnails (what dHash compares)."""
    return _to_u8(_DHASH_ROWS @ thumbs.astype(np.float64) @ _DHASH_COLS.T)


def phash_bits(thumbs: np.ndarray) -> np.ndarray:
    """imagehash's pHash of each 32x32 input: DCT, lowest 8x8 (DC included) > median."""
    small = phash_inputs(thumbs).astype(np.float64)
    return _above_median(_PHASH_DCT @ small @ _PHASH_DCT.T)


def dhash_bits(thumbs: np.ndarray) -> np.ndarray:
    """imagehash's dHash of each 9x8 input: is each pixel brighter than its left neighbour."""
    small = dhash_inputs(thumbs)
    return (small[:, :, 1:] > small[:, :, :-1]).reshape(len(thumbs), -1)


# Contrast gains are applied in fixed point, so a gain of exactly 1 is PDQ's integer rule.
_GAIN_ONE = 256


def pdq_bits(thumbs: np.ndarray, gains: np.ndarray | None = None,
             ) -> tuple[np.ndarray, np.ndarray]:
    """PDQ of each 64x64 thumbnail (bit for bit what ``pdqhash.compute`` gives for it) and its
    quality: the summed luma gradient in percent steps / 90, capped at 100.

    ``gains`` (one per thumbnail, >= 1) rate the gradient as if the thumbnail's contrast
    were that many times larger (``information_gain``); the bits do not depend on it, since
    every kind is invariant to a positive scaling of luma. Without it the quality is PDQ's.
    """
    a = thumbs.astype(np.float64)
    bits = _above_median(_PDQ_DCT @ a @ _PDQ_DCT.T)[:, ::-1]
    t = thumbs.astype(np.int64)
    scale = np.full(len(thumbs), _GAIN_ONE, dtype=np.int64) if gains is None else \
        np.rint(np.asarray(gains, dtype=np.float64) * _GAIN_ONE).astype(np.int64)
    scale = scale[:, None, None] * 100
    steps = ((np.abs(np.diff(t, axis=1)) * scale) // (255 * _GAIN_ONE)).sum(axis=(1, 2)) + \
        ((np.abs(np.diff(t, axis=2)) * scale) // (255 * _GAIN_ONE)).sum(axis=(1, 2))
    return bits, np.minimum(100, steps // 90)


@dataclass(frozen=True)
class HashBatch:
    """Packed hashes of N thumbnails: (N, bytes) arrays, big-endian bit order."""

    phash: np.ndarray
    dhash: np.ndarray
    pdq: np.ndarray
    quality: np.ndarray


def hash_thumbnails(thumbs: np.ndarray, gains: np.ndarray | None = None) -> HashBatch:
    """All three kinds for a stack of (N, THUMB_SIDE, THUMB_SIDE) uint8 thumbnails; ``gains``
    as in ``pdq_bits`` (the quality only)."""
    if thumbs.ndim != 3 or thumbs.shape[1:] != (THUMB_SIDE, THUMB_SIDE):
        raise ValueError(f"expected (N, {THUMB_SIDE}, {THUMB_SIDE}) thumbnails, "
                         f"got {thumbs.shape}")
    pdq, quality = pdq_bits(thumbs, gains)
    return HashBatch(np.packbits(phash_bits(thumbs), axis=1),
                     np.packbits(dhash_bits(thumbs), axis=1), np.packbits(pdq, axis=1),
                     quality.astype(np.int64))


def _one(image: Image.Image) -> HashBatch:
    return hash_thumbnails(thumbnail(image)[None])


class PHash:
    """pHash (imagehash's algorithm): 64 bits, robust to scaling, compression and colour."""

    name = "phash"
    bits = 64

    def compute(self, image: Image.Image) -> HashValue:
        return HashValue(self.name, _one(image).phash[0].tobytes())

    def usable(self, h: HashValue) -> bool:
        return True


class DHash:
    """dHash (imagehash's algorithm): 64 bits, complementary to pHash on smooth images."""

    name = "dhash"
    bits = 64

    def compute(self, image: Image.Image) -> HashValue:
        return HashValue(self.name, _one(image).dhash[0].tobytes())

    def usable(self, h: HashValue) -> bool:
        return True


class PDQ:
    """Meta's PDQ: 256 bits with a quality score; flat, featureless inputs rate low."""

    name = "pdq"
    bits = 256

    def compute(self, image: Image.Image) -> HashValue:
        batch = _one(image)
        return HashValue(self.name, batch.pdq[0].tobytes(), int(batch.quality[0]))

    def usable(self, h: HashValue) -> bool:
        return h.quality is not None and h.quality >= MATCH_PDQ_MIN_QUALITY


KINDS: dict[str, HashKind] = {k.name: k for k in (PHash(), DHash(), PDQ())}
