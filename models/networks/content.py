"""A composite's content: each recovered region with the flat bands around its picture cut
away, side by side, hashed like a query region.

Screenshots show a photo inside bands the hash stage's trim (models/hashing/regions.py:
trim_box) keeps: a full-screen viewer letterboxes a landscape photo in black above and
below, inside a white page, so the photo region's edges are black on two sides and white on
the others, and trim_box, which cuts only what matches the region's corner colour, cuts
neither. That region lands 8-12 pHash bits from every view of the photo, where distinct
photos also fall, so two honest sellers who post the same screenshot of a stock photo
(one app template renders it identically) seem to share a rare photo. Cutting each side's
own flat band brings it within 2-6 bits (supplier-network simulation, seeds 21 and 22).

Used by seller networks only, for a photo that joins a group other posts already hold while
the group is small enough to be specific evidence (service/networks/recording.py): that is
when a photo could link sellers, so the lookup (about as much again as the hash stage,
benchmarks/bench_network_content.py) is not paid for the photos only one seller posts. The
catalog's hash stage keeps its calibrated regions; doing this there would change the
evidence its acceptance model was fitted on.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from models.hashing.detail import information_gain
from models.hashing.kinds import thumbnail
from models.hashing.matcher import HashSet, hash_sets
from models.hashing.regions import Box, recover_regions
from models.hashing.views import work_image

BAND_TOLERANCE = 12.0  # grey levels from the band's own median: flat, as JPEG leaves it
BAND_SHARE = 0.98  # of a line's pixels within that: a band line (a photo edge is not)
MIN_CONTENT_SIDE = 24  # the hash stage's smallest region side (recover_regions' min_side)
CHUNK = 16  # lines tested at once once a side has a band (most sides have none)
# The regions that can frame a picture in bands: the whole image, its trim, the photo block
# and grid cells. Quadrants, banner cuts and centre crops are cut from the trim: when the
# trim has bands, they carry a part of them and a part of the picture.
FRAMES = ("full", "trim", "photo", "photo-trim", "cell-")


def _flat_lines(block: np.ndarray) -> np.ndarray:
    near = np.abs(block - np.median(block, axis=1, keepdims=True)) <= BAND_TOLERANCE
    flat: np.ndarray = near.mean(axis=1) >= BAND_SHARE
    return flat


def _side_depth(lines: np.ndarray, limit: int) -> int:
    """How many of ``lines`` (outermost first, one per row) are flat bands, up to ``limit``."""
    if limit <= 0 or not _flat_lines(lines[:1])[0]:
        return 0
    n = 1
    while n < limit:
        flat = _flat_lines(lines[n:min(n + CHUNK, limit)])
        if not flat.all():
            return n + int(np.argmin(flat))
        n += len(flat)
    return n


def trim_sides(gray: np.ndarray, box: Box, passes: int = 3) -> Box:
    """``box`` with each side's flat band cut, whatever its colour. A band that only
    spans the box once the bands beside it are cut (black bars inside white margins) is
    cut on a later pass."""
    for _ in range(passes):
        x0, y0, x1, y1 = box
        sub = gray[y0:y1, x0:x1]
        h, w = sub.shape
        if h <= MIN_CONTENT_SIDE or w <= MIN_CONTENT_SIDE:
            return box
        top = _side_depth(sub, h - MIN_CONTENT_SIDE)
        bottom = _side_depth(sub[::-1], h - MIN_CONTENT_SIDE - top)
        sub = sub[top:h - bottom]
        left = _side_depth(sub.T, w - MIN_CONTENT_SIDE)
        right = _side_depth(sub.T[::-1], w - MIN_CONTENT_SIDE - left)
        trimmed = (x0 + left, y0 + top, x1 - right, y1 - bottom)
        if trimmed == box:
            break
        box = trimmed
    return box


def content_regions(image: Image.Image) -> list[HashSet]:
    """The hash stage's regions of ``image`` whose sides had flat bands, with the bands cut,
    hashed (the untrimmed regions are what the hash stage already gave)."""
    work = work_image(image).convert("L")
    gray = np.asarray(work, dtype=np.float32)
    boxes: dict[Box, str] = {}
    for region in recover_regions(gray):
        if not region.name.startswith(FRAMES):
            continue
        box = trim_sides(gray, region.box)
        if box != region.box and box not in boxes:
            boxes[box] = f"{region.name}-content"
    if not boxes:
        return []
    return hash_sets(list(boxes.values()), [thumbnail(work, b) for b in boxes],
                     gain=information_gain(work))
