"""Local-feature verification: ORB keypoints, descriptor kNN, RANSAC similarity fit.

Hashes summarise a whole region, so they fail when the catalog photo is only a part of the
query (a 3x3 grid cell, an irregular collage tile, the photo inside an app screenshot) or
when the query is only a part of the photo (60 % centre or corner crops), and they degrade
under stickers and banners. Local features survive all of these: a few dozen keypoints of
the catalog photo, found again in the query and consistent with one rotation + scale +
translation, are strong evidence that the query contains (part of) that photo, and the fit
says where.

Catalog side: ORB keypoints of the photo and of its mirror image (ORB descriptors are not
mirror-invariant), spread over the frame by keeping the strongest ones per grid cell.
Query side: keypoints over the whole image at a resolution where a grid cell still holds
enough of them. Every query descriptor is matched against all catalog descriptors (exact
Hamming kNN, faiss binary flat); a match survives Lowe's ratio test against the nearest
descriptor of a *different* catalog image, so shared generic corners (text strokes, bottle
shoulders) do not count. Each catalog image with enough survivors gets a RANSAC fit of a
partial affine (similarity) transform; its inlier count, counted over distinct keypoints
on both sides, is the main evidence the acceptance model reads. A photometric check
follows (``agreement``, another of its features): the stored catalog thumbnail against the
query warped by the fit, cell by cell on gradients, because keypoints can agree on one
shared detail (the same brand word on two products) while the rest of the photo does not.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from models.thresholds import (
    LOCAL_CATALOG_FEATURES,
    LOCAL_CATALOG_SIDE,
    LOCAL_MAX_DESCRIPTOR_DISTANCE,
    LOCAL_MIN_CANDIDATE_MATCHES,
    LOCAL_MIN_OVERLAP,
    LOCAL_QUERY_FEATURES,
    LOCAL_QUERY_MAX_SIDE,
    LOCAL_QUERY_MIN_SIDE,
    LOCAL_RANSAC_PIXELS,
    LOCAL_RATIO,
)

DESCRIPTOR_BYTES = 32
_HEADER = struct.Struct("<4sHHIHH")  # magic, width, height, keypoints, thumbnail h, w
_MAGIC = b"ORB2"
THUMB_SIDE = 96  # catalog thumbnail the photometric check compares against
AGREEMENT_CELLS = 4  # the photometric check's grid on the thumbnail (24 px cells)
# The context's grid (12 px cells): on the 4x4 grid one brand word often holds an inlier in
# every cell a crop covers, leaving no cell to measure the rest of the photo by
# (reports/matching/SCALE.md).
CONTEXT_CELLS = 8
KNN_NEIGHBOURS = 4  # kNN depth searched for the nearest descriptor of another image
# ORB finds nothing within its edge threshold (31 px) of a border, and its image pyramid
# asserts on a level that rounds to zero rows: a frame whose short side is under this has
# no keypoints and is not handed to OpenCV at all (a 20000x16 strip is 1024x1 here).
ORB_MIN_SIDE = 63


@dataclass(frozen=True)
class LocalFeatures:
    """Keypoints of one image in a ``width`` x ``height`` frame (catalog: both mirrors)."""

    width: int
    height: int
    points: np.ndarray  # (n, 2) float32, in the frame's pixels
    descriptors: np.ndarray  # (n, 32) uint8 ORB descriptors
    mirrored: np.ndarray  # (n,) bool: found on the mirror image (points in its frame)
    pixels: np.ndarray  # uint8 gray: catalog, a THUMB_SIDE thumbnail; query, the full frame

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def to_bytes(self) -> bytes:
        n = len(self)
        th, tw = self.pixels.shape
        return b"".join((_HEADER.pack(_MAGIC, self.width, self.height, n, th, tw),
                         self.points.astype("<f4").tobytes(),
                         self.descriptors.astype(np.uint8).tobytes(),
                         np.packbits(self.mirrored.astype(bool)).tobytes(),
                         self.pixels.astype(np.uint8).tobytes()))

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalFeatures:
        magic, width, height, n, th, tw = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a local-feature blob")
        at = _HEADER.size
        points = np.frombuffer(data, "<f4", 2 * n, at).reshape(n, 2).astype(np.float32)
        at += 8 * n
        desc = np.frombuffer(data, np.uint8, DESCRIPTOR_BYTES * n, at).reshape(
            n, DESCRIPTOR_BYTES).copy()
        at += DESCRIPTOR_BYTES * n
        mirrored = np.unpackbits(np.frombuffer(data, np.uint8, (n + 7) // 8, at))[:n]
        at += (n + 7) // 8
        pixels = np.frombuffer(data, np.uint8, th * tw, at).reshape(th, tw).copy()
        return cls(width, height, points, desc, mirrored.astype(bool), pixels)


@dataclass(frozen=True)
class Verified:
    """A geometrically verified catalog image: inlier count and where it lies in the query."""

    image_id: int
    inliers: int
    agreement: float  # photometric agreement of the fit, 0..1 (see ``agreement``)
    mirrored: bool
    box: tuple[int, int, int, int]  # catalog frame mapped into query pixels (clipped)
    spread: float = 1.0  # share of the catalog frame inside the inliers' convex hull
    context: float = 1.0  # agreement away from the inliers (see ``agreement``)
    # The fit itself, row-major 2x3, from the catalog's keypoint frame (``frame``: width,
    # height; its mirror image's when ``mirrored``) to the query's: colour.fitted_distance.
    model: tuple[float, ...] = ()
    frame: tuple[int, int] = (0, 0)


def _gray(image: Image.Image, side: int) -> tuple[np.ndarray, float]:
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX
    gray = image.convert("L").resize(size, resample)
    return np.asarray(gray, dtype=np.uint8), scale


def _spread(keypoints: list[cv2.KeyPoint], shape: tuple[int, int], cells: int,
            budget: int) -> list[cv2.KeyPoint]:
    """Strongest keypoints per grid cell: one busy texture must not take the whole budget."""
    if len(keypoints) <= budget:
        return keypoints
    h, w = shape
    xy = np.array([k.pt for k in keypoints], dtype=np.float32)
    response = np.array([k.response for k in keypoints], dtype=np.float32)
    cell = (np.minimum(xy[:, 1] * cells // h, cells - 1) * cells
            + np.minimum(xy[:, 0] * cells // w, cells - 1)).astype(np.int64)
    order = np.lexsort((-response, cell))
    sorted_cell = cell[order]
    first = np.searchsorted(sorted_cell, sorted_cell, side="left")
    rank = np.arange(order.size) - first
    per_cell = max(1, budget // (cells * cells))
    keep = order[rank < per_cell]
    if keep.size < budget:  # cells with few keypoints leave budget for the busiest ones
        rest = order[rank >= per_cell]
        rest = rest[np.argsort(-response[rest], kind="stable")][: budget - keep.size]
        keep = np.concatenate([keep, rest])
    return [keypoints[i] for i in keep]


def _orb(gray: np.ndarray, budget: int, cells: int) -> tuple[np.ndarray, np.ndarray]:
    none = np.zeros((0, 2), np.float32), np.zeros((0, DESCRIPTOR_BYTES), np.uint8)
    if min(gray.shape[:2]) < ORB_MIN_SIDE:
        return none
    orb = cv2.ORB_create(nfeatures=3 * budget, fastThreshold=12)  # type: ignore[attr-defined]
    keypoints = _spread(list(orb.detect(gray, None)), gray.shape[:2], cells, budget)
    keypoints, desc = orb.compute(gray, keypoints)
    if desc is None or not keypoints:
        return none
    return np.array([k.pt for k in keypoints], dtype=np.float32), desc


def catalog_features(image: Image.Image) -> LocalFeatures:
    """What is stored per catalog image: keypoints of the photo and of its mirror."""
    gray, _ = _gray(image, LOCAL_CATALOG_SIDE)
    pts, desc = _orb(gray, LOCAL_CATALOG_FEATURES, 4)
    mpts, mdesc = _orb(np.ascontiguousarray(gray[:, ::-1]), LOCAL_CATALOG_FEATURES, 4)
    thumb, _ = _gray(image, THUMB_SIDE)
    return LocalFeatures(gray.shape[1], gray.shape[0], np.concatenate([pts, mpts]),
                         np.concatenate([desc, mdesc]),
                         np.r_[np.zeros(len(pts), bool), np.ones(len(mpts), bool)], thumb)


def query_features(image: Image.Image) -> tuple[LocalFeatures, float]:
    """Keypoints of a query image, and the factor from original pixels to their frame."""
    side = min(max(max(image.size), LOCAL_QUERY_MIN_SIDE), LOCAL_QUERY_MAX_SIDE)
    gray, scale = _gray(image, side)
    pts, desc = _orb(gray, LOCAL_QUERY_FEATURES, 8)
    return LocalFeatures(gray.shape[1], gray.shape[0], pts, desc,
                         np.zeros(len(pts), bool), gray), scale


def ratio_filter(distances: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Query rows whose nearest neighbour beats the nearest one of *another* catalog image.

    ``distances``/``groups``: (n, k) kNN distances and the catalog image of each neighbour
    (-1 for padding). Returns the kept rows; their match is the nearest neighbour.
    """
    n, k = distances.shape
    other = (groups != groups[:, :1]) & (groups >= 0)
    has_other = other.any(axis=1)
    second_col = np.where(has_other, other.argmax(axis=1), k - 1)
    second = np.where(has_other, distances[np.arange(n), second_col], 256)
    keep = ((distances[:, 0] <= LOCAL_MAX_DESCRIPTOR_DISTANCE)
            & (distances[:, 0] < LOCAL_RATIO * second) & (groups[:, 0] >= 0))
    return np.flatnonzero(keep)


@dataclass(frozen=True)
class Fit:
    """A RANSAC similarity fit of one catalog image (one orientation) into the query."""

    image_id: int
    mirrored: bool
    inliers: int  # distinct inlier keypoints (the smaller count of the two sides)
    model: np.ndarray  # 2x3: catalog frame (mirrored frame if ``mirrored``) -> query frame
    src: np.ndarray  # (k, 2) inlier points in the catalog frame
    dst: np.ndarray  # (k, 2) the same inliers in the query frame


def inlier_spread(fit: Fit, width: int, height: int) -> float:
    """Share of the catalog frame the inliers' convex hull covers.

    One shared detail (a brand word, a handle) puts every inlier in a sliver of the photo;
    a real copy, even a crop or a collage tile, spreads them over what is visible.
    """
    if len(fit.src) < 3:
        return 0.0
    hull = cv2.convexHull(fit.src.astype(np.float32))
    return float(cv2.contourArea(hull)) / float(width * height)


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> Fit | None:
    """RANSAC rotation+scale+translation from catalog to query points; distinct inliers."""
    if len(src) < LOCAL_MIN_CANDIDATE_MATCHES:
        return None
    model, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=LOCAL_RANSAC_PIXELS,
        maxIters=1000, confidence=0.995, refineIters=5)
    if model is None or mask is None:
        return None
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    if not 0.05 <= scale <= 8.0:
        return None
    inl = mask.ravel().astype(bool)
    # Several query points on one catalog point (or the reverse) are one piece of evidence.
    distinct = min(len(np.unique(np.round(src[inl]), axis=0)),
                   len(np.unique(np.round(dst[inl]), axis=0)))
    return Fit(-1, False, distinct, model, src[inl], dst[inl])


def _warp_to_thumbnail(model: np.ndarray, catalog: LocalFeatures, mirrored: bool,
                       query: LocalFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Catalog thumbnail, the query warped onto it by the fit, and where the query covers it."""
    thumb = catalog.pixels[:, ::-1] if mirrored else catalog.pixels
    th, tw = thumb.shape
    lin = model[:, :2] * (catalog.width / tw)  # thumbnail pixel -> query pixel
    warped, inside = warp_onto(query.pixels, lin, model[:, 2], (tw, th))
    return np.ascontiguousarray(thumb, dtype=np.float32), warped.astype(np.float32), inside


def warp_onto(pixels: np.ndarray, lin: np.ndarray, shift: np.ndarray,
              size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``pixels`` sampled onto a ``size`` (width, height) grid whose pixel p lies at
    ``lin @ p + shift`` in them, and where the grid falls inside them. Shrunk first where a
    grid pixel spans more than 1.5 of theirs: sampling alone would alias."""
    step = float(np.sqrt(abs(np.linalg.det(lin))))
    if step > 1.5:
        f = 1.0 / step
        pixels = cv2.resize(pixels, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        lin, shift = lin * f, shift * f
    warp = np.hstack([lin, np.asarray(shift)[:, None]]).astype(np.float32)
    flags = cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(pixels, warp, size, flags=flags | cv2.INTER_LINEAR)
    inside = cv2.warpAffine(np.full(pixels.shape[:2], 255, np.uint8), warp, size,
                            flags=flags | cv2.INTER_NEAREST) > 0
    return warped, inside


def _gradients(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3),
            cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))


def agreement(model: np.ndarray, catalog: LocalFeatures, mirrored: bool,
              query: LocalFeatures, inliers: np.ndarray | None = None) -> tuple[float, float]:
    """How much of the catalog photo's structure the query shows where the fit puts it:
    over the whole photo, and away from the fitted keypoints (its context).

    Keypoints can agree on one shared detail (the same brand word or handle on two
    different products) while the rest of the photo differs. Per cell of an
    ``AGREEMENT_CELLS`` x ``AGREEMENT_CELLS`` grid on the catalog thumbnail, the gradient
    fields of the thumbnail and of the warped query are correlated (gradients: flat
    backgrounds and brightness/contrast edits do not count; per cell: a sticker or banner
    costs only its cells); the cells' correlations (negative ones as 0) are averaged,
    weighted by the catalog's gradient energy, so the textured parts of the photo decide.
    A whole-frame correlation of intensities does not separate the wrong fits: two dark
    products on light backgrounds correlate by layout alone. Only cells the query covers
    count (a crop shows part of the photo); 0 when the fit covers less than
    ``LOCAL_MIN_OVERLAP`` of the thumbnail.

    The whole-photo average is led by the detail itself when the detail holds most of the
    photo's gradient energy (a large printed logo on a plain product), so the same average
    over the cells of a finer ``CONTEXT_CELLS`` grid holding none of the ``inliers``
    (catalog-frame points) says whether the rest of the photo is there: near 0 for one
    brand's logo on two products, near 1 for a copy (reports/matching/SCALE.md). Where no
    covered cell away from the inliers has structure (every covered cell holds an inlier, or
    the rest of what the query covers is flat), nothing beyond the fitted detail corroborates
    the fit, so the context is 0: taking the whole average there let a large logo on a plain
    product stand in for the photo.
    """
    thumb, warped, inside = _warp_to_thumbnail(model, catalog, mirrored, query)
    if inside.mean() < LOCAL_MIN_OVERLAP:
        return 0.0, 0.0
    # Sobel at the overlap's border sees the warp's black fill: not the photo's structure.
    inside = cv2.erode(inside.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    tx, ty = _gradients(thumb)
    qx, qy = _gradients(warped)
    th, tw = thumb.shape
    k = AGREEMENT_CELLS
    weighted = total = 0.0
    for i in range(k):
        for j in range(k):
            cell = (slice(i * th // k, (i + 1) * th // k), slice(j * tw // k, (j + 1) * tw // k))
            m = inside[cell]
            if m.mean() < 0.9:  # not in the query (a crop): neither for nor against
                continue
            a = np.concatenate([tx[cell][m], ty[cell][m]])
            b = np.concatenate([qx[cell][m], qy[cell][m]])
            energy = float(np.sqrt(np.mean(a * a)))
            denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
            corr = max(0.0, float((a * b).sum()) / denom) if denom > 0 else 0.0
            total += energy
            weighted += energy * corr
    whole = weighted / total if total > 0 else 0.0
    strength, fit = _cells(CONTEXT_CELLS, inside, (tx, ty), (qx, qy))
    held = np.zeros(strength.shape, dtype=np.bool_)
    if inliers is not None and len(inliers):
        n = CONTEXT_CELLS
        cells = np.floor(inliers * (tw / catalog.width) / np.array([tw / n, th / n])).astype(int)
        cells = np.clip(cells, 0, n - 1)  # a mirrored fit's points are in the mirror's frame
        held[cells[:, 1], cells[:, 0]] = True
    away = strength[~held]
    return whole, (float((away * fit[~held]).sum() / away.sum()) if away.sum() > 0 else 0.0)


def _cells(k: int, inside: np.ndarray, catalog: tuple[np.ndarray, np.ndarray],
           query: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of a k x k grid: the catalog's gradient energy (0 where the query covers
    less than 90 % of the cell) and the correlation of the two gradient fields (negative
    as 0), over the covered pixels; as ``agreement``'s loop computes them, in array sums."""
    th, tw = inside.shape
    rows = np.array([i * th // k for i in range(k)])
    cols = np.array([j * tw // k for j in range(k)])

    def sums(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(np.add.reduceat(x, rows, axis=0), cols, axis=1)

    m = inside.astype(np.float64)
    (tx, ty), (qx, qy) = catalog, query
    aa = sums(m * (tx.astype(np.float64) ** 2 + ty.astype(np.float64) ** 2))
    bb = sums(m * (qx.astype(np.float64) ** 2 + qy.astype(np.float64) ** 2))
    ab = sums(m * (tx.astype(np.float64) * qx + ty.astype(np.float64) * qy))
    count = sums(m)
    size = np.outer(np.diff(np.append(rows, th)), np.diff(np.append(cols, tw)))
    covered = count >= 0.9 * size
    energy = np.where(covered, np.sqrt(aa / np.maximum(2 * count, 1)), 0.0)
    denom = np.sqrt(aa * bb)
    corr = np.where(denom > 0, np.maximum(0.0, ab / np.where(denom > 0, denom, 1)), 0.0)
    return energy, corr


def mapped_box(model: np.ndarray, width: int, height: int, query: LocalFeatures,
               scale: float) -> tuple[int, int, int, int]:
    """The catalog frame's corners through the fit, as a box in original query pixels."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    mapped = corners @ model[:, :2].T + model[:, 2]
    lo = np.clip(mapped.min(axis=0), 0, [query.width, query.height]) / scale
    hi = np.clip(mapped.max(axis=0), 0, [query.width, query.height]) / scale
    return int(lo[0]), int(lo[1]), round(float(hi[0])), round(float(hi[1]))
