"""The deep check: the catalog matcher's keypoint ("local") stage for the photos the hash
stage left without a match, run after the scoring response (deep_runner.py decides
where: an RQ worker when Redis is configured, a background thread otherwise).

Outcomes, recorded on the check and on the assessment it completes:
- no new matches: the assessment's `image_check` becomes complete (no new version: the
  evidence did not change, so neither did the score);
- new matches: the listing is re-scored with the request's and the local stage's matches
  merged, stored as a new assessment version of the same content (the stored-assessment
  lookup returns the newest), the review item follows it, and the platform's webhooks get
  an `assessment.updated` event written in the same transaction (outbox); with nothing
  new, an `assessment.checked` event says the first answer is final;
- superseded: the listing's content changed meanwhile; its newer assessment has its own
  check, so this one only caches the local stage's results.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.risk import RiskThresholds
from service.core.state import CoreState
from service.images.gate import DegenerateImage, ImageLimits, decode_image, probe
from service.kit.db import utcnow
from service.listings import assess, photos, repository
from service.listings.runtime import ListingsRuntime
from service.listings.schemas import Assessment, ImageCheckOut, ListingFields
from service.listings.tables import Listing, ListingAssessment, ListingDeepCheck
from service.listings.tables import ListingDeepCheckPhoto as CheckPhoto
from service.matching.service import gate_side
from service.networks import service as networks
from service.webhooks.delivery import deliver_due
from service.webhooks.service import enqueue_event

log = logging.getLogger("trustd.listings")
HOLD_SECONDS = 120  # a runner's hold on a check; a dead runner's check is retaken after it
MAX_RUNS = 3  # a check that failed this often is marked failed instead of retried forever
WAIT_POLL_SECONDS = 0.05
EVENT_UPDATED = "assessment.updated"  # a deep check found more: a new assessment version
EVENT_CHECKED = "assessment.checked"  # a deep check found nothing more: the scores stand


def create(session: Session, listing: Listing, assessment: ListingAssessment,
           fields: ListingFields, backend: str, found: dict[int, list[photos.PhotoMatch]],
           waiting: list[tuple[photos.Photo, bytes]]) -> ListingDeepCheck:
    """The check and the bytes of its photos, in the caller's transaction (the one storing
    the assessment), so an assessment is never pending without the work to complete it."""
    check = ListingDeepCheck(
        listing_pk=listing.id, assessment_id=assessment.id, backend=backend, status="pending",
        fields=fields.model_dump(),
        photo_count=_photo_count(assess.stored_assessment(assessment)),
        request_matches=photos.to_json(found), runs=0)
    repository.add(session, check)
    session.add_all(CheckPhoto(check_id=check.id, photo_index=photo.index, sha256=photo.sha256,
                               data=data) for photo, data in waiting)
    return check


def _photo_count(scored: Assessment) -> int:
    """Every photo of the listing, the skipped ones included (matches keep their index)."""
    return scored.photos_checked + len(scored.image_check.skipped_photos)


def _degenerate(data: bytes, limits: ImageLimits) -> bool:
    try:
        probe(data, limits)
    except DegenerateImage:
        return True
    return False


def _local_stage(state: CoreState, runtime: ListingsRuntime, session: Session,
                 rows: list[CheckPhoto]) -> dict[int, list[photos.PhotoMatch]]:
    limits = state.image_limits
    # A strip stored by a request before strips were skipped there gets no matches here
    # rather than failing the check of every other photo.
    rows = [row for row in rows if not _degenerate(row.data, limits)]
    blobs = {row.photo_index: row.data for row in rows}
    # Validated again (cheaply, at the local stage's size): the bytes come from storage.
    return photos.run_stage(
        session, runtime.matcher, "local", runtime.matcher.version,
        [photos.Photo(row.photo_index, row.sha256) for row in rows], state.cache,
        state.settings.listing_image_cache_seconds,
        lambda i: decode_image(blobs[i], limits, i, draft_side=gate_side(True)))


def _mark(assessment: ListingAssessment, status: str, check_id: int, stages: list[str],
          updated_version: int | None = None) -> None:
    """`stages`: the matching stages whose results this assessment's scores include."""
    # Assigned anew: the JSON column tracks assignment, not in-place changes.
    scored = assess.stored_assessment(assessment)
    assessment.result = scored.with_image_check(ImageCheckOut(
        status=status, stages=stages, deep_check_id=check_id, updated_version=updated_version,
        skipped_photos=scored.image_check.skipped_photos,
        bank_matches=scored.image_check.bank_matches)).model_dump(mode="json")


def _rescore(session: Session, state: CoreState, runtime: ListingsRuntime,
             check: ListingDeepCheck, listing: Listing, first: ListingAssessment,
             merged: photos.PerPhoto, now: dt.datetime) -> ListingAssessment:
    fields = ListingFields.model_validate(check.fields)
    scored = assess.stored_assessment(first)
    kept = scored.thresholds  # the ones the request scored with
    # Photos the local stage found in the catalog are official photos for networks too.
    networks.mark_catalog(session, listing.platform_id, listing.listing_id,
                          [i for i, found in enumerate(merged) if found])
    links = networks.stored_links(session, listing.platform_id, listing.seller_id,
                                  listing.listing_id, state.settings.network_rare_max_sellers) \
        if state.settings.supplier_signals_enabled else []
    scoring = assess.assess(session, state, runtime, fields, merged,
                            RiskThresholds(review=kept["review"], block=kept["block"]),
                            ImageCheckOut(status="complete", stages=["hash", "local"],
                                          deep_check_id=check.id,
                                          skipped_photos=scored.image_check.skipped_photos,
                                          bank_matches=scored.image_check.bank_matches),
                            links)
    listing, newer = assess.store(session, listing.platform_id, fields, first.content_hash,
                                  scoring, now)
    item_id = runtime.review.enqueue(session, listing, newer, now)
    enqueue_event(session, listing.platform_id, EVENT_UPDATED, {
        "listing_id": listing.listing_id, "seller_id": listing.seller_id,
        "assessment_version": newer.version, "previous_version": first.version,
        "risk": newer.risk, "level": newer.level, "decision": newer.decision,
        "reason_codes": newer.reason_codes, "review_item_id": item_id,
        "image_matches": [m.model_dump() for m in scoring.assessment.image_matches],
        "cause": "deep_check"}, now)
    return newer


def _finish(state: CoreState, runtime: ListingsRuntime, check_id: int,
            local: dict[int, list[photos.PhotoMatch]]) -> str | None:
    """Records the outcome once (a second finisher finds the check closed and stops)."""
    for attempt in range(2):
        now = utcnow()
        with state.session_factory() as session:
            check = repository.get_check(session, check_id)
            first = repository.get_assessment(session, check.assessment_id) if check else None
            listing = repository.get_listing(session, check.listing_pk) if check else None
            if check is None or first is None or listing is None or check.status != "pending":
                return None
            latest = repository.latest_assessment(session, listing.id)
            version = None
            if not any(local.values()):
                outcome = "no_new_matches"  # the scores stand: they had every match
                _mark(first, "complete", check.id, ["hash", "local"])
                # Said anyway: a platform holding a listing back on "pending" can release it.
                enqueue_event(session, listing.platform_id, EVENT_CHECKED, {
                    "listing_id": listing.listing_id, "seller_id": listing.seller_id,
                    "assessment_version": first.version, "risk": first.risk,
                    "level": first.level, "decision": first.decision,
                    "image_check": "complete", "cause": "deep_check"}, now)
            elif latest is None or latest.id != first.id:
                outcome = "superseded"  # the newer content's assessment is what counts
                _mark(first, "complete", check.id, ["hash"])
            else:
                outcome = "rescored"
                merged = photos.merge(photos.from_json(check.request_matches), local,
                                      count=check.photo_count)
                try:
                    version = _rescore(session, state, runtime, check, listing, first, merged,
                                       now).version
                except IntegrityError:  # a new version of the listing was stored meanwhile
                    session.rollback()
                    if attempt:
                        raise
                    continue
                _mark(first, "complete", check.id, ["hash"], updated_version=version)
            if not repository.close_check(session, check_id, "done", outcome, now, version):
                session.rollback()
                return None
            session.commit()
            return outcome
    return None


@dataclass(frozen=True)
class Taken:
    """A check held by this runner, with the local stage's results (None: it failed too
    often, and is to be marked failed)."""

    check_id: int
    local: dict[int, list[photos.PhotoMatch]] | None


@contextmanager
def _released_on_error(state: CoreState, check_id: int) -> Iterator[None]:
    try:
        yield
    except Exception:
        with state.session_factory() as session:  # let a retry take it at once
            repository.release_check(session, check_id)
            session.commit()
        raise


def take(state: CoreState, runtime: ListingsRuntime, check_id: int) -> Taken | None:
    """Holds a pending check and runs the local stage (the CPU-heavy part, no writes):
    None when another runner holds it or it is done already."""
    now = utcnow()
    with state.session_factory() as session:
        if not repository.hold_check(session, check_id, now,
                                     now + dt.timedelta(seconds=HOLD_SECONDS)):
            session.rollback()
            return None
        session.commit()
    with _released_on_error(state, check_id), state.session_factory() as session:
        check = repository.get_check(session, check_id)
        assert check is not None
        if check.runs > MAX_RUNS:
            return Taken(check_id, None)
        rows = repository.check_photos(session, check_id)
        return Taken(check_id, _local_stage(state, runtime, session, rows))


def finish(state: CoreState, runtime: ListingsRuntime, taken: Taken) -> str | None:
    """Records what a taken check found (the writes), then sends its webhook event."""
    with _released_on_error(state, taken.check_id):
        if taken.local is None:
            outcome = _give_up(state, taken.check_id)
        else:
            outcome = _finish(state, runtime, taken.check_id, taken.local)
    log.info("deep check finished", extra={"fields": {"check": taken.check_id,
                                                      "outcome": outcome}})
    if outcome in ("rescored", "no_new_matches"):  # first attempt now; the dispatcher retries
        deliver_due(state.session_factory, state.settings)
    return outcome


def _give_up(state: CoreState, check_id: int) -> str | None:
    with state.session_factory() as session:
        check = repository.get_check(session, check_id)
        first = repository.get_assessment(session, check.assessment_id) if check else None
        if first is not None and check is not None:
            _mark(first, "failed", check.id, ["hash"])
        if not repository.close_check(session, check_id, "failed", None, utcnow(),
                                      error=f"gave up after {MAX_RUNS} runs"):
            session.rollback()
            return None
        session.commit()
        return "failed"


def run(state: CoreState, runtime: ListingsRuntime, check_id: int) -> str | None:
    """Runs one pending deep check; returns its outcome, or None when another runner holds
    it or it was done already. Safe to call again, or concurrently."""
    taken = take(state, runtime, check_id)
    return finish(state, runtime, taken) if taken is not None else None


def run_or_wait(state: CoreState, runtime: ListingsRuntime, check_id: int,
                timeout: float) -> str | None:
    """Runs the check, or waits (up to `timeout`) while another runner holds it: a caller
    who waits for the answer, and a queue retry after a runner was killed mid-check (its
    hold expires after HOLD_SECONDS, then the check is taken again here)."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = run(state, runtime, check_id)
        if outcome is not None or time.monotonic() >= deadline:
            return outcome
        with state.session_factory() as session:
            check = repository.get_check(session, check_id)
            if check is None or check.status != "pending":
                return check.outcome if check is not None else None
        time.sleep(WAIT_POLL_SECONDS)
