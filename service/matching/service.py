"""Matching logic: enrollment on catalog changes, and matching listing photos."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import partial

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.descriptor import load_descriptor
from models.hashing.analysis import EVIDENCE_VERSION, QueryEvidence, analyse_catalog, analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import Match
from models.hashing.pipeline import Rules
from models.hashing.views import WORK_SIDE, work_image
from models.thresholds import CATALOG_DECODE_SIDE, DESCRIPTOR_MIN_CATALOG, LOCAL_QUERY_MAX_SIDE
from service.catalog.tables import CatalogImage
from service.core.state import CoreState
from service.images.gate import DecodedImage, ImageLimits, decode_image
from service.kit.errors import DomainError
from service.kit.settings import get_settings
from service.matching import repository
from service.matching.runtime import MatchIndex, note_local_change
from service.matching.schemas import ImageMatches, MatchOut
from service.matching.threads import ordered_map

# Names what produces matches, so results cached under another version (the listing
# scorer's per-photo cache) are not reused: the stored evidence's version and the whole
# acceptance model are part of it, so a refit or a re-hash changes it by itself; bump the
# number for any other change to how matches are made.
MATCHER_LOGIC = 10  # the history of this number is in reports/matching/HISTORY.md


def matcher_version(rules: Rules | None = None) -> str:
    terms = json.dumps(asdict(rules or Rules()), sort_keys=True).encode()
    return (f"catalog-match-{MATCHER_LOGIC}-{EVIDENCE_VERSION}-"
            f"{hashlib.sha256(terms).hexdigest()[:12]}")


MATCHER_VERSION = matcher_version()
log = logging.getLogger("trustd.matching")


def _after_commit(_: Session) -> None:
    note_local_change()


def _watch_commit(session: Session) -> None:
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)


class MatchingCatalogHook:
    """Catalog hook: evidence is written in the catalog's own transaction.

    An upload's photos are analysed on ``threads`` threads (hashes, ORB and the descriptor
    network release the GIL); None reads ``TRUST_MATCHING_ANALYSIS_THREADS`` when an upload
    comes, because the hook is wired when the application package is imported, before an
    entry point has its settings. The evidence is written in upload order, in the caller's
    thread and session.
    """

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def images_added(self, session: Session,
                     added: list[tuple[CatalogImage, DecodedImage]]) -> None:
        threads = self.threads or get_settings().matching_analysis_threads
        evidence = ordered_map(analyse_catalog, [d.image for _, d in added], threads,
                               "catalog-analysis")
        for (image, _), found in zip(added, evidence, strict=True):
            repository.add_evidence(session, image.id, found)
        _watch_commit(session)

    def images_removed(self, session: Session, images: list[CatalogImage]) -> None:
        repository.remove_hashes(session, [image.id for image in images])
        _watch_commit(session)


def reindex_stale(session_factory: Callable[[], Session], limits: ImageLimits,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the evidence of every catalog image stored by another EVIDENCE_VERSION.

    One commit per image, so an interrupted run resumes where it stopped; replicas pick
    the new evidence up from the change log. Returns how many images were re-enrolled.
    """
    with session_factory() as session:
        stale = repository.stale_image_ids(session)
    for done, image_id in enumerate(stale, start=1):
        with session_factory() as session:
            data = repository.image_bytes(session, image_id)
            if data is not None:  # deleted meanwhile: nothing to re-enrol
                decoded = decode_image(data, limits, draft_side=CATALOG_DECODE_SIDE)
                repository.remove_hashes(session, [image_id])
                repository.add_evidence(session, image_id, analyse_catalog(decoded.image))
                _watch_commit(session)
                session.commit()
        if progress is not None:
            progress(done, len(stale))
    return len(stale)


def build_index(state: CoreState) -> MatchIndex:
    """Load the descriptor network, re-enrol stale evidence, then build the index from the
    database (at start-up).

    Stale evidence (computed by an older pipeline) would still load but match worse than
    it should, silently; `trustd matching reindex` does the same ahead of a deploy. The
    keypoints stay in the database, read per query for the candidates (runtime.py).
    """
    started = time.monotonic()
    load_descriptor()  # read (and exported) before readiness, not by the first request
    redone = reindex_stale(state.session_factory, state.image_limits)
    if redone:
        log.warning("re-enrolled %d catalog images stored by an older matching pipeline "
                    "in %.1f s", redone, time.monotonic() - started)
    index = MatchIndex.on_database(state.session_factory)
    with state.session_factory() as session:
        index.load(session)
    return index


def gate_side(local_stage: bool) -> int:
    """The image gate's ``draft_side`` for images about to be matched (see query_evidence)."""
    return LOCAL_QUERY_MAX_SIDE if local_stage else WORK_SIDE


def query_evidence(decoded: DecodedImage, *, hash_stage: bool = True,
                   local_stage: bool = True, describe: bool = True) -> QueryEvidence:
    """CPU-bound analysis of one image gated with ``draft_side=gate_side(local_stage)``.

    Each stage sees a JPEG exactly as the evaluator decodes it: the local stage reads the
    gate's image; the hash stage reads it too when it runs alone, and otherwise decodes its
    own draft at ``WORK_SIDE`` from the bytes (a fraction of a millisecond). Other formats
    have no draft: both stages read the gate's image.
    """
    if not local_stage:
        return analyse_query(decoded.image if hash_stage else None, local=False)
    hash_image = None
    if hash_stage:  # a JPEG's draft at the hash size is cheap; any other format would be
        # decoded whole again, so its hashes are read from the gate's (reduced) image
        hash_image = decode_for_matching(decoded.data) if decoded.format == "JPEG" else \
            work_image(decoded.image, WORK_SIDE)
    return analyse_query(hash_image, work_image(decoded.image, LOCAL_QUERY_MAX_SIDE),
                         describe=describe)


def analyse_queries(decoded: Sequence[DecodedImage], *, hash_stage: bool = True,
                    local_stage: bool = True, describe: bool = True,
                    threads: int = 1) -> list[QueryEvidence]:
    """Region recovery and hashes and/or keypoints (and descriptors, for the keypoint
    stage's candidates) of each validated query image, in order.

    With the keypoint stage, up to ``threads`` photos are analysed at once: ORB, the
    descriptor network and the decodes run outside the GIL. The hash stage alone stays in
    the calling thread: a few milliseconds of mostly Python work a photo would only
    contend for the GIL (``threads.ordered_map``).

    One photo the analysis fails on (a bug, or an image no stage can read) gets no
    evidence, so no matches, and is logged: it never takes the other photos' checks down.
    """
    analyse = partial(_guarded, hash_stage=hash_stage, local_stage=local_stage,
                      describe=describe)
    return ordered_map(analyse, decoded, threads if local_stage else 1, "match-analysis")


def _guarded(decoded: DecodedImage, hash_stage: bool, local_stage: bool,
             describe: bool) -> QueryEvidence:
    try:
        return query_evidence(decoded, hash_stage=hash_stage, local_stage=local_stage,
                              describe=describe)
    except DomainError:  # the request's own problem (e.g. the decode budget): its answer
        raise
    except Exception:
        log.exception("query image analysis failed; it gets no matches", extra={"fields": {
            "sha256": decoded.sha256, "width": decoded.width, "height": decoded.height}})
        return QueryEvidence([], None)


def describes_queries(index: MatchIndex, min_catalog: int = DESCRIPTOR_MIN_CATALOG) -> bool:
    """Whether queries against this index are described (descriptor candidates for the
    keypoint stage) or searched against the whole catalog: the cheaper of the two at this
    catalog size (thresholds.DESCRIPTOR_MIN_CATALOG)."""
    return len(index.matcher) >= min_catalog


def match_hashed(session: Session, index: MatchIndex, hashed: Sequence[QueryEvidence],
                 sync_seconds: float, threads: int = 1) -> list[ImageMatches]:
    if index.needs_sync(sync_seconds):
        index.sync(session)
    found = index.match(hashed, threads)
    ids = {m.image_id for matches in found for m in matches}
    products = repository.products_of(session, ids) if ids else {}
    return [_result(matches, products) for matches in found]


def match_decoded(index: MatchIndex, session: Session, decoded: Sequence[DecodedImage],
                  sync_seconds: float, *, hash_stage: bool = True,
                  local_stage: bool = True, threads: int = 1) -> list[ImageMatches]:
    """The one entry point for matching validated images (the API and the listing scorer).

    A stage left out contributes no matches: the listing scorer runs the hash stage in the
    request and the local stage afterwards.
    """
    evidence = analyse_queries(decoded, hash_stage=hash_stage, local_stage=local_stage,
                               describe=describes_queries(index), threads=threads)
    return match_hashed(session, index, evidence, sync_seconds, threads)


def _result(matches: list[Match], products: dict[int, tuple[int, str]]) -> ImageMatches:
    out = []
    for m in matches:
        if m.image_id not in products:  # deleted since the last sync
            continue
        product_id, brand = products[m.image_id]
        out.append(MatchOut(product_id=product_id, image_id=m.image_id, brand=brand,
                            hash_kind=m.hash_kind, distance=m.distance, region=m.region,
                            confidence=m.confidence))
    return ImageMatches(matches=out, best=out[0] if out else None)
