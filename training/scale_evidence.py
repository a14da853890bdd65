"""A split's matching evidence as served in a large catalog: what calibration at scale reads.

Commands (from the repo root; the split from trustdata.copydetect.build)::

    python -P -m training.scale_evidence --data var/copydetect/calib --distractors 5000 \
        --out var/evidence/scale/calib.json

The catalog is the split's catalog photos plus ``--distractors`` generated distractor
products from ``training.distractor_cache.CALIBRATION_FIRST`` on (a range no benchmark
uses), each enrolled as the service enrols it. Every query of the split's sample (every hard
edit and ``MILD_SAMPLE``, of its catalog photos and of its distractor photos) is analysed as
the service analyses it and searched as served: the hash stage over the whole catalog, the
keypoint stage over the descriptor's candidates and the best hash matches within the served
bound (``CatalogMatcher.evidence``). What either stage finds is saved in
training.matching_evidence's format, with bounds wider than any acceptance model's (hash
scores up to ``EVIDENCE_HASH_SCORE``, fits from ``2 * LOCAL_MIN_CANDIDATE_MATCHES`` inliers), so
training.calibrate_matching ``--evidence`` can fit on it. Wrong pairs against the
distractors are what a 100-photo split cannot show: look-alike products within the hash
stage's bounds. Brand families (``--brand-families``, trustdata.copydetect.brands) are
enrolled beside the split's catalog and queried through ``BRAND_MEMBER_EDITS``; each
family's outsider, a product of the brand never enrolled, through ``BRAND_OUTSIDER_EDITS``:
their wrong pairs are the other kind a large catalog holds, different products sharing one
printed logo, many inliers on the word and no other fit rivalling them.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from tqdm import tqdm
from trustdata.copydetect import transforms
from trustdata.copydetect.brands import brand_families

from models.hashing.analysis import CatalogEvidence, QueryEvidence, analyse_catalog, analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.keypoints import IN_SOURCE
from models.hashing.local import LocalFeatures
from models.hashing.pipeline import CatalogMatcher, Rules
from models.thresholds import LOCAL_CATALOG_SIDE, LOCAL_MIN_CANDIDATE_MATCHES, LOCAL_QUERY_MAX_SIDE
from training import distractor_cache
from training.matching_evidence import Scored, save_evidence

MILD_SAMPLE = ("recompress", "overlay_text", "colour")
# Brand families enrolled beside the split's catalog (trustdata.copydetect.brands): each
# member queried through these edits, each family's outsider (not enrolled) through the
# last two; the transforms are named "brand_<edit>" so reports keep them apart.
BRAND_MEMBER_EDITS: tuple[str, ...] = ("centre_crop60", "colour", "recompress", "screenshot")
BRAND_OUTSIDER_EDITS: tuple[str, ...] = ("recompress", "screenshot")
# Hash scores recorded up to the served bound (19) made weaker by three margin steps (x0.95
# each): past it the hash index's range search returns tens of thousands of rows a region in
# a large catalog (a second a query), for pairs no margin the models choose brings within 19.
EVIDENCE_HASH_SCORE = 22.0
MIN_INLIERS = 2 * LOCAL_MIN_CANDIDATE_MATCHES


def sample(manifest: dict, stride: int = 1) -> list[dict]:
    """The queries searched: every hard edit and the mild ones most like a repost (every
    ``stride``-th of them, in the manifest's order)."""
    return [q for q in manifest["queries"]
            if q["family"] == "hard" or q["transform"] in MILD_SAMPLE][::stride]


def _catalog(source: str | bytes) -> CatalogEvidence:
    data = Path(source).read_bytes() if isinstance(source, str) else source
    return analyse_catalog(decode_for_matching(data, side=LOCAL_CATALOG_SIDE))


def _query(source: str | bytes) -> QueryEvidence:
    data = Path(source).read_bytes() if isinstance(source, str) else source
    return analyse_query(decode_for_matching(data, "JPEG"),
                         decode_for_matching(data, "JPEG", side=LOCAL_QUERY_MAX_SIDE))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@dataclass
class BrandSample:
    """Brand families to enrol and their queries (trustdata.copydetect.brands)."""

    catalog: list[bytes] = field(default_factory=list)  # uploads, enrolled in order
    queries: list[dict] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)  # one a query
    expected: list[int] = field(default_factory=list)  # -1 for an outsider's
    family: list[list[int]] = field(default_factory=list)  # the brand's enrolled ids


def brand_sample(split_seed: int, families: int, sizes: Sequence[int], first_id: int,
                 ) -> BrandSample:
    """Brand families enrolled from catalog id ``first_id`` on, and their queries, each
    with its brand's enrolled products: the keypoint stage verifies them whatever the
    descriptor proposes, so every shared-logo fit is in the evidence, as in a catalog
    searched whole."""
    edits = {t.name: t for t in transforms.ALL}
    out = BrandSample()
    for family in brand_families(split_seed, families, sizes):
        ids = [first_id + len(out.catalog) + i for i in range(len(family.members))]
        cases = [(name, photo, ids[i], BRAND_MEMBER_EDITS)
                 for i, (name, photo) in enumerate(family.members)]
        cases.append((*family.outsider, -1, BRAND_OUTSIDER_EDITS))
        out.catalog += [_jpeg(photo, 92) for _, photo in family.members]
        for name, photo, want, names in cases:
            for edit in names:
                t = edits[edit]
                edited = t.fn(photo, random.Random(f"{split_seed}/{edit}/{name}"), [])
                out.uploads.append(_jpeg(edited, 95 if edit == "recompress" else 88))
                out.queries.append({"transform": f"brand_{edit}", "family": t.family})
                out.expected.append(want)
                out.family.append(ids)
    return out


class SplitKeypoints:
    """The split's catalog keypoints in memory, the distractors' read from the cache files."""

    def __init__(self, catalog: list[CatalogEvidence], disk: distractor_cache.DiskKeypoints,
                 ) -> None:
        self.resident = {i: e.local for i, e in enumerate(catalog)}
        self.disk = disk

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        out = {i: self.resident[i] for i in image_ids if i in self.resident}
        return out | self.disk.load([i for i in image_ids if i not in self.resident])


def served_matcher(catalog: list[CatalogEvidence], n: int, artifact: str,
                   first: int = 0) -> CatalogMatcher:
    """The split's catalog as ids 0.., then ``n`` cached distractors from ``first``, in the
    served layout (hashes and view descriptors held, keypoints read for candidates)."""
    disk = distractor_cache.DiskKeypoints(len(catalog), n, first)
    matcher = CatalogMatcher(keypoints=SplitKeypoints(catalog, disk))
    for i, e in enumerate(catalog):
        matcher.enroll(i, e.hashes, IN_SOURCE, e.descriptors)
    for j, hashes, _, desc in tqdm(distractor_cache.load(n, artifact, first), total=n,
                                   desc=f"enrol {n:,} distractors", leave=False):
        matcher.enroll(len(catalog) + j, hashes, IN_SOURCE, desc)
    return matcher


_SEARCH: tuple[CatalogMatcher, list[QueryEvidence], float, Sequence[Collection[int]]] | None \
    = None


def _search(i: int) -> tuple[dict[int, float], dict[int, tuple[int, float, float]],
                             dict[int, float], dict[int, float], dict[int, float],
                             dict[int, float]]:
    assert _SEARCH is not None
    matcher, evidence, verify, also = _SEARCH
    hashed, verified, colours = matcher.evidence(evidence[i], EVIDENCE_HASH_SCORE, MIN_INLIERS,
                                                 verify_hash_score=verify,
                                                 also_verify=also[i] if also else ())
    similar = matcher.similarities(evidence[i], hashed.keys() | verified.keys())
    return ({k: m.score for k, m in hashed.items()},
            {k: (v.inliers, v.agreement, v.spread) for k, v in verified.items()}, colours,
            {k: v.context for k, v in verified.items()},
            similar, matcher.fit_colours(evidence[i], verified))


def collect(matcher: CatalogMatcher, evidence: list[QueryEvidence], queries: list[dict],
            expected: list[int], workers: int = 1,
            also_verify: Sequence[Collection[int]] = ()) -> list[Scored]:
    """Each query's evidence, searched by ``workers`` processes forked from this one (the
    matcher is shared copy-on-write). The keypoint stage verifies what it verifies when
    served: the descriptor's candidates and the best hash matches within the served bound,
    and the query's ``also_verify`` (empty, or one collection a query)."""
    global _SEARCH
    _SEARCH = (matcher, evidence, Rules().candidate_score, also_verify)
    try:
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                found = list(tqdm(pool.imap(_search, range(len(evidence)), chunksize=8),
                                  total=len(evidence), desc="search", leave=False))
        else:
            found = [_search(i) for i in tqdm(range(len(evidence)), desc="search", leave=False)]
    finally:
        _SEARCH = None
    out = []
    for q, want, (hashes, fits, colours, contexts, similar, fitted) in zip(
            queries, expected, found, strict=True):
        out.append(Scored(q["transform"], q["family"], want, hash_scores=hashes, fits=fits,
                          colours=colours, contexts=contexts, descriptors=similar,
                          fit_colours=fitted))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--distractors", type=int, default=5_000)
    ap.add_argument("--first", type=int, default=distractor_cache.CALIBRATION_FIRST)
    ap.add_argument("--descriptor", default="descriptor-v2")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stride", type=int, default=2,
                    help="search every stride-th query of the sample (2: half, in a quarter "
                         "hour a split here)")
    ap.add_argument("--brand-families", type=int, default=24,
                    help="brand families enrolled beside the catalog (0: none)")
    ap.add_argument("--brand-sizes", type=int, nargs="+", default=[1, 2, 4],
                    help="products enrolled of each family, cycled")
    args = ap.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    names = manifest["catalog"]
    index_of = {c: i for i, c in enumerate(names)}
    queries = sample(manifest, args.stride)
    expected = [index_of[q["expected"]] if q["expected"] else -1 for q in queries]
    brands = brand_sample(int(manifest["seed"]), args.brand_families, args.brand_sizes,
                          len(names))
    sources: list[str | bytes] = [str(args.data / q["file"]) for q in queries]
    also_verify: list[list[int]] = [[] for _ in queries] + brands.family
    queries, expected = queries + brands.queries, expected + brands.expected
    with multiprocessing.get_context("fork").Pool(
            args.workers, distractor_cache.init_worker, (args.descriptor,)) as pool:
        uploads: list[str | bytes] = [str(args.data / "catalog" / f"{c}.jpg") for c in names]
        catalog = pool.map(_catalog, [*uploads, *brands.catalog])
        evidence = list(tqdm(pool.imap(_query, [*sources, *brands.uploads], chunksize=4),
                             total=len(queries), desc="analyse queries"))
        distractor_cache.ensure(args.distractors, pool, args.descriptor, args.first)
    distractor_cache.init_worker(args.descriptor)
    matcher = served_matcher(catalog, args.distractors, args.descriptor, args.first)
    scored = collect(matcher, evidence, queries, expected, args.workers, also_verify)
    save_evidence(scored, args.out)
    pairs = sum(len(s.hash_scores.keys() | s.fits.keys()) for s in scored)
    wrong = sum(len((s.hash_scores.keys() | s.fits.keys()) - {s.expected}) for s in scored)
    print(f"{args.data.name}: {len(scored):,} queries against {len(names):,} + "
          f"{len(brands.catalog):,} brand + {args.distractors:,} distractors; "
          f"{pairs:,} pairs found, {wrong:,} of them wrong; "
          f"evidence in {args.out}")


if __name__ == "__main__":
    main()
