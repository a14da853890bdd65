"""Enrollment views: the variants of a catalog photo stored so that edited reposts match.

Query-side recovery can undo layout (grids, screenshots, padding) but not lost pixels or
geometry, so those are covered here: the photo and its mirror, centre, corner and quadrant
crops, the image less a banner-sized top or bottom strip, the centre square that grid apps
show, and the photo through a few clipping filters (brighter, more saturated): what a
filter pushes past white or past a channel's range is lost, and the luma every kind hashes
moves with it. Every view is a box or an operation on the same small working image, then
area-averaged to the thumbnail the hash kinds read (kinds.thumbnail), exactly as query
regions are.

A hash-only search (``standalone``: the known-counterfeit bank, which has no keypoint stage
behind it) also stores the other six quarter-turn and flip variants, thin border trims and
small rotations cropped to the largest upright rectangle. The catalog does not: its keypoint
stage verifies those edits from the descriptor's candidates, and at 100,000 catalog photos
those 29 views were 46 % of the hash rows (memory and scan time) while finding 2-3 of 691
hard hold-out matches the pipeline missed without them (reports/matching/SCALE.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance

from models.hashing import colour
from models.hashing.kinds import thumbnail
from models.hashing.levels import Box
from models.hashing.regions import centre_crop

WORK_SIDE = 400  # long side of the working copy regions and views are cut from
ENROL_SIDE_STEP = 0.05  # side crops of 0 or 5 %: a border crop of up to 10 % lands near one
ENROL_BANNER_CUT = 0.15  # banners cover 10-18 % of the top or bottom; query cuts the same
ENROL_CORNER_SHARES = (0.62, 0.68, 0.74)
ENROL_ROTATIONS = (-13.0, -10.0, -7.0, -4.0, 4.0, 7.0, 10.0, 13.0)
# (name, brightness, saturation) of the filtered whole-photo views. Scaling luma or blending
# towards grey leaves every kind unchanged until values clip; past that, a query brightened
# by 1.4 or saturated by 1.8 drifted 8-15 pair-score points from its original (measured on
# dev-set photos). Each view stands for the edits around it, not for one exact factor.
ENROL_FILTERS: tuple[tuple[str, float, float], ...] = (
    ("bright", 1.3, 1.0), ("vivid", 1.0, 1.6), ("vivid-bright", 1.25, 1.5))

DIHEDRAL: dict[str, Image.Transpose | None] = {
    "id": None,
    "flip": Image.Transpose.FLIP_LEFT_RIGHT,
    "vflip": Image.Transpose.FLIP_TOP_BOTTOM,
    "rot90": Image.Transpose.ROTATE_90,
    "rot180": Image.Transpose.ROTATE_180,
    "rot270": Image.Transpose.ROTATE_270,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


@dataclass(frozen=True)
class View:
    name: str
    thumb: np.ndarray  # kinds.thumbnail of the view


def work_image(image: Image.Image, side: int = WORK_SIDE) -> Image.Image:
    """RGB copy whose long side is at most ``side`` (the size regions are found at)."""
    img = image if image.mode == "RGB" else image.convert("RGB")
    scale = side / max(img.size)
    if scale >= 1:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def dihedral(thumb: np.ndarray,
             names: Iterable[str] = DIHEDRAL) -> list[tuple[str, np.ndarray]]:
    """The named mirror/quarter-turn variants of a square thumbnail (all eight, ``id``
    first, unless ``names`` says fewer)."""
    square = Image.fromarray(thumb)
    out = []
    for name in names:
        op = DIHEDRAL[name]
        out.append((name, thumb if op is None else np.asarray(square.transpose(op))))
    return out


def inscribed_rotation(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate and keep the largest upright rectangle with no corner fill (how apps rotate)."""
    w, h = image.size
    rot = image.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True)
    a = math.radians(abs(degrees))
    sin, cos = math.sin(a), math.cos(a)
    long_side, short_side = max(w, h), min(w, h)
    if short_side <= 2 * sin * cos * long_side or abs(sin - cos) < 1e-10:
        x = 0.5 * short_side
        wr, hr = (x / sin, x / cos) if w >= h else (x / cos, x / sin)
    else:
        cos2 = cos * cos - sin * sin
        wr, hr = (w * cos - h * sin) / cos2, (h * cos - w * sin) / cos2
    cx, cy = rot.width / 2, rot.height / 2
    return rot.crop((int(cx - wr / 2), int(cy - hr / 2), int(cx + wr / 2), int(cy + hr / 2)))


def _corner(box: Box, share: float, corner: str) -> Box:
    x0, y0, x1, y1 = box
    cw, ch = round((x1 - x0) * share), round((y1 - y0) * share)
    left = x0 if "l" in corner else x1 - cw
    top = y0 if "t" in corner else y1 - ch
    return (left, top, left + cw, top + ch)


def _side_crops(full: Box, step: float) -> dict[str, Box]:
    """Crops trimming 0 or ``step`` from each side: a trimmed border is within half a step."""
    x0, y0, x1, y1 = full
    w, h = x1 - x0, y1 - y0
    out: dict[str, Box] = {}
    for left in (0, 1):
        for right in (0, 1):
            for top in (0, 1):
                for bottom in (0, 1):
                    if left + right + top + bottom == 0:
                        continue
                    out[f"sides-{left}{right}{top}{bottom}"] = (
                        round(x0 + left * step * w), round(y0 + top * step * h),
                        round(x1 - right * step * w), round(y1 - bottom * step * h))
    return out


def _jittered_centre(full: Box, share: float, shift: float) -> dict[str, Box]:
    x0, y0, x1, y1 = centre_crop(full, share)
    w, h = full[2] - full[0], full[3] - full[1]
    out: dict[str, Box] = {}
    for i, dx in enumerate((-shift, 0.0, shift)):
        for j, dy in enumerate((-shift, 0.0, shift)):
            ox, oy = round(dx * w), round(dy * h)
            out[f"centre-{round(share * 100)}-{i}{j}"] = (x0 + ox, y0 + oy, x1 + ox, y1 + oy)
    return out


def colour_boxes(w: int, h: int) -> dict[str, Box]:
    """The boxes of the enrollment views named in colour.VIEWS (they get a colour layout)."""
    boxes: tuple[Box, ...] = ((0, 0, w, h), (0, round(h * ENROL_BANNER_CUT), w, h),
                              (0, 0, w, round(h * (1 - ENROL_BANNER_CUT))))
    return dict(zip(colour.VIEWS, boxes, strict=True))


def filtered(rgb: Image.Image, brightness: float, saturation: float) -> Image.Image:
    """``rgb`` brightened (a gain) and saturated (a blend away from its grey), clipped to
    the channels' range as any such filter is."""
    out = ImageEnhance.Brightness(rgb).enhance(brightness) if brightness != 1.0 else rgb
    return ImageEnhance.Color(out).enhance(saturation) if saturation != 1.0 else out


def enrollment_views(image: Image.Image, standalone: bool = False) -> list[View]:
    """Every view of one photo that gets hashed and stored: a catalog's, or with
    ``standalone`` a hash-only search's (module docstring)."""
    rgb = work_image(image)
    work = rgb.convert("L")  # as query_hashes: all three kinds hash luma
    w, h = work.size
    full: Box = (0, 0, w, h)
    turns = DIHEDRAL if standalone else ("id", "flip")
    views = [View(f"full-{name}", t) for name, t in dihedral(thumbnail(work), turns)]
    # No trimmed-content view: two products with the same silhouette, trimmed to their
    # bounding boxes, hash alike (the dev set's first false matches were all such pairs).
    boxes: dict[str, Box] = {}
    boxes["centre-80"] = centre_crop(full, 0.8)
    if standalone:
        boxes.update(_side_crops(full, ENROL_SIDE_STEP))
    boxes.update(_jittered_centre(full, 0.6, 0.03))
    for share in ENROL_CORNER_SHARES:
        for corner in ("tl", "tr", "bl", "br"):
            boxes[f"corner-{corner}-{round(share * 100)}"] = _corner(full, share, corner)
    for corner in ("tl", "tr", "bl", "br"):
        boxes[f"quad-{corner}"] = _corner(full, 0.5, corner)
    cuts = colour_boxes(w, h)
    boxes["cut-top"], boxes["cut-bottom"] = cuts["cut-top"], cuts["cut-bottom"]
    if not 0.9 <= w / h <= 1.1:
        side = min(w, h)
        boxes["square"] = ((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2)
    for name, box in boxes.items():
        views.append(View(name, thumbnail(work, box)))
    for name in ("centre-80", "square"):
        if name in boxes:
            views.append(View(name + "-flip", thumbnail(work, boxes[name])[:, ::-1].copy()))
    for deg in ENROL_ROTATIONS if standalone else ():
        views.append(View(f"rot{deg:+g}", thumbnail(inscribed_rotation(work, deg))))
    for name, brightness, saturation in ENROL_FILTERS:
        views.append(View(f"filter-{name}", thumbnail(filtered(rgb, brightness, saturation))))
    return views
