"""Exact 8-bit arithmetic for the region checks (models/hashing/regions.py).

A decoded photo holds 8-bit grey levels (as float32). The region checks then run on those
levels in uint8 (int16 where steps need signs) with integer and exactly-sized float
arithmetic, giving bit for bit the answers the float32 arithmetic gives, for less work (the
recovered regions must not change with an optimisation: matching thresholds are calibrated
on them). Any other image takes the float32 arithmetic itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1), pixels, half-open
FLAT_STD = 6.0  # grey levels: a row/column this uniform is border or gutter, not photo
_LEVELS = np.arange(256, dtype=np.float32)  # every 8-bit grey level, as float32 sees it


def share_of(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.mean(axis)`` of a boolean mask, counting in int16 (cheaper) where that holds it."""
    n = mask.shape[axis]
    return np.add.reduce(mask, axis=axis, dtype=np.int16 if n < 2**15 else np.int64) / n


def levels_of(gray: np.ndarray) -> np.ndarray | None:
    """``gray`` as uint8 when it holds only 8-bit grey levels (a decoded photo), else None.

    Up to 2**16 pixels a side, so that float32 sums a line of levels exactly.
    """
    if gray.ndim != 2 or gray.size == 0 or max(gray.shape) > 2**16:
        return None
    with np.errstate(invalid="ignore"):  # NaN or out-of-range values just fail the test below
        levels = gray.astype(np.uint8)
    if not (levels == gray).all():
        return None
    return levels


@dataclass(frozen=True)
class Pixels:
    """An image prepared for the region checks.

    ``px`` is what the checks run on: uint8 levels where the image holds only 8-bit grey
    levels, else ``values`` itself. ``squares`` (of the values; levels only) lets flatness
    come from exact sums instead of a float std per box.
    """

    px: np.ndarray
    values: np.ndarray
    squares: np.ndarray | None


def pixels_of(gray: np.ndarray) -> Pixels:
    levels = levels_of(gray)
    if levels is None:
        return Pixels(gray, gray, None)
    return Pixels(levels, gray, np.square(gray, dtype=np.float32))


def median_of(values: np.ndarray) -> float:
    """``float(np.median(values))``; on 8-bit levels the middle pair, exactly."""
    if values.dtype != np.uint8:
        return float(np.median(values))
    k = values.size // 2
    if values.size % 2:
        return float(np.partition(values, k)[k])
    middle = np.partition(values, (k - 1, k))
    return (int(middle[k - 1]) + int(middle[k])) / 2


def corner_colour(sub: np.ndarray) -> float:
    """Median of the four corner pixels, as ``np.median`` of them in float32 gives it."""
    corners = [sub[0, 0], sub[0, -1], sub[-1, 0], sub[-1, -1]]
    if sub.dtype != np.uint8:
        return float(np.median(np.array(corners, dtype=np.float32)))
    _, a, b, _ = sorted(int(c) for c in corners)
    return (a + b) / 2


@lru_cache(maxsize=4096)
def _nearlevels_of(ref: float, tol: float) -> tuple[int, int] | None:
    """First and last 8-bit level within ``tol`` of ``ref`` as float32 sees it, or None.

    They form one interval: float32 holds each difference between a level and ``ref`` (a
    level or a half-way point between two) exactly.
    """
    near = np.flatnonzero(~(np.abs(_LEVELS - ref) > tol))
    return (int(near[0]), int(near[-1])) if near.size else None


def away_from(gray: np.ndarray, ref: float, tol: float) -> np.ndarray:
    """``np.abs(gray - ref) > tol`` as float32 computes it; on 8-bit levels one range test."""
    if gray.dtype != np.uint8:
        return np.abs(gray - ref) > tol
    near = _nearlevels_of(ref, tol)
    if near is None:
        return np.ones(gray.shape, dtype=bool)
    lo, hi = near
    return gray - lo > hi - lo  # levels below lo wrap round to the top


def _exact_sums(values: np.ndarray, most: int) -> np.ndarray:
    """Column sums of float32 integers in [0, most], exact, as float64.

    BLAS adds each block of rows in whatever order it likes: every partial sum is an integer
    of at most 2**24, which float32 holds exactly.
    """
    rows = 2**24 // most
    ones = np.ones(min(values.shape[0], rows), dtype=np.float32)
    total = (ones @ values[:rows]).astype(np.float64)
    for i in range(rows, values.shape[0], rows):
        block = values[i:i + rows]
        total += ones[:block.shape[0]] @ block
    return total


def flat_lines(pixels: Pixels, box: Box, axis: int) -> tuple[np.ndarray, bool]:
    """Per position along ``axis`` of ``box``: is the line there flat (std < FLAT_STD)? And
    was that settled by exact sums alone (it then holds for the same line in any box)?

    The answers are float32's std's. On 8-bit levels the variance comes exactly from integer
    sums instead; float32's std (n values a line) is within a relative (n + 5) * 2**-24 of
    it, so only lines within (2n + 64) * 2**-24 of the threshold (rare) need float32's own
    answer.
    """
    x0, y0, x1, y1 = box
    g = pixels.values[y0:y1, x0:x1]
    g = g if axis == 1 else g.T
    if pixels.squares is None:
        return g.std(axis=0) < FLAT_STD, False
    squares = pixels.squares[y0:y1, x0:x1]
    n = g.shape[0]
    sums = _exact_sums(g, 255)
    spread = n * _exact_sums(squares if axis == 1 else squares.T, 255**2) - sums * sums
    limit = FLAT_STD**2 * n * n  # spread is n**2 * variance, exactly
    spread -= limit
    flat = spread < 0
    unsure = np.abs(spread, out=spread) <= limit * (2 * n + 64) * 2.0**-24
    if not unsure.any():
        return flat, True
    flat[unsure] = (g.std(axis=0) < FLAT_STD)[unsure]
    return flat, False


