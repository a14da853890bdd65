"""How much a photo shows at the scale every matcher sees it: a 16x16 area-averaged luma.

A catalog photo that is flat at that scale (an empty background, a plain grey card) cannot
be told apart from another such photo after a blur or a recompression: both hash alike,
neither has keypoints, their colour layouts agree. Enrolling one is allowed (it is the
brand's photo), but the upload says so, and the copy-detection dev set does not enrol such
photos (trustdata.copydetect.build) for the same reason.

A photo whose whole luma range is narrow (a dim or faded repost, a pale product on white)
still shows its structure, only at low contrast: PDQ's quality, a gradient sum, rates it as
if it showed little. ``information_gain`` is the factor that brings such a photo's range up
to a reference range, so the hash stage rates what a region shows rather than how contrasty
the whole photo is. It is measured on the whole photo, never per region: a flat crop of a
studio background inside a photo of normal range stays flat.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from models.thresholds import (
    MATCH_CONTENT_FREE_DETAIL,
    MATCH_INFORMATION_MAX_GAIN,
    MATCH_INFORMATION_RANGE,
)

DETAIL_SIDE = 16
RANGE_PERCENTILE = 0.01  # the range runs from this share of the pixels to 1 minus it


def detail(image: Image.Image) -> float:
    """Standard deviation (grey levels, 0-255) of the 16x16 area-averaged luma."""
    thumb = image.convert("L").resize((DETAIL_SIDE, DETAIL_SIDE), Image.Resampling.BOX)
    return float(np.asarray(thumb, dtype=np.float64).std())


def content_free(image: Image.Image) -> bool:
    return detail(image) < MATCH_CONTENT_FREE_DETAIL


def luma_range(luma: Image.Image) -> int:
    """Grey levels between the 1st and 99th percentile of an ``L`` image."""
    counts = np.cumsum(luma.histogram()[:256])
    total = int(counts[-1])
    if total == 0:
        return 0
    lo = int(np.searchsorted(counts, RANGE_PERCENTILE * total, side="right"))
    hi = int(np.searchsorted(counts, (1 - RANGE_PERCENTILE) * total, side="left"))
    return max(0, hi - lo)


def information_gain(luma: Image.Image) -> float:
    """How many times the photo's contrast its hash qualities are rated at (1 to the cap):
    a photo of at least ``MATCH_INFORMATION_RANGE`` grey levels is rated as it is."""
    spread = luma_range(luma)
    if spread <= 0:
        return MATCH_INFORMATION_MAX_GAIN
    return float(min(MATCH_INFORMATION_MAX_GAIN, max(1.0, MATCH_INFORMATION_RANGE / spread)))
