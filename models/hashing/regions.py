"""Query-side recovery of the photo a repost embeds.

Works on a small greyscale copy of the query (the caller decodes at reduced size) and
returns named boxes in that image's pixel coordinates:

* ``full`` and ``trim`` (uniform borders, padding and letterboxing removed);
* ``cell-{i}`` cells of a detected grid or collage (and each one's ``cell-{i}-trim``), split
  recursively along straight full-length seams (a gutter of uniform colour, or an edge that
  runs the whole height or width of the box, which photos themselves rarely have);
* ``photo`` the tallest block of picture rows inside an app screenshot (rows where most
  pixels differ from the app's background colour), and its trimmed content ``photo-trim``;
* ``quad-*`` quarters and ``cut-top``/``cut-bottom`` (a banner cut off) of the trimmed box;
* ``centre-<pct>`` crops, for borders and overlays the other regions keep.

This runs once per query on the request path: the checks run on exact 8-bit levels where
the image holds them (models/hashing/levels.py), bit for bit as the float32 arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.hashing.levels import (
    Box,
    Pixels,
    away_from,
    corner_colour,
    flat_lines,
    median_of,
    pixels_of,
    share_of,
)

_MIN_CELL = 0.12  # a split never leaves a part thinner than this share of its box
_MAX_GUTTER = 0.04  # a gutter is at most this share of the box wide
_FREE_SEAM = 0.85  # seam score for an unconstrained (collage) split
_GRID_MIN_SEAM = 0.3  # every expected seam of a regular grid must reach this score ...
_GRID_MEAN_SEAM = 0.55  # ... and the seams together this mean

_FIVE = np.ones(5) / 5  # a five-row moving average


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
    if not mask.size:
        return []
    edges = ((mask[1:] != mask[:-1]).nonzero()[0] + 1).tolist()
    if mask[0]:
        edges.insert(0, 0)
    if mask[-1]:
        edges.append(mask.size)
    return list(zip(edges[::2], edges[1::2], strict=True))


def trim_box(gray: np.ndarray, box: Box, tol: float = 10.0) -> Box:
    """Shrink ``box`` past rows/columns that are flat and the colour of the box's edge."""
    x0, y0, x1, y1 = box
    sub = gray[y0:y1, x0:x1]
    if sub.size == 0:
        return box
    off = away_from(sub, corner_colour(sub), tol)
    rows = (share_of(off, 1) > 0.02).nonzero()[0]
    cols = (share_of(off, 0) > 0.02).nonzero()[0]
    if rows.size == 0 or cols.size == 0:
        return box
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1,
            y0 + int(rows[-1]) + 1)


def _step_wins(pixels: np.ndarray, axis: int) -> np.ndarray:
    """Per position along ``axis`` of C-contiguous ``pixels`` but the 4 at each end, and per
    perpendicular line: does the step across the position clearly beat the steps 3
    positions either side? In image orientation, the end positions cut off.

    Works on the flattened pixels, shifting by one pixel (positions are columns) or by one
    row (positions are rows): long contiguous runs for numpy, and the steps that straddle
    the end of a row are never read.
    """
    h, w = pixels.shape
    s = 1 if axis == 1 else w
    flat = pixels.ravel()
    step = flat[2 * s:] - flat[:-2 * s]  # step[k] straddles the line between k and k + 2s
    np.abs(step, out=step)
    side = np.maximum(step[:-6 * s], step[6 * s:])
    side *= 2  # in place, the same values as 2.0 * side + 6.0
    side += 6
    wins = np.empty(h * w, dtype=bool)
    np.greater(step[3 * s:-3 * s], side, out=wins[:side.size])
    wins = wins.reshape(h, w)  # [i, j]: across column j + 4 on row i, or row i + 4 on column j
    return wins[:, :-8] if axis == 1 else wins[:-8]


@dataclass(frozen=True)
class _Seams:
    """Seam evidence along one axis of one box; ``score`` is its seam profile."""

    score: np.ndarray
    wins: np.ndarray  # per position, the share of lines its step wins on (0 at the ends)
    lines: np.ndarray | None  # _step_wins of the box; None where it is too short for steps
    flat: np.ndarray  # per position, whether its line is flat ...
    exact: bool  # ... settled by exact sums alone


def _seams(wins: np.ndarray, lines: np.ndarray, flat: np.ndarray, exact: bool) -> _Seams:
    n = wins.size
    score = wins.copy()
    for a, b in _runs(flat):
        # Narrow flat runs with picture on both sides are gutters; wide ones are backgrounds.
        if a > 0 and b < n and (b - a) <= _MAX_GUTTER * n:
            score[a:b] = 1.0
    return _Seams(score, wins, lines, flat, exact)


def _wins(lines: np.ndarray, axis: int, n: int) -> np.ndarray:
    """The share of lines each of ``n`` positions wins on, from its _step_wins ``lines``."""
    wins = np.zeros(n, dtype=np.float32)
    wins[4:-4] = share_of(lines, 0 if axis == 1 else 1)
    return wins


def _measure(pixels: Pixels, box: Box, axis: int) -> _Seams:
    """Seams of ``box`` along ``axis``; its ``score`` says per position how much a straight
    line there looks like a seam, in [0, 1].

    A flat line (gutter) scores 1; otherwise the share of the perpendicular lines on which
    the step across this position clearly beats the steps a few pixels either side. Object
    edges inside a photo win on part of the lines only; the border between two photos
    wins on nearly all of them.
    """
    x0, y0, x1, y1 = box
    sub = pixels.px[y0:y1, x0:x1]
    n = sub.shape[axis]
    if n < 12:
        none = np.zeros(n, dtype=np.float32)
        return _Seams(none, none, None, none, False)
    # Steps need signs and room: 8-bit levels go to int16 (C order, as _step_wins needs).
    steps = sub.astype(np.int16, order="C") if sub.dtype == np.uint8 else np.ascontiguousarray(sub)
    lines = _step_wins(steps, axis)
    return _seams(_wins(lines, axis, n), lines, *flat_lines(pixels, box, axis))


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


_Cache = dict[tuple[Box, int], _Seams]
_Parent = tuple[Box, int] | None  # the box a part was split from, and along which axis


def _part_seams(pixels: Pixels, box: Box, axis: int, parent: tuple[Box, int],
                cache: _Cache) -> _Seams | None:
    """Seams of a part of a split box, from the whole box's where those were measured.

    A part keeps the whole box's lines across the split axis, so along that axis its step
    wins (away from its ends) and exactly settled flat lines are the whole's; along the
    other axis it keeps the positions but only some of the lines.
    """
    whole_box, split = parent
    whole = cache.get((whole_box, axis))
    a = box[0] - whole_box[0] if split == 1 else box[1] - whole_box[1]
    b = box[2] - whole_box[0] if split == 1 else box[3] - whole_box[1]
    if whole is None or whole.lines is None or (axis == split and b - a < 12):
        return None
    if axis != split:
        lines = whole.lines[:, a:b] if split == 1 else whole.lines[a:b]
        return _seams(_wins(lines, axis, whole.wins.size), lines, *flat_lines(pixels, box, axis))
    wins = whole.wins[a:b].copy()
    wins[:4] = wins[-4:] = 0.0  # the part's own ends: no steps either side
    lines = whole.lines[:, a:b - 8] if split == 1 else whole.lines[a:b - 8]
    flat, exact = (whole.flat[a:b], True) if whole.exact else flat_lines(pixels, box, axis)
    return _seams(wins, lines, flat, exact)


def _profile(pixels: Pixels, box: Box, axis: int, cache: _Cache,
             parent: _Parent = None) -> np.ndarray:
    """Seam profile of ``box``, once per box and axis: the grid test and the split share it,
    and the parts of a split reuse the whole box's evidence."""
    if (box, axis) not in cache:
        seams = _part_seams(pixels, box, axis, parent, cache) if parent else None
        cache[box, axis] = seams if seams is not None else _measure(pixels, box, axis)
    return cache[box, axis].score


def _regular_grid(pixels: Pixels, box: Box, cache: _Cache) -> list[Box]:
    """Best n x n grid hypothesis (n = 2, 3) supported by seams at the expected places."""
    x0, y0, x1, y1 = box
    h, w = pixels.px[y0:y1, x0:x1].shape
    if not 0.8 <= w / max(h, 1) <= 1.25:
        return []
    cols, rows = _profile(pixels, box, 1, cache), _profile(pixels, box, 0, cache)
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
                top = int(window.argmax())
                pos.append(max(0, c - tol) + top)
                support.append(float(window[top]))
            found.append(pos)
        score = float(np.add.reduce(support)) / len(support)  # np.mean's sum, less wrapping
        if min(support) >= _GRID_MIN_SEAM and score >= _GRID_MEAN_SEAM and score > best[0]:
            xs, ys = [0, *found[0], w], [0, *found[1], h]
            best = (score, [(x0 + xs[i], y0 + ys[j], x0 + xs[i + 1], y0 + ys[j + 1])
                            for j in range(n) for i in range(n)])
    return best[1]


def _split(pixels: Pixels, box: Box, depth: int, out: list[Box], cache: _Cache,
           parent: _Parent) -> None:
    x0, y0, x1, y1 = box
    sub = pixels.px[y0:y1, x0:x1]
    if depth > 0:
        for axis in (1, 0):
            spans = _spans(_profile(pixels, box, axis, cache, parent), _FREE_SEAM)
            parts = _cuts(spans, sub.shape[1 if axis == 1 else 0]) if spans else []
            if len(parts) < 2:
                continue
            # Parts reuse this box's evidence; a negative start would slice elsewhere.
            part_of = (box, axis) if x0 >= 0 and y0 >= 0 else None
            for a, b in parts:
                child = (x0 + a, y0, x0 + b, y1) if axis == 1 else (x0, y0 + a, x1, y0 + b)
                _split(pixels, child, depth - 1, out, cache, part_of)
            return
    out.append(box)


def grid_cells(gray: np.ndarray, box: Box, max_depth: int = 2) -> list[Box]:
    """Cells of a grid or guillotine collage inside ``box``; [] when it is one picture."""
    return _grid_cells(pixels_of(gray), box, max_depth)


def _grid_cells(pixels: Pixels, box: Box, max_depth: int = 2) -> list[Box]:
    cache: _Cache = {}
    regular = _regular_grid(pixels, box, cache)
    if regular:
        return regular
    cells: list[Box] = []
    _split(pixels, box, max_depth, cells, cache, None)
    return cells if len(cells) > 1 else []


def _textured(gray: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the given rows, whether the mean absolute step between neighbouring pixels exceeds 6."""
    if gray.dtype != np.uint8:
        return (np.abs(np.diff(gray, axis=1)).mean(axis=1) > 6)[rows]
    steps = np.diff(gray[rows].astype(np.int16), axis=1)
    np.abs(steps, out=steps)
    # float32 sums these integers exactly and a mean above 6 is at least 1/count above it.
    return np.add.reduce(steps, axis=1, dtype=np.int32) > 6 * steps.shape[1]


def photo_block(gray: np.ndarray, min_share: float = 0.18) -> Box | None:
    """The tallest run of picture rows in a screenshot-like image, or None.

    App chrome is flat background with short text runs; a photo row has most of its pixels
    away from the background colour, or real texture across the row.
    """
    h = gray.shape[0]
    bg = median_of(np.concatenate((gray[:, 0], gray[:, -1], gray[0, :], gray[-1, :])))
    off = away_from(gray, bg, 12)
    away = share_of(off, 1)
    picture = away > 0.5
    # Texture only decides rows between the two shares: test just those.
    undecided = ((away > 0.3) & ~picture).nonzero()[0]
    if undecided.size:
        picture[undecided] = _textured(gray, undecided)
    # Close one-row gaps: a photo's own flat rows (a white product background) must not cut it.
    smooth = np.convolve(picture.astype(np.float32), _FIVE, mode="same") > 0.4
    runs = [(a, b) for a, b in _runs(smooth) if b - a >= min_share * h]
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    if (b - a) > 0.92 * h:
        return None
    cols = (share_of(off[a:b], 0) > 0.1).nonzero()[0]
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
    pixels = pixels_of(gray.astype(np.float32, copy=False))
    g = pixels.px
    h, w = g.shape
    full: Box = (0, 0, w, h)
    found: list[Region] = [Region("full", full)]
    trimmed = trim_box(g, full)
    found.append(Region("trim", trimmed))
    for i, cell in enumerate(_grid_cells(pixels, trimmed)):
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
