"""Pure matcher: decoded image -> regions -> hashes -> index search -> ranked matches.

Scoring. A query region and an enrolled view are compared on all three kinds at once:

    score = d_phash + d_dhash + min(d_pdq, PDQ_CAP) / 8

where the PDQ term counts only when both PDQ hashes are of usable quality (otherwise it is
the cap, i.e. no PDQ evidence). Qualities are rated at the photo's contrast gain
(detail.information_gain), so a dim or faded copy is rated like its original. pHash and
dHash carry crops, overlays and shifts; PDQ's 256 bits separate near-exact copies from
look-alikes. Regions and views with too little structure to hash reliably (PDQ quality
below the information floor) are skipped: flat crops of white studio backgrounds collide
with each other. A catalog image is returned when its best pair scores at most the bound
the caller passes; the pipeline passes the loosest hash score its acceptance model reads
(``Rules.candidate_score``) and the model decides (models/hashing/pipeline.py).

Search is exact for that bound: score <= S implies d_phash + d_dhash <= S (the PDQ term is
never negative, and is its cap, 12 points, wherever a side's PDQ is unusable). Each row's
pHash and dHash are stored side by side as one 128-bit code, so that sum is one Hamming
distance, and faiss's range search compares all of a query's regions with every row, one
cache-sized block of rows at a time, reading the matcher's own array: no index, no copy of
the codes. A scan and not a multi-index: at 10,000 catalog photos (630,000 rows) the scan
of a query's ~14 regions takes ~4.4 ms on one core (benchmarks/bench_hash_search.py), and
the multi-index hashing tried against it verified ~3% of the rows a region (the hashes of
flat and smoothly lit regions crowd a few buckets), which cost more in gathers than the
scan (reports/matching/SCALE.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np
from PIL import Image

from models.hashing import colour
from models.hashing.detail import information_gain
from models.hashing.index import pack
from models.hashing.kinds import KINDS, hash_thumbnails, thumbnail
from models.hashing.regions import Region, recover_regions
from models.hashing.views import colour_boxes, enrollment_views, work_image
from models.thresholds import (
    MATCH_MIN_INFORMATION,
    MATCH_PDQ_MAX_DISTANCE,
    MATCH_PDQ_MIN_QUALITY,
    MATCH_PDQ_SCORE_CAP,
    MATCH_PDQ_SCORE_DIVISOR,
)

KIND_NAMES = ("phash", "dhash", "pdq")
# Rows scanned a call: 1 MB of codes stays in cache while every region of a query is
# compared with it. One call over every row read the codes from memory once a region:
# 2.9x the time at 6.3M random rows (bench_hash_search's 100,000-photo stand-in).
_SCAN_BLOCK = 1 << 16


@dataclass(frozen=True)
class HashSet:
    """The three hashes of one view or region, with PDQ's quality."""

    name: str  # view name (enrollment) or region name (query)
    phash: bytes
    dhash: bytes
    pdq: bytes
    quality: int
    colour: bytes = b""  # colour.layout of the view/region, for those in colour.VIEWS/REGIONS

    def to_hex(self) -> dict[str, str]:
        return {"phash": self.phash.hex(), "dhash": self.dhash.hex(), "pdq": self.pdq.hex()}


@dataclass(frozen=True)
class Match:
    image_id: int
    hash_kind: str  # the kind that carried the match (lowest relative distance)
    distance: int  # that kind's Hamming distance
    region: str  # which query region matched
    view: str  # which enrolled view it matched
    score: float
    confidence: float


def hash_sets(names: Sequence[str], thumbs: Sequence[np.ndarray],
              colours: Sequence[bytes] | None = None, gain: float = 1.0) -> list[HashSet]:
    """The three kinds of each named thumbnail (kinds.thumbnail), computed as one batch;
    qualities rated at the photo's ``information_gain``."""
    if not names:
        return []
    batch = hash_thumbnails(np.stack(thumbs), np.full(len(names), gain))
    layouts = colours if colours is not None else [b""] * len(names)
    return [HashSet(name, batch.phash[i].tobytes(), batch.dhash[i].tobytes(),
                    batch.pdq[i].tobytes(), int(batch.quality[i]), layouts[i])
            for i, name in enumerate(names)]


def enrollment_hashes(image: Image.Image, standalone: bool = False) -> list[HashSet]:
    """Hashes of every enrollment view of one catalog image (what gets stored); with
    ``standalone``, those a hash-only search stores (views.enrollment_views)."""
    work = work_image(image)
    views = enrollment_views(work, standalone)
    rgb = np.asarray(work)
    layouts = {name: colour.layout(rgb, box) for name, box in colour_boxes(*work.size).items()}
    return hash_sets([v.name for v in views], [v.thumb for v in views],
                     [layouts.get(v.name, b"") for v in views],
                     information_gain(work.convert("L")))


@dataclass(frozen=True)
class Recovered:
    """A query's working copy and the regions recovered from it (boxes in its pixels)."""

    rgb: Image.Image
    gray: Image.Image
    regions: list[Region]


def recover_query(image: Image.Image) -> Recovered:
    """The working copy of a query image and its recovered regions."""
    rgb_work = work_image(image)
    work = rgb_work.convert("L")  # every kind hashes luma: resize one channel, not three
    return Recovered(rgb_work, work, recover_regions(np.asarray(work, dtype=np.float32)))


def hashes_of(recovered: Recovered) -> list[HashSet]:
    """Hash sets of every recovered region of a query."""
    work, regions = recovered.gray, recovered.regions
    rgb = np.asarray(recovered.rgb)
    layouts = [colour.layout(rgb, r.box) if r.name in colour.REGIONS else b""
               for r in regions]
    return hash_sets([r.name for r in regions], [thumbnail(work, r.box) for r in regions],
                     layouts, information_gain(work))


def query_hashes(image: Image.Image) -> list[HashSet]:
    """Recover the regions of a query image and hash each one."""
    return hashes_of(recover_query(image))


def hash_confidence(score: float, max_score: float) -> float:
    """Confidence in a pair score found within ``max_score``: 1 at 0, falling linearly to
    1 / (max_score + 1) at the bound. What the hash stage reports on its own; the pipeline
    replaces it with the confidence of its unified score (pipeline.unified_confidence)."""
    return round(max(0.0, 1.0 - score / (max_score + 1.0)), 3)


class Matcher:
    """In-memory catalog of enrolled hash sets with exact candidate search."""

    def __init__(self) -> None:
        # One row a view: 52 bytes, 34 rows a catalog photo.
        self._cap = 0
        self._n = 0
        self._alive = np.zeros(0, dtype=bool)
        self._pair = np.zeros((0, 2), dtype=np.uint64)  # pHash, dHash: what is scanned
        self._pdq = np.zeros((0, KINDS["pdq"].bits // 64), dtype=np.uint64)
        self._quality = np.zeros(0, dtype=np.uint8)  # PDQ quality, 0-100
        # View names repeat across photos: a row stores the name's number (2 bytes).
        self._view = np.zeros(0, dtype=np.uint16)
        self._view_names: list[str] = []
        self._view_number: dict[str, int] = {}
        # One enrolment of an image: its rows and its colour layouts are consecutive, so
        # an enrolment is where they start (each ends where the next starts) and the image,
        # and a row's image is found by its enrolment rather than stored with each row.
        # Only a few views carry a colour layout (192 bytes): layouts are kept apart.
        self._enrolments = 0
        self._first_row = np.zeros(0, dtype=np.int64)
        self._first_colour = np.zeros(0, dtype=np.int64)
        self._image_of = np.zeros(0, dtype=np.int64)
        self._colours = np.zeros((0, colour.LAYOUT_BYTES), dtype=np.uint8)
        self._n_colours = 0
        self._enrolment_of: dict[int, int] = {}  # image -> its live enrolment

    def __len__(self) -> int:
        return len(self._enrolment_of)

    @property
    def hash_count(self) -> int:
        return int(self._alive[:self._n].sum())

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._enrolment_of

    @property
    def image_ids(self) -> set[int]:
        return set(self._enrolment_of)

    def _span(self, enrolment: int) -> tuple[int, int, int, int]:
        """Rows and colour slots [lo, hi) of one enrolment."""
        last = enrolment + 1 == self._enrolments
        return (int(self._first_row[enrolment]),
                self._n if last else int(self._first_row[enrolment + 1]),
                int(self._first_colour[enrolment]),
                self._n_colours if last else int(self._first_colour[enrolment + 1]))

    def _images(self, rows: np.ndarray) -> np.ndarray:
        """The image of each row."""
        at = np.searchsorted(self._first_row[:self._enrolments], rows, side="right") - 1
        return self._image_of[at]

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap, 1024)
        self._alive = _grown(self._alive, cap, self._n)
        self._quality = _grown(self._quality, cap, self._n)
        self._view = _grown(self._view, cap, self._n)
        self._pair = _grown(self._pair, cap, self._n)
        self._pdq = _grown(self._pdq, cap, self._n)
        self._cap = cap

    def enroll(self, image_id: int, hashes: Sequence[HashSet]) -> None:
        """Add (or replace) the hash sets of one catalog image."""
        if image_id in self._enrolment_of:
            self.remove(image_id)
        if not hashes:
            return
        lo, hi = self._n, self._n + len(hashes)
        self._grow(hi)
        e = self._enrolments
        if e == len(self._first_row):
            cap = max(1024, 2 * e)
            self._first_row = _grown(self._first_row, cap, e)
            self._first_colour = _grown(self._first_colour, cap, e)
            self._image_of = _grown(self._image_of, cap, e)
        self._first_row[e], self._first_colour[e], self._image_of[e] = lo, self._n_colours, \
            image_id
        self._alive[lo:hi] = True
        self._quality[lo:hi] = [h.quality for h in hashes]
        for row, h in enumerate(hashes, start=lo):
            self._store_colour(h.colour)
            self._view[row] = self._view_number.setdefault(h.name, len(self._view_names))
            if self._view[row] == len(self._view_names):
                self._view_names.append(h.name)
        self._pair[lo:hi, 0] = pack([h.phash for h in hashes])[:, 0]
        self._pair[lo:hi, 1] = pack([h.dhash for h in hashes])[:, 0]
        self._pdq[lo:hi] = pack([h.pdq for h in hashes])
        self._n = hi
        self._enrolments = e + 1
        self._enrolment_of[image_id] = e

    def _store_colour(self, layout: bytes) -> None:
        """Keeps a view's colour layout, if it has one. Slots of removed images are not
        reused: removals are rare and a re-enrolment stores anew."""
        if len(layout) != colour.LAYOUT_BYTES:
            return
        if self._n_colours == len(self._colours):
            self._colours = _grown(self._colours, max(1024, 2 * len(self._colours)),
                                   self._n_colours)
        self._colours[self._n_colours] = np.frombuffer(layout, dtype=np.uint8)
        self._n_colours += 1

    def enroll_many(self, items: Iterable[tuple[int, Sequence[HashSet]]]) -> None:
        for image_id, hashes in items:
            self.enroll(image_id, hashes)

    def remove(self, image_id: int) -> bool:
        enrolment = self._enrolment_of.pop(image_id, None)
        if enrolment is None:
            return False
        lo, hi, _, _ = self._span(enrolment)
        self._alive[lo:hi] = False
        return True

    def colour_distances(self, regions: Sequence[HashSet],
                         image_ids: Iterable[int]) -> dict[int, float]:
        """Smallest colour-layout distance from any query region to each given image."""
        query = [r.colour for r in regions if len(r.colour) == colour.LAYOUT_BYTES]
        slots_of = [(i, self._span(e)[2:]) for i in image_ids
                    if (e := self._enrolment_of.get(i)) is not None]
        slots_of = [(i, (lo, hi)) for i, (lo, hi) in slots_of if hi > lo]
        if not query or not slots_of:
            return {}
        slots = np.concatenate([np.arange(lo, hi) for _, (lo, hi) in slots_of])
        d = colour.distances(colour.decode(query), colour.decode(self._colours[slots])).min(0)
        out, at = {}, 0
        for image_id, (lo, hi) in slots_of:
            out[image_id] = float(d[at:at + hi - lo].min())
            at += hi - lo
        return out

    def full_layouts(self, image_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """Each given image's layout of the whole photo, (CELLS, 3) CIELAB: its enrolment's
        first colour slot, since the whole photo's view (full-id) comes first."""
        out = {}
        for i in image_ids:
            e = self._enrolment_of.get(i)
            if e is not None and (span := self._span(e))[3] > span[2]:
                out[i] = colour.decode(self._colours[span[2]:span[2] + 1])[0]
        return out

    def match(self, image: Image.Image, max_score: float) -> list[Match]:
        return self.match_hashes(query_hashes(image), max_score)

    def match_hashes(self, regions: Sequence[HashSet], max_score: float) -> list[Match]:
        """Best match per catalog image over all regions with a pair score <= ``max_score``,
        best first (ties: the earlier region, then the earlier enrolled view)."""
        usable = [r for r in regions if r.quality >= MATCH_MIN_INFORMATION]
        # Without the region's PDQ every pair carries the PDQ cap: a tighter bound.
        bounds = [math.floor(max_score - (0 if r.quality >= MATCH_PDQ_MIN_QUALITY else
                                          MATCH_PDQ_SCORE_CAP / MATCH_PDQ_SCORE_DIVISOR))
                  for r in usable]
        best: dict[int, Match] = {}
        for region, rows in zip(usable, self._within(usable, bounds), strict=True):
            for m in self._score_region(region, rows, max_score):
                if m.image_id not in best or m.score < best[m.image_id].score:
                    best[m.image_id] = m
        return sorted(best.values(), key=lambda m: (m.score, m.image_id))

    def _within(self, regions: Sequence[HashSet], bounds: Sequence[int]) -> list[np.ndarray]:
        """Each region's live rows (ascending) whose pHash + dHash distance is within its
        bound, found in one pass over every row."""
        empty = np.zeros(0, dtype=np.int64)
        if not regions or self._n == 0 or max(bounds) < 0:
            return [empty for _ in regions]
        query = np.empty((len(regions), 2), dtype=np.uint64)
        query[:, 0] = pack([r.phash for r in regions])[:, 0]
        query[:, 1] = pack([r.dhash for r in regions])[:, 0]
        found = [_scan(query, self._pair[lo:min(lo + _SCAN_BLOCK, self._n)], max(bounds), lo)
                 for lo in range(0, self._n, _SCAN_BLOCK)]
        region, rows, dist = (np.concatenate(x) for x in zip(*found, strict=True))
        keep = dist <= np.asarray(bounds)[region]
        region, rows = region[keep], rows[keep]
        keep = self._alive[rows] & (self._quality[rows] >= MATCH_MIN_INFORMATION)
        region, rows = region[keep], rows[keep]
        order = np.lexsort((rows, region))
        region, rows = region[order], rows[order]
        cuts = np.searchsorted(region, np.arange(len(regions) + 1))
        return [rows[cuts[i]:cuts[i + 1]] for i in range(len(regions))]

    def _score_region(self, region: HashSet, rows: np.ndarray, max_score: float) -> list[Match]:
        """The region's best view of each catalog image within ``max_score``, of ``rows``."""
        if rows.size == 0:
            return []
        q = {k: pack([getattr(region, k)])[0] for k in KIND_NAMES}
        dp = np.bitwise_count(self._pair[rows, 0] ^ q["phash"][0]).astype(np.int64)
        dd = np.bitwise_count(self._pair[rows, 1] ^ q["dhash"][0]).astype(np.int64)
        dq = np.bitwise_count(self._pdq[rows] ^ q["pdq"][None, :]).sum(axis=1)
        pdq_ok = (self._quality[rows] >= MATCH_PDQ_MIN_QUALITY) & (
            region.quality >= MATCH_PDQ_MIN_QUALITY)
        pdq_term = np.where(pdq_ok, np.minimum(dq, MATCH_PDQ_SCORE_CAP), MATCH_PDQ_SCORE_CAP)
        score = dp + dd + pdq_term / MATCH_PDQ_SCORE_DIVISOR
        keep = np.flatnonzero(score <= max_score)
        # Best first (rows ascend, so equal scores keep enrolment order), then one per image.
        keep = keep[np.argsort(score[keep], kind="stable")]
        images = self._images(rows[keep])
        _, first = np.unique(images, return_index=True)
        out: list[Match] = []
        for k in np.sort(first):
            i, row = keep[k], int(rows[keep[k]])
            if pdq_ok[i] and dq[i] <= MATCH_PDQ_MAX_DISTANCE:
                kind, dist = "pdq", int(dq[i])
            elif dp[i] <= dd[i]:
                kind, dist = "phash", int(dp[i])
            else:
                kind, dist = "dhash", int(dd[i])
            s = float(score[i])
            out.append(Match(int(images[k]), kind, dist, region.name,
                             self._view_names[self._view[row]], s, hash_confidence(s, max_score)))
        return out


def _scan(query: np.ndarray, codes: np.ndarray, bound: int, first: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query index, row, distance) of every code of ``codes`` (rows ``first`` on) within
    ``bound`` of a query code; pairs of 64-bit words, compared as one 128-bit code (the
    byte order of the words does not change a Hamming distance)."""
    result = faiss.RangeSearchResult(len(query))
    faiss.hamming_range_search(  # type: ignore[attr-defined]
        faiss.swig_ptr(query.view(np.uint8)), faiss.swig_ptr(codes.view(np.uint8)),
        len(query), len(codes), bound + 1, 16, result)  # found below the radius
    lims = faiss.rev_swig_ptr(result.lims, len(query) + 1).astype(np.int64)
    total = int(lims[-1])
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    rows = faiss.rev_swig_ptr(result.labels, total).astype(np.int64) + first
    dist = faiss.rev_swig_ptr(result.distances, total).astype(np.int64)
    return np.repeat(np.arange(len(query)), np.diff(lims)), rows, dist


def _grown(a: np.ndarray, cap: int, used: int) -> np.ndarray:
    """``a`` with room for ``cap`` rows, its first ``used`` kept. The room is left unwritten:
    the pages of rows not yet enrolled are not resident (np.resize would fill them)."""
    out = np.empty((cap, *a.shape[1:]), dtype=a.dtype)
    out[:used] = a[:used]
    return out
