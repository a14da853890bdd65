"""Scoring a listing: signals -> pure risk model -> stored, versioned assessment.

Idempotent: the content (seller, caption, price, claimed brand, image bytes) is hashed; the
same listing with the same content returns its newest stored assessment without decoding
anything (the bytes were validated when first scored), changed content becomes a new
assessment version. Flagged assessments (review/block) enter the review queue in the same
transaction.

Photos are matched in two stages (photos.py). The request runs the hash stage; photos it
left without a match get the local stage in the request when the caller waits for it
(`deep_backend=None`) or when they fit the inline budget (inline.py: few photos on a catalog
where the stage is cheap), otherwise afterwards as a deep check (deep_check.py) stored with
the assessment, whose id the caller hands to a runner once the transaction has committed.
The hash stage's region hashes are also looked up in the known-counterfeit banks the
platform sees (`runtime.banks`), unless supplier signals are off.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.hashing.decode import decode_for_matching
from models.hashing.matcher import HashSet
from models.networks.prints import PhotoPrint, whole_print
from models.networks.variants import enrol_at
from models.risk import RiskThresholds
from models.risk.signals import SellerLink
from service.core.state import CoreState
from service.images.gate import (
    DecodedImage,
    DegenerateImage,
    ImageLimits,
    check_request_pixels,
    decode_image,
    probe,
)
from service.kit.db import utcnow
from service.kit.errors import NotFound
from service.listings import assess, deep_check, photos, repository
from service.listings.runtime import ListingsRuntime
from service.listings.schemas import (
    BankMatchOut,
    ImageCheckOut,
    ListingFields,
    ScoreOut,
    SkippedPhotoOut,
)
from service.matching.service import gate_side
from service.networks import service as networks
from service.networks.service import PhotoPost, Variants

# How long a caller who waits for the deep check waits for a runner that already holds it.
WAIT_FOR_RUNNER_SECONDS = 30.0


@dataclass(frozen=True)
class Scored:
    body: dict[str, Any]  # the response, plain JSON
    deep_check_id: int | None  # a deferred deep check to hand to a runner


def _latency(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _stored(state: CoreState, runtime: ListingsRuntime, platform_id: str, fields: ListingFields,
            digest: str, started: float) -> dict[str, Any] | None:
    with state.engine.connect() as connection:
        row = repository.stored_assessment(connection, platform_id, fields.listing_id, digest)
        if row is None:
            return None
        listing_id, seller_id, version, result, created_at, listing_pk = tuple(row)
        item_id = runtime.review.item_id(connection, listing_pk)
    return assess.body(listing_id, seller_id, version, result, created_at, True, item_id,
                       _latency(started))


def skipped_photos(blobs: list[bytes], limits: ImageLimits) -> list[SkippedPhotoOut]:
    """Photos that are images no matching stage can analyse (strips): the listing is scored
    on the others, and says so. Any other bad photo refuses the request (a clear 4xx)."""
    skipped, probes = [], []
    for index, blob in enumerate(blobs):
        try:
            probes.append(probe(blob, limits, index))
        except DegenerateImage as exc:
            skipped.append(SkippedPhotoOut(photo_index=index, code=exc.code,
                                           message=exc.message))
    check_request_pixels(probes, limits)
    return skipped


def _match(session: Session, state: CoreState, runtime: ListingsRuntime, blobs: list[bytes],
           shas: list[str], wait: bool, skipped: set[int],
           regions: dict[int, list[HashSet]]) -> tuple[
               dict[int, list[photos.PhotoMatch]], list[photos.Photo], list[str]]:
    """The request's matches, the photos still waiting for the local stage, the stages run;
    `regions` receives the hash stage's region hashes of every photo (what the banks look
    up, and the whole-photo print seller networks record)."""
    limits, cache = state.image_limits, state.cache
    ttl = state.settings.listing_image_cache_seconds
    def gated(local_stage: bool) -> Callable[[int], DecodedImage]:
        return lambda i: decode_image(blobs[i], limits, i, draft_side=gate_side(local_stage))

    version = runtime.matcher.version
    every = [photos.Photo(i, sha) for i, sha in enumerate(shas) if i not in skipped]
    by_hash = photos.run_stage(session, runtime.matcher, "hash", version, every, cache, ttl,
                               gated(False), regions)
    unmatched = [p for p in every if not by_hash[p.index]]
    by_local = photos.cached_results(cache, "local", version, unmatched)
    left = [p for p in unmatched if p.index not in by_local]
    if left and (wait or runtime.local_cost.fits(
            len(left), state.settings.listing_inline_local_budget_ms)):
        t0 = time.perf_counter()
        by_local |= photos.run_stage(session, runtime.matcher, "local", version, left, cache,
                                     ttl, gated(True))
        runtime.local_cost.observe((time.perf_counter() - t0) * 1e3, len(left))
    waiting = [p for p in unmatched if p.index not in by_local]
    found = {i: m for i, m in by_hash.items() if m}
    for index, matches in by_local.items():
        found[index] = matches
    stages = ["hash", "local"] if unmatched and not waiting else ["hash"]
    return found, waiting, stages


CORROBORATING_DECISIONS = 2


def corroborated(matches: Sequence[BankMatchOut], common_photos: Collection[int]
                 ) -> list[BankMatchOut]:
    """The matches that count. A photo many sellers post (a fifth of the link cap or more,
    models/networks/variants.enrol_at: a stock photo, a supplier's photo handed to a
    crowd) counts only when it was banked by CORROBORATING_DECISIONS separate decisions,
    or by an imported list: one wrong removal of a stock photo would otherwise flag every
    honest seller who posts it (in the supplier-network replay, one moderator error on a
    stock photo flagged 72 honest listings), while a crowd-posted counterfeit photo gets
    its second removal within hours. A photo few sellers post counts after one decision."""
    decisions: dict[int, set[int]] = defaultdict(set)
    imported: set[int] = set()
    for m in matches:
        if m.review_item_id is None:
            imported.add(m.photo_index)
        else:
            decisions[m.photo_index].add(m.review_item_id)
    return [m for m in matches if m.photo_index not in common_photos
            or m.photo_index in imported
            or len(decisions[m.photo_index]) >= CORROBORATING_DECISIONS]


def _networks(session: Session, state: CoreState, runtime: ListingsRuntime, platform_id: str,
              fields: ListingFields, per_photo: photos.PerPhoto, prints: dict[int, PhotoPrint],
              regions: dict[int, list[HashSet]], blobs: list[bytes], now: dt.datetime,
              photo_groups: dict[int, int]) -> list[SellerLink]:
    """Records the listing's prints (each photo's group into ``photo_groups``); its links to
    sellers with confirmed counterfeits unless supplier signals are off (then listings are
    judged alone, and still recorded)."""
    posts = [PhotoPost(i, p, bool(per_photo[i])) for i, p in sorted(prints.items())]
    variants = Variants(regions, lambda i: decode_for_matching(blobs[i]),
                        state.settings.network_rare_max_sellers)
    joined = networks.record(session, platform_id, fields.seller_id, fields.listing_id, posts,
                             fields.caption, now, runtime.networks.get(), variants,
                             photo_groups)
    if not state.settings.supplier_signals_enabled:
        return []
    return networks.listing_links(session, platform_id, fields.seller_id, joined,
                                  state.settings.network_rare_max_sellers)


def score(state: CoreState, runtime: ListingsRuntime, platform_id: str, fields: ListingFields,
          blobs: list[bytes], thresholds: RiskThresholds, started: float,
          deep_backend: str | None = None) -> Scored:
    """`deep_backend`: where a deferred deep check will run (rq / inprocess); None runs
    the local stage in the request, so the answer is final."""
    shas = [photos.sha256_of(b) for b in blobs]
    digest = assess.content_hash(fields, shas)
    skipped: list[SkippedPhotoOut] | None = None
    for attempt in range(2):
        known = _stored(state, runtime, platform_id, fields, digest, started)
        if known is not None:
            pending = known["image_check"]
            if deep_backend is None and pending["status"] == "pending":
                deep_check.run_or_wait(state, runtime, pending["deep_check_id"],
                                       WAIT_FOR_RUNNER_SECONDS)
                known = _stored(state, runtime, platform_id, fields, digest, started)
                assert known is not None
            return Scored(known, None)
        if skipped is None:
            skipped = skipped_photos(blobs, state.image_limits)
        with state.session_factory() as session:
            regions: dict[int, list[HashSet]] = {}
            found, waiting, stages = _match(session, state, runtime, blobs, shas,
                                            deep_backend is None,
                                            {p.photo_index for p in skipped}, regions)
            per_photo = photos.merge(found, count=len(blobs))
            banks = runtime.banks if state.settings.supplier_signals_enabled else None
            banked = banks.lookup(session, platform_id, regions) if banks and regions else []
            now = utcnow()
            prints = {i: p for i, sets in regions.items() if (p := whole_print(sets)) is not None}
            photo_groups: dict[int, int] = {}
            links = _networks(session, state, runtime, platform_id, fields, per_photo, prints,
                              regions, blobs, now, photo_groups)
            if banked:  # a photo many sellers post counts once corroborated
                banked = corroborated(banked, networks.widely_posted(
                    session, photo_groups, enrol_at(state.settings.network_rare_max_sellers)))
            scoring = assess.assess(session, state, runtime, fields, per_photo, thresholds,
                                    ImageCheckOut(status="pending" if waiting else "complete",
                                                  stages=stages,
                                                  pending_photos=[p.index for p in waiting],
                                                  skipped_photos=skipped,
                                                  bank_matches=banked), links)
            try:
                listing, assessment = assess.store(session, platform_id, fields, digest, scoring,
                                                   now)
                check = None
                if waiting:
                    assert deep_backend is not None
                    check = deep_check.create(session, listing, assessment, fields, deep_backend,
                                              found, [(p, blobs[p.index]) for p in waiting])
                    scored = scoring.assessment
                    assessment.result = scored.with_image_check(scored.image_check.model_copy(
                        update={"deep_check_id": check.id})).model_dump(mode="json")
                item_id = runtime.review.enqueue(session, listing, assessment, now)
                if item_id is not None or check is not None:  # evidence a moderator may open
                    repository.add_photos(session, listing.id, digest, blobs, shas)
                session.commit()
            except IntegrityError:
                session.rollback()  # a concurrent request stored this listing first
                if attempt:
                    raise
                continue
            return Scored(assess.body(listing.listing_id, listing.seller_id, assessment.version,
                                      assessment.result, assessment.created_at, False,
                                      item_id, _latency(started)),
                          check.id if check else None)
    raise AssertionError("unreachable")


def latest(session: Session, runtime: ListingsRuntime, platform_id: str,
           listing_id: str) -> ScoreOut:
    listing = repository.find_listing(session, platform_id, listing_id)
    assessment = repository.latest_assessment(session, listing.id) if listing else None
    if listing is None or assessment is None:
        raise NotFound(f"no listing {listing_id!r} scored for this platform",
                       code="listing_not_found")
    return ScoreOut.model_validate(assess.body(
        listing.listing_id, listing.seller_id, assessment.version, assessment.result,
        assessment.created_at, True, runtime.review.item_id(session, listing.id), 0.0))
