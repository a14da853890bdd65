"""Colour layout: an 8x8 grid of mean CIELAB colours, the evidence flat catalog photos lack.

A product on a plain or gradient background carries little luma structure: its PDQ quality
is below the information floor (the hash stage skips it, since flat crops of studio
backgrounds collide), and it has too few corners for many keypoint inliers. What it does
have is colour: a purple gradient with a green box is nothing like a blue one with a salmon
tube, and both survive recompression, resizing, blur and noise nearly unchanged.

The layout is deliberately weak evidence: it never accepts a match by itself (the seeds-0/1
dev splits hold wrong pairs of dark photos and of white-background products at small
distances). It only confirms a catalog image that the hash stage or the keypoint stage
already found with evidence too weak to accept alone (models/hashing/acceptance.py).

Distance: the Euclidean CIELAB difference of each of the 64 cells, the worst tenth of the
cells dropped (a sticker, emoji or text covers a few), averaged, and divided by the catalog
layout's own colour spread (mean distance of its cells from its mean colour), so dark or
low-contrast photos, whose cells all lie close together, need proportionally closer copies.

Stored as 192 bytes (L scaled to 0..255, a and b offset by 128), hex across boundaries.

A keypoint fit says where the catalog photo lies in the query, so the catalog's layout can
also be compared cell by cell with the query's colours there (``fitted_distance``), for a
grid cell, a collage tile, a screenshot's photo or a crop alike. Keypoints and the fit's
agreement see luma only: a product sold in several colourways, shot the same way, fits its
sibling with many inliers and agreeing gradients, and only the colour tells them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from models.hashing.local import warp_onto

GRID = 8
CELLS = GRID * GRID
LAYOUT_BYTES = CELLS * 3
KEEP_CELLS = round(CELLS * 0.9)  # the worst 10 % of cells may differ (overlays)
MIN_SPREAD = 1.0  # CIELAB units: a uniform catalog photo still divides by this
# Enrollment views and query regions that carry a layout: the whole photo and the banner
# cuts (views.enrollment_views), and the query's whole, trimmed, banner-cut and central
# boxes (regions.recover_regions). Crops, cells and rotations do not: a layout describes
# the composition of the whole photo.
VIEWS = ("full-id", "cut-top", "cut-bottom")
REGIONS = ("full", "trim", "cut-top", "cut-bottom", "centre-80")
# The fitted comparison: samples a cell side in the warped query, the share of a cell the
# query must cover, the fewest covered cells that make a distance (a 60 % corner crop covers
# ~20 of 64), and lightness weighed half against the two chroma axes (brightness and
# contrast edits move L, a colourway moves a and b).
FIT_SAMPLES = 4
FIT_MIN_COVER = 0.9
FIT_MIN_CELLS = 8
FIT_LIGHTNESS_WEIGHT = 0.5
_LAB_SCALE = np.array([255.0 / 100.0, 1.0, 1.0], dtype=np.float32)
_LAB_OFFSET = np.array([0.0, 128.0, 128.0], dtype=np.float32)


def layout(rgb: np.ndarray, box: tuple[int, int, int, int]) -> bytes:
    """Colour layout of ``box`` in an RGB uint8 array, as LAYOUT_BYTES bytes."""
    x0, y0, x1, y1 = box
    cells = cv2.resize(np.ascontiguousarray(rgb[y0:y1, x0:x1]), (GRID, GRID),
                       interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(cells.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2LAB)
    coded = np.clip(np.rint(lab.reshape(CELLS, 3) * _LAB_SCALE + _LAB_OFFSET), 0, 255)
    return coded.astype(np.uint8).tobytes()


def decode(layouts: Sequence[bytes] | np.ndarray) -> np.ndarray:
    """(n, LAYOUT_BYTES) bytes or uint8 rows -> (n, CELLS, 3) float32 CIELAB."""
    raw = layouts if isinstance(layouts, np.ndarray) else np.frombuffer(
        b"".join(layouts), dtype=np.uint8)
    cells = raw.reshape(-1, CELLS, 3).astype(np.float32)
    return (cells - _LAB_OFFSET) / _LAB_SCALE


def spread(catalog: np.ndarray) -> np.ndarray:
    """(n, CELLS, 3) CIELAB -> (n,) colour spread each distance is divided by."""
    centre = catalog.mean(axis=1, keepdims=True)
    return np.maximum(np.linalg.norm(catalog - centre, axis=-1).mean(axis=-1), MIN_SPREAD)


def distances(query: np.ndarray, catalog: np.ndarray) -> np.ndarray:
    """(q, CELLS, 3) query layouts x (c, CELLS, 3) catalog layouts -> (q, c) distances."""
    if len(query) == 0 or len(catalog) == 0:
        return np.zeros((len(query), len(catalog)), dtype=np.float32)
    cell = np.linalg.norm(query[:, None] - catalog[None], axis=-1)  # (q, c, CELLS)
    kept = np.partition(cell, KEEP_CELLS - 1, axis=-1)[..., :KEEP_CELLS]
    return (kept.mean(axis=-1) / spread(catalog)[None, :]).astype(np.float32)


def distance(query: Sequence[bytes], catalog: Sequence[bytes]) -> float:
    """Smallest distance between any query layout and any catalog layout (inf if none)."""
    if not query or not catalog:
        return float("inf")
    return float(distances(decode(query), decode(catalog)).min())


def fitted_distance(model: np.ndarray, frame: tuple[int, int], mirrored: bool,
                    query: np.ndarray, factor: float, catalog: np.ndarray) -> float:
    """Colour distance between a catalog layout and the query where a fit puts the photo.

    ``model``: the fit's 2x3 similarity from the catalog's keypoint frame (``frame``,
    width x height; the mirror image's frame when ``mirrored``) to the query's keypoint
    frame; ``query``: the query's RGB uint8 pixels, ``factor`` times that frame's size;
    ``catalog``: the photo's (CELLS, 3) CIELAB layout. Each layout cell covered by the
    query is compared with the query's mean colour over it; the worst tenth dropped, the
    mean divided by the layout's spread (as ``distances``). NaN when fewer than
    ``FIT_MIN_CELLS`` cells are covered: too little of the photo to say.
    """
    n = GRID * FIT_SAMPLES
    width, height = frame
    lin = np.asarray(model, dtype=np.float64).reshape(2, 3)
    cell_size = np.diag([width / n, height / n])
    a = factor * lin[:, :2] @ cell_size
    b = factor * (lin[:, :2] @ (0.5 * np.array([width / n, height / n])) + lin[:, 2])
    warped, inside = warp_onto(query, a, b, (n, n))
    cover = inside.reshape(GRID, FIT_SAMPLES, GRID, FIT_SAMPLES).mean(axis=(1, 3)).ravel()
    covered = cover >= FIT_MIN_COVER
    if covered.sum() < FIT_MIN_CELLS:
        return float("nan")
    cells = warped.astype(np.float32).reshape(GRID, FIT_SAMPLES, GRID, FIT_SAMPLES, 3)
    rgb = cells.mean(axis=(1, 3)) * (1.0 / 255.0)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).reshape(CELLS, 3)
    layout_cells = catalog.reshape(GRID, GRID, 3)
    if mirrored:
        layout_cells = layout_cells[:, ::-1]
    diff = (lab - layout_cells.reshape(CELLS, 3))[covered]
    diff[:, 0] *= FIT_LIGHTNESS_WEIGHT
    cell = np.sort(np.linalg.norm(diff, axis=1))
    kept = cell[:max(1, round(len(cell) * KEEP_CELLS / CELLS))]
    return float(kept.mean() / spread(catalog[None])[0])
