"""Query-side recovery of the photo a repost embeds.

Works on a small greyscale copy of the query (the caller decodes at reduced size) and
returns named boxes in that image's pixel coordinates:

* ``full`` and ``trim`` (uniform borders, padding and letterboxing removed);
* ``grid-r{row}c{col}`` cells of a detected grid or collage, split recursively along
  straight full-length seams (a gutter of uniform colour, or an edge that runs the whole
  height or width of the box, which photos themselves rarely have);
* ``photo`` the tallest block of picture rows inside an app screenshot (rows where most
  pixels differ from the app's background colour), and its trimmed content;
* ``centre-<pct>`` crops, for borders and overlays the other regions keep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]

_FLAT_STD = 6.0  # grey levels: a row/column this uniform is border or gutter, not photo
_MIN_CELL = 0.12  # a split never leaves a part thinner than this share of its box
_MAX_GUTTER = 0.04  # a gutter is at most this share of the box wide
_FREE_SEAM = 0.85  # seam score for an unconstrained (collage) split
_GRID_MIN_SEAM = 0.3  # every expected seam of a regular grid must reach this score ...
_GRID_MEAN_SEAM = 0.55  # ... and the seams together this mean


@dataclass(frozen=True)
class Region:
    name: str
    box: Box

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, end) runs of True."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _share(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.mean(axis)`` of a boolean mask, without converting it to floats first."""
    return np.count_nonzero(mask, axis=axis) / mask.shape[axis]


def trim_box(gray: np.ndarray, box: Box, tol: float = 10.0) -> Box:
    """Shrink ``box`` past rows/columns that are flat and the colour of the box's edge."""
    x0, y0, x1, y1 = box
    sub = gray[y0:y1, x0:x1]
    if sub.size == 0:
        return box
    corners = np.array([sub[0, 0], sub[0, -1], sub[-1, 0], sub[-1, -1]], dtype=np.float32)
    ref = float(np.median(corners))
    off = np.abs(sub - ref) > tol
    rows = np.flatnonzero(_share(off, 1) > 0.02)
    cols = np.flatnonzero(_share(off, 0) > 0.02)
    if rows.size == 0 or cols.size == 0:
        return box
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1,
            y0 + int(rows[-1]) + 1)


def seam_profile(gray: np.ndarray, axis: int) -> np.ndarray:
    """Per position along ``axis``, how much a straight line there looks like a seam, in [0, 1].

    A flat line (gutter) scores 1; otherwise the share of the perpendicular lines on which
    the step across this position clearly beats the steps a few pixels either side. Object
    edges inside a photo win on part of the lines only; the border between two photos
    wins on nearly all of them.
    """
    g = gray if axis == 1 else gray.T
    n = g.shape[1]
    score = np.zeros(n, dtype=np.float32)
    if n < 12:
        return score
    step = np.abs(g[:, 2:] - g[:, :-2])  # step[:, i] straddles the line between i and i+2
    # Steps 3 positions either side; the 3 positions at each end have no such neighbours.
    side = np.maximum(step[:, :-6], step[:, 6:])
    wins = np.zeros(step.shape[1], dtype=np.float32)
    wins[3:-3] = _share(step[:, 3:-3] > 2.0 * side + 6.0, 0)
    score[1:-1] = wins
    flat = g.std(axis=0) < _FLAT_STD
    for a, b in _runs(flat):
        # Narrow flat runs with picture on both sides are gutters; wide ones are backgrounds.
        if a > 0 and b < n and (b - a) <= _MAX_GUTTER * n:
            score[a:b] = 1.0
    return score


def _spans(score: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    n = score.size
    lo, hi = _MIN_CELL * n, (1 - _MIN_CELL) * n
    return [(a, b) for a, b in _runs(score >= threshold) if lo <= a and b <= hi]


def _cuts(spans: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Parts between seam spans; a one-pixel edge seam splits at its centre."""
    parts, start = [], 0
    for a, b in spans:
        if b - a <= 2:
            a = b = (a + b) // 2 + 1
        parts.append((start, a))
        start = b
    parts.append((start, n))
    return [p for p in parts if p[1] - p[0] >= 8]


def _regular_grid(gray: np.ndarray, box: Box) -> list[Box]:
    """Best n x n grid hypothesis (n = 2, 3) supported by seams at the expected places."""
    x0, y0, x1, y1 = box
    sub = gray[y0:y1, x0:x1]
    h, w = sub.shape
    if not 0.8 <= w / max(h, 1) <= 1.25:
        return []
    cols, rows = seam_profile(sub, 1), seam_profile(sub, 0)
    best: tuple[float, list[Box]] = (0.0, [])
    for n in (3, 2):
        found: list[list[int]] = []
        support: list[float] = []
        for prof, size in ((cols, w), (rows, h)):
            tol = max(2, int(0.02 * size))
            pos = []
            for k in range(1, n):
                c = round(k * size / n)
                window = prof[max(0, c - tol):c + tol + 1]
                pos.append(max(0, c - tol) + int(np.argmax(window)))
                support.append(float(window.max()))
            found.append(pos)
        score = float(np.mean(support))
        if min(support) >= _GRID_MIN_SEAM and score >= _GRID_MEAN_SEAM and score > best[0]:
            xs, ys = [0, *found[0], w], [0, *found[1], h]
            best = (score, [(x0 + xs[i], y0 + ys[j], x0 + xs[i + 1], y0 + ys[j + 1])
                            for j in range(n) for i in range(n)])
    return best[1]


def _split(gray: np.ndarray, box: Box, depth: int, out: list[Box]) -> None:
    x0, y0, x1, y1 = box
    sub = gray[y0:y1, x0:x1]
    if depth > 0:
        for axis in (1, 0):
            spans = _spans(seam_profile(sub, axis), _FREE_SEAM)
            parts = _cuts(spans, sub.shape[1 if axis == 1 else 0]) if spans else []
            if len(parts) < 2:
                continue
            for a, b in parts:
                child = (x0 + a, y0, x0 + b, y1) if axis == 1 else (x0, y0 + a, x1, y0 + b)
                _split(gray, child, depth - 1, out)
            return
    out.append(box)


def grid_cells(gray: np.ndarray, box: Box, max_depth: int = 2) -> list[Box]:
    """Cells of a grid or guillotine collage inside ``box``; [] when it is one picture."""
    regular = _regular_grid(gray, box)
    if regular:
        return regular
    cells: list[Box] = []
    _split(gray, box, max_depth, cells)
    return cells if len(cells) > 1 else []


def photo_block(gray: np.ndarray, min_share: float = 0.18) -> Box | None:
    """The tallest run of picture rows in a screenshot-like image, or None.

    App chrome is flat background with short text runs; a photo row has most of its pixels
    away from the background colour, or real texture across the row.
    """
    h = gray.shape[0]
    bg = float(np.median(np.concatenate((gray[:, 0], gray[:, -1], gray[0, :], gray[-1, :]))))
    away = _share(np.abs(gray - bg) > 12, 1)
    textured = np.abs(np.diff(gray, axis=1)).mean(axis=1) > 6
    picture = (away > 0.5) | (textured & (away > 0.3))
    # Close one-row gaps: a photo's own flat rows (a white product background) must not cut it.
    smooth = np.convolve(picture.astype(np.float32), np.ones(5) / 5, mode="same") > 0.4
    runs = [(a, b) for a, b in _runs(smooth) if b - a >= min_share * h]
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    if (b - a) > 0.92 * h:
        return None
    cols = np.flatnonzero(_share(np.abs(gray[a:b] - bg) > 12, 0) > 0.1)
    if cols.size == 0:
        return None
    return (int(cols[0]), int(a), int(cols[-1]) + 1, int(b))


def centre_crop(box: Box, share: float) -> Box:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * (1 - share) / 2, (y1 - y0) * (1 - share) / 2
    return (round(x0 + dx), round(y0 + dy), round(x1 - dx), round(y1 - dy))


def _big_enough(box: Box, min_side: int) -> bool:
    return box[2] - box[0] >= min_side and box[3] - box[1] >= min_side


def recover_regions(gray: np.ndarray, min_side: int = 24,
                    centre_shares: tuple[float, ...] = (0.8,), quadrants: bool = True,
                    banner_cut: float = 0.15) -> list[Region]:
    """All named regions worth hashing for one query image, deduplicated."""
    g = gray.astype(np.float32, copy=False)
    h, w = g.shape
    full: Box = (0, 0, w, h)
    found: list[Region] = [Region("full", full)]
    trimmed = trim_box(g, full)
    found.append(Region("trim", trimmed))
    for i, cell in enumerate(grid_cells(g, trimmed)):
        found.append(Region(f"cell-{i}", cell))
        found.append(Region(f"cell-{i}-trim", trim_box(g, cell)))
    block = photo_block(g)
    if block is not None:
        found.append(Region("photo", block))
        found.append(Region("photo-trim", trim_box(g, block)))
    if quadrants:
        x0, y0, x1, y1 = trimmed
        mx, my = (x0 + x1) // 2, (y0 + y1) // 2
        found += [Region("quad-tl", (x0, y0, mx, my)), Region("quad-tr", (mx, y0, x1, my)),
                  Region("quad-bl", (x0, my, mx, y1)), Region("quad-br", (mx, my, x1, y1))]
        cut = round((y1 - y0) * banner_cut)
        found += [Region("cut-top", (x0, y0 + cut, x1, y1)),
                  Region("cut-bottom", (x0, y0, x1, y1 - cut))]
    for share in centre_shares:
        found.append(Region(f"centre-{round(share * 100)}", centre_crop(trimmed, share)))
    seen: set[Box] = set()
    out: list[Region] = []
    for r in found:
        if r.box in seen or not _big_enough(r.box, min_side):
            continue
        seen.add(r.box)
        out.append(r)
    return out
