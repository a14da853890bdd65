"""Batch scoring: a job is stored with all its listings, then scored item by item.

Each item is held with an expiring lock while it is scored and committed as soon as it is
done, so a runner that dies loses at most the item in hand, which a later run scores again
(scoring is idempotent by content, so that costs nothing and duplicates nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any

from service.core.state import CoreState
from service.images.inputs import images_from_json
from service.jobs import repository
from service.jobs.tables import BatchJob, BatchJobItem
from service.kit.db import utcnow
from service.kit.errors import DomainError, NotFound, Unprocessable
from service.listings import service as listings
from service.listings.inputs import MAX_LISTING_IMAGES, parse_fields
from service.listings.runtime import ListingsRuntime
from service.platforms.service import effective as effective_thresholds

log = logging.getLogger("trustd.jobs")
ITEM_HOLD_SECONDS = 300
HELD_POLL_SECONDS = 0.5
KIND_SCORE_LISTINGS = "score_listings"


def create_job(state: CoreState, platform_id: str, listings_in: list[dict[str, Any]],
               backend: str) -> BatchJob:
    for index, entry in enumerate(listings_in):  # refuse malformed input before queueing
        if not isinstance(entry, dict):
            raise Unprocessable(f"listings[{index}] must be an object", code="invalid_input")
        parse_fields(entry)
        images = entry.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= MAX_LISTING_IMAGES:
            raise Unprocessable(f"listings[{index}].images: 1 to {MAX_LISTING_IMAGES} images",
                                code="invalid_input", index=index)
    job = BatchJob(id="job_" + uuid.uuid4().hex, platform_id=platform_id,
                   kind=KIND_SCORE_LISTINGS, status="queued", backend=backend,
                   total=len(listings_in), runs=0)
    with state.session_factory() as session:
        repository.add_job(session, job, [
            BatchJobItem(job_id=job.id, position=i, listing_id=e["listing_id"], request=e,
                         status="pending") for i, e in enumerate(listings_in)])
        session.commit()
    return job


def get_job(state: CoreState, platform_id: str, job_id: str) -> tuple[BatchJob, list[BatchJobItem]]:
    with state.session_factory() as session:
        job = repository.get_job(session, job_id)
        if job is None or job.platform_id != platform_id:
            raise NotFound(f"no job {job_id}", code="job_not_found")
        return job, repository.items_of(session, job_id)


def _score_item(state: CoreState, runtime: ListingsRuntime, platform_id: str,
                request: dict[str, Any]) -> dict[str, Any]:
    fields = parse_fields(request)
    blobs = images_from_json(request.get("images"), MAX_LISTING_IMAGES,
                             state.image_limits.max_bytes, state.image_fetcher)
    # Both matching stages here (no deferred deep check): a batch result is final.
    scored = listings.score(state, runtime, platform_id, fields, blobs,
                            effective_thresholds(state, platform_id), time.perf_counter())
    return {key: scored.body[key] for key in ("assessment_version", "risk", "level",
                                              "decision", "review_item_id", "stored")}


def _has_pending(state: CoreState, job_id: str) -> bool:
    with state.session_factory() as session:
        return repository.counts(session, job_id).get("pending", 0) > 0


def process_job(state: CoreState, runtime: ListingsRuntime, job_id: str,
                now: dt.datetime | None = None, wait_for_held: float = 0.0) -> BatchJob:
    """Scores every pending item of the job; safe to run again, or concurrently.

    `wait_for_held`: how long to wait for items another runner holds (a queue retry after a
    worker was killed mid-item: its hold expires after ITEM_HOLD_SECONDS, then the item is
    scored here rather than left pending with no run to come).
    """
    deadline = time.monotonic() + wait_for_held
    with state.session_factory() as session:
        job = repository.get_job(session, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}", code="job_not_found")
        job.status, job.runs = "running", job.runs + 1
        platform_id = job.platform_id
        session.commit()
    while True:
        moment = now or utcnow()
        with state.session_factory() as session:
            item_id = repository.next_item_id(session, job_id, moment)
            if item_id is None or not repository.hold_item(
                    session, item_id, moment, moment + dt.timedelta(seconds=ITEM_HOLD_SECONDS)):
                session.rollback()
                if item_id is None:
                    if time.monotonic() < deadline and _has_pending(state, job_id):
                        time.sleep(HELD_POLL_SECONDS)
                        continue
                    break
                continue
            session.commit()
            item = repository.get_item(session, item_id)
            assert item is not None
            request = item.request
        try:
            outcome, status, error = _score_item(state, runtime, platform_id, request), "done", None
        except DomainError as exc:  # this listing is invalid; the others go on
            outcome, status, error = None, "failed", exc.to_body()["error"]
        with state.session_factory() as session:
            row = repository.get_item(session, item_id)
            assert row is not None
            row.status, row.result, row.error = status, outcome, error
            row.locked_until, row.finished_at = None, utcnow()
            job_row = repository.get_job(session, job_id)
            assert job_row is not None
            job_row.updated_at = utcnow()  # heartbeat
            session.commit()
    with state.session_factory() as session:
        job = repository.get_job(session, job_id)
        assert job is not None
        if repository.counts(session, job_id).get("pending", 0) == 0:
            job.status, job.finished_at = "done", utcnow()
        session.commit()
        log.info("batch job pass finished", extra={"fields": {"job": job_id, "runs": job.runs}})
        return job
