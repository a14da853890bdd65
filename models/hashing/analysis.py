"""What the matcher computes from one image, before any catalog is searched.

A catalog photo (``analyse_catalog``): the hashes of its enrolled views, its ORB keypoints
and the global descriptors of the photo, its mirror and its centre. A query
(``analyse_query``): the hashes of its recovered regions, its keypoints, descriptors of the
whole query and of the regions worth one (``descriptor_regions``), and a small colour copy
on which a fit's colours are compared (``query_colour``). All of it is CPU-bound and needs
no catalog, so the service computes it outside any lock and stores a catalog photo's part
under ``EVIDENCE_VERSION``; models/hashing/pipeline.py searches and judges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from models import thresholds
from models.descriptor.model import load_descriptor
from models.hashing.local import LocalFeatures, catalog_features, query_features
from models.hashing.matcher import HashSet, Recovered, enrollment_hashes, hashes_of, recover_query
from models.hashing.regions import Region

# What stored catalog evidence was computed with: the hash stage's part (hashes, qualities,
# views and colour layouts) and the local stage's (ORB features). Stored evidence of another
# version is recomputed from the stored image bytes (start-up, or `trustd matching
# reindex`), so any change to what either stage stores bumps its part; what each version
# changed is in reports/matching/HISTORY.md. The ".d2" part: the global descriptors of
# the photo, its mirror and its centre (models/artifacts/descriptor-v2).
EVIDENCE_VERSION = "h6.l1.d2"


@dataclass(frozen=True)
class CatalogEvidence:
    """Everything stored for one catalog image."""

    hashes: list[HashSet]
    local: LocalFeatures
    descriptors: np.ndarray | None = None  # (views, 256) float32: photo, mirror, centre


@dataclass(frozen=True)
class QueryEvidence:
    """What was computed from one query image (CPU-bound, no catalog needed).

    A stage left out (no hashes, or ``local`` None) simply contributes no matches: the
    listing scorer runs the cheap hash stage in the request and the local stage later.
    """

    hashes: list[HashSet]
    local: LocalFeatures | None
    scale: float = 1.0  # original query pixels -> local-feature frame
    # (n, 256) float32: the whole query and its recovered regions; None: not described
    descriptors: np.ndarray | None = None
    # RGB uint8 of the query, ``colour_factor`` times the local frame's size: what a fit's
    # colours are compared on (colour.fitted_distance); None without the local stage
    colour: np.ndarray | None = None
    colour_factor: float = 1.0


# The query's colour copy for fitted colour distances: a layout cell of a grid-9 cell
# still spans ~10 of its pixels at this side.
FIT_COLOUR_SIDE = 256
CATALOG_CENTRE_VIEW = 0.65  # side share of the centre-crop view a catalog photo enrols


def catalog_descriptors(image: Image.Image) -> np.ndarray:
    """Descriptors of the enrolled views of one catalog photo: the photo, its mirror, and
    its centre (``CATALOG_CENTRE_VIEW`` of each side).

    The descriptor of a whole photo is far from that of a 60 % crop of it (cosine ~0.4 on
    a product shot, where other product shots sit at 0.3): the centre view brings such a
    crop to ~0.8-1.0. A mirrored deep crop has only the mirror view of the whole photo.
    """
    descriptor = load_descriptor()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    square = descriptor.pixels(rgb)  # the network's input; mirroring it mirrors the photo
    w, h = rgb.size
    m = (1.0 - CATALOG_CENTRE_VIEW) / 2
    centre = rgb.crop((round(w * m), round(h * m), round(w * (1 - m)), round(h * (1 - m))))
    return descriptor.describe([Image.fromarray(square),
                                Image.fromarray(np.ascontiguousarray(square[:, ::-1])), centre])


def analyse_catalog(image: Image.Image) -> CatalogEvidence:
    return CatalogEvidence(enrollment_hashes(image), catalog_features(image),
                           catalog_descriptors(image))


def window_regions(full: Region, windows: int = thresholds.DESCRIPTOR_WINDOWS,
                   elongation: float = thresholds.DESCRIPTOR_WINDOW_ELONGATION) -> list[Region]:
    """Squares of the short side slid evenly from one end of the long side to the other, for
    a query at least ``elongation`` times longer than wide (or wider than long); none for
    others. A descriptor of a whole phone screenshot is mostly the app's chrome, and where
    the photo's edges cannot be recovered one of these windows still holds most of it."""
    x0, y0, x1, y1 = full.box
    w, h = x1 - x0, y1 - y0
    short, long = min(w, h), max(w, h)
    if short < 1 or long < elongation * short:
        return []
    out = []
    for i, t in enumerate(np.linspace(0, long - short, windows).round().astype(int).tolist()):
        box = (x0, y0 + t, x1, y0 + t + short) if h > w else (x0 + t, y0, x0 + t + short, y1)
        out.append(Region(f"window-{i}", box))
    return out


def descriptor_regions(regions: Sequence[Region],
                       cap: int = thresholds.DESCRIPTOR_MAX_REGIONS) -> list[Region]:
    """The recovered regions worth a descriptor, at most ``cap``, in order of use.

    The whole query first (mild edits, crops, banners: the descriptor carries those from
    the whole frame), then every grid or collage cell (its trimmed box where it has one:
    a nine-photo grid needs all nine), the photo inside a screenshot, the trimmed content
    and the centre crop; then, beyond ``cap``, square windows along an elongated query
    (``window_regions``). Quarters and banner cuts are left to the hash stage: a descriptor
    of the whole frame already ranks those edits.
    """
    by_name = {r.name: r for r in regions}
    picked: list[Region] = []

    def take(name: str) -> None:
        r = by_name.get(name)
        if r is not None and r.box not in {p.box for p in picked}:
            picked.append(r)

    take("full")
    cells = sorted({int(n.split("-")[1]) for n in by_name if n.startswith("cell-")})
    for i in cells:
        take(f"cell-{i}-trim" if f"cell-{i}-trim" in by_name else f"cell-{i}")
    take("photo-trim" if "photo-trim" in by_name else "photo")
    take("trim")
    for name in by_name:
        if name.startswith("centre-"):
            take(name)
    picked = picked[:cap]
    if "full" in by_name:  # on top of the cap: an elongated query's cells still count
        for r in window_regions(by_name["full"]):
            if r.box not in {p.box for p in picked}:
                picked.append(r)
    return picked


def query_descriptors(recovered: Recovered, source: Image.Image | None = None,
                      cap: int = thresholds.DESCRIPTOR_MAX_REGIONS) -> np.ndarray:
    """Descriptors of the whole query and its recovered regions (``descriptor_regions``).

    Regions are cut from ``source`` (the larger local-stage image, boxes scaled to it) when
    given, so a grid cell is described from its own pixels rather than from the working
    copy's ~130 px.
    """
    image = source if source is not None else recovered.rgb
    image = image if image.mode == "RGB" else image.convert("RGB")
    fx = image.width / recovered.rgb.width
    fy = image.height / recovered.rgb.height
    crops = []
    for r in descriptor_regions(recovered.regions, cap):
        x0, y0, x1, y1 = r.box
        box = (round(x0 * fx), round(y0 * fy), max(round(x1 * fx), round(x0 * fx) + 1),
               max(round(y1 * fy), round(y0 * fy) + 1))
        crops.append(image if box == (0, 0, image.width, image.height) else image.crop(box))
    return load_descriptor().describe(crops)


def analyse_query(image: Image.Image | None, local_image: Image.Image | None = None,
                  *, local: bool = True, describe: bool = True) -> QueryEvidence:
    """Hash stage from ``image``, local stage from ``local_image`` (default: ``image``).

    The hash stage only needs the working size (``decode_for_matching`` at ``WORK_SIDE``);
    the local stage wants the photo at up to ``LOCAL_QUERY_MAX_SIDE``. ``image=None``
    skips the hash stage, ``local=False`` the local one. With the local stage the query's
    descriptors choose which catalog images it verifies; ``describe=False`` leaves them
    out (every catalog image is then verified).
    """
    recovered = recover_query(image) if image is not None else None
    hashes = hashes_of(recovered) if recovered is not None else []
    source = local_image if local_image is not None else image
    if not local or source is None:
        return QueryEvidence(hashes, None)
    features, scale = query_features(source)
    descriptors = None
    if describe:
        if recovered is None:
            recovered = recover_query(source)
        descriptors = query_descriptors(recovered, source)
    return QueryEvidence(hashes, features, scale, descriptors, *query_colour(source, features))


def query_colour(source: Image.Image, features: LocalFeatures) -> tuple[np.ndarray, float]:
    """The query's colour copy for fitted colour distances, and its size over the local
    frame's (``QueryEvidence.colour``, ``colour_factor``)."""
    factor = min(1.0, FIT_COLOUR_SIDE / max(features.width, features.height, 1))
    size = (max(1, round(features.width * factor)), max(1, round(features.height * factor)))
    rgb = source if source.mode == "RGB" else source.convert("RGB")
    resample = Image.Resampling.BOX if size[0] < rgb.width else Image.Resampling.BILINEAR
    return np.asarray(rgb.resize(size, resample), dtype=np.uint8), factor
