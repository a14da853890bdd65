"""How much a photo shows at the scale every matcher sees it: a 16x16 area-averaged luma.

A catalog photo that is flat at that scale (an empty background, a plain grey card) cannot
be told apart from another such photo after a blur or a recompression: both hash alike,
neither has keypoints, their colour layouts agree. Enrolling one is allowed (it is the
brand's photo), but the upload says so, and the copy-detection dev set does not enrol such
photos (trustdata.copydetect.build) for the same reason.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from models.thresholds import MATCH_CONTENT_FREE_DETAIL

DETAIL_SIDE = 16


def detail(image: Image.Image) -> float:
    """Standard deviation (grey levels, 0-255) of the 16x16 area-averaged luma."""
    thumb = image.convert("L").resize((DETAIL_SIDE, DETAIL_SIDE), Image.Resampling.BOX)
    return float(np.asarray(thumb, dtype=np.float64).std())


def content_free(image: Image.Image) -> bool:
    return detail(image) < MATCH_CONTENT_FREE_DETAIL
