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

A desktop web page shows a photo pillarboxed in its feed column, among other blocks, and
no recovered region frames it: the picture between two black bars of one extent is taken
as well (``boxed_pictures``).

Used by seller networks only, for a photo that joins a group other posts already hold while
the group is small enough to be specific evidence (service/networks/recording.py): that is
when a photo could link sellers, so the lookup (about as much again as the hash stage,
benchmarks/bench_network_content.py) is not paid for the photos only one seller posts. When
a group is first shared, the picture its screenshot shows (``screen_pictures``) is stored
with it. The catalog's hash stage keeps its calibrated regions; doing this there would
change the evidence its acceptance model was fitted on.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image

from models.hashing.detail import information_gain
from models.hashing.kinds import thumbnail
from models.hashing.matcher import HashSet, hash_sets
from models.hashing.regions import Box, photo_block, recover_regions, trim_box
from models.hashing.views import work_image

BAND_TOLERANCE = 12.0  # grey levels from the band's own median: flat, as JPEG leaves it
BAND_SHARE = 0.98  # of a line's pixels within that: a band line (a photo edge is not)
MIN_CONTENT_SIDE = 24  # the hash stage's smallest region side (recover_regions' min_side)
CHUNK = 16  # lines tested at once once a side has a band (most sides have none)
CELL = "cell-"
# The regions that can frame a picture in bands: the whole image, its trim, the photo block
# and grid cells. Quadrants, banner cuts and centre crops are cut from the trim: when the
# trim has bands, they carry a part of them and a part of the picture.
FRAMES = ("full", "trim", "photo", "photo-trim", CELL)
BOXED = "boxed-content"  # a picture between two black bars (``boxed_pictures``)
DARK_BAR = 40.0  # grey level at most: a viewer's black bar as JPEG leaves it
BAR_MIN_SHARE = 0.15  # of the image's height (pillarbox) or width (letterbox), at least
BAR_MIN_WIDTH = 3  # columns (pillarbox) or rows: thinner dark runs are lines and edges
# A screenshot's picture, stored with its group when the group is first shared: at most this
# share of the image, with at least SCREEN_MIN_INK of the rest on sharp edges (INK_STEP grey
# levels between neighbours: text, icons).
SCREEN_PICTURE_SHARE = 0.6
SCREEN_MIN_INK = 0.01
INK_STEP = 48.0


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


def _bars(dark: np.ndarray, min_run: int) -> dict[tuple[int, int], list[int]]:
    """Columns of ``dark`` holding a run of at least ``min_run`` dark pixels, by the run's
    (first row, end row)."""
    padded = np.zeros((dark.shape[0] + 2, dark.shape[1]), dtype=np.int8)
    padded[1:-1] = dark
    step = np.diff(padded, axis=0)
    starts, ends = np.nonzero(step == 1), np.nonzero(step == -1)
    # nonzero walks rows first: sort each by column to pair a column's starts and ends
    s_order, e_order = np.lexsort((starts[0], starts[1])), np.lexsort((ends[0], ends[1]))
    rows0, cols = starts[0][s_order], starts[1][s_order]
    rows1 = ends[0][e_order]
    out: dict[tuple[int, int], list[int]] = {}
    for y0, y1, x in zip(rows0.tolist(), rows1.tolist(), cols.tolist(), strict=True):
        if y1 - y0 >= min_run:
            out.setdefault((y0, y1), []).append(x)
    return out


def _segments(columns: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for x in sorted(columns):
        if out and x == out[-1][1]:
            out[-1] = (out[-1][0], x + 1)
        else:
            out.append((x, x + 1))
    return out


def boxed_pictures(gray: np.ndarray) -> list[Box]:
    """Pictures shown between two black bars of one height (pillarbox) or one width
    (letterbox), wherever they sit on the page: a web page's feed column shows a photo
    pillarboxed among other blocks, which no region of the hash stage frames."""
    found: list[Box] = []
    for flip in (False, True):
        g = gray.T if flip else gray
        dark = g <= DARK_BAR
        for (y0, y1), columns in _bars(dark, max(MIN_CONTENT_SIDE,
                                                  int(g.shape[0] * BAR_MIN_SHARE))).items():
            bars = [b for b in _segments(columns) if b[1] - b[0] >= BAR_MIN_WIDTH]
            for left, right in itertools.pairwise(bars):
                x0, x1 = left[1], right[0]
                if x1 - x0 >= MIN_CONTENT_SIDE and not dark[y0:y1, x0:x1].all(axis=0).any():
                    found.append((y0, x0, y1, x1) if flip else (x0, y0, x1, y1))
    return found


def content_regions(image: Image.Image) -> list[HashSet]:
    """The hash stage's regions of ``image`` whose sides had flat bands, with the bands cut,
    and the pictures boxed between black bars, hashed (the untrimmed regions are what the
    hash stage already gave)."""
    work = work_image(image).convert("L")
    gray = np.asarray(work, dtype=np.float32)
    boxes: dict[Box, str] = {}
    for region in recover_regions(gray):
        if not region.name.startswith(FRAMES):
            continue
        box = trim_sides(gray, region.box)
        if box != region.box and box not in boxes:
            boxes[box] = f"{region.name}-content"
    for box in boxed_pictures(gray):
        boxes.setdefault(box, BOXED)
    return _hashed(work, boxes)


def _hashed(work: Image.Image, boxes: dict[Box, str]) -> list[HashSet]:
    """Each named box of ``work`` hashed like a query region."""
    if not boxes:
        return []
    return hash_sets(list(boxes.values()), [thumbnail(work, b) for b in boxes],
                     gain=information_gain(work))


def _area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def _page_ink(gray: np.ndarray, box: Box) -> float:
    """Share of the pixels outside ``box`` on a sharp edge (text, icons, block borders): a
    page's chrome has them, a product shot's background (smooth light, sensor noise) has
    almost none."""
    x0, y0, x1, y1 = box
    sharp = np.zeros(gray.shape, dtype=bool)
    sharp[:, 1:] = np.abs(np.diff(gray, axis=1)) > INK_STEP
    sharp[y0:y1, x0:x1] = False
    outside = gray.size - _area(box)
    return float(sharp.sum()) / outside if outside > 0 else 0.0


def screen_pictures(image: Image.Image) -> list[HashSet]:
    """The picture a screenshot shows (its photo block, with and without its bands, and any
    picture between black bars), hashed; empty when the image is not a page around a
    picture: the picture covers most of it, or what is around it has no chrome (a product
    shot on a plain background has a photo block too, the product itself, and two
    look-alike products' blocks are alike)."""
    work = work_image(image).convert("L")
    gray = np.asarray(work, dtype=np.float32)
    candidates: list[tuple[str, Box]] = [(BOXED, b) for b in boxed_pictures(gray)]
    block = photo_block(gray)
    if block is not None:
        candidates += [("photo", block), ("photo-trim", trim_box(gray, block)),
                       ("photo-content", trim_sides(gray, block))]
    page = _area((0, 0, gray.shape[1], gray.shape[0]))
    boxes: dict[Box, str] = {}
    for name, box in candidates:
        if box not in boxes and min(box[2] - box[0], box[3] - box[1]) >= MIN_CONTENT_SIDE \
                and _area(box) <= SCREEN_PICTURE_SHARE * page \
                and _page_ink(gray, box) >= SCREEN_MIN_INK:
            boxes[box] = name
    return _hashed(work, boxes)
