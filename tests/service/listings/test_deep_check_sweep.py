"""The sweep each app process runs: rq deep checks pending in the database that no runner
holds and no queue entry names are queued again (Redis was down when they were stored, it
restarted empty, or the worker that held one was killed and its hold expired)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from rq import Queue

from service.app.factory import create_app
from service.kit.db import utcnow
from service.listings.deep_runner import DEEP_CHECK_QUEUE
from service.listings.tables import Listing, ListingAssessment, ListingDeepCheck


def _check(state, name: str, created: dt.datetime, locked_until: dt.datetime | None) -> int:
    with state.session_factory() as session:
        listing = Listing(platform_id="shop-a", listing_id=name, seller_id="s", current_version=1)
        session.add(listing)
        session.flush()
        assessment = ListingAssessment(listing_pk=listing.id, version=1,
                                       content_hash=name.ljust(64, "0"), risk=0.1, level="low",
                                       decision="allow", reason_codes=[], result={})
        session.add(assessment)
        session.flush()
        check = ListingDeepCheck(listing_pk=listing.id, assessment_id=assessment.id,
                                 backend="rq", status="pending", fields={}, photo_count=1,
                                 request_matches={}, runs=1 if locked_until else 0,
                                 locked_until=locked_until, created_at=created)
        session.add(check)
        session.commit()
        return check.id


@pytest.mark.redis
def test_lost_checks_are_queued_again_once(make_settings, database_url, redis_url,
                                           redis_client) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url, jobs_backend="rq",
                             deep_check_requeue_seconds=3600)  # the thread waits; we sweep
    with TestClient(create_app(settings, load_in_background=False)) as client:
        state = client.app.state.trust  # type: ignore[attr-defined]
        sweep = state.deep_checks.get().sweep
        now = utcnow()
        old = now - dt.timedelta(hours=1)
        lost = _check(state, "lost", old, None)  # stored while Redis was down
        dead_runner = _check(state, "dead", old, now - dt.timedelta(seconds=1))  # hold expired
        held = _check(state, "held", old, now + dt.timedelta(minutes=2))  # a live runner has it
        fresh = _check(state, "fresh", now, None)  # a request is about to enqueue it
        queue = Queue(DEEP_CHECK_QUEUE, connection=redis_client)
        queued_already = _check(state, "queued", old, None)
        queue.enqueue("service.app.worker.run_queued_deep_check", queued_already,
                      job_id=f"deep-check-{queued_already}")

        assert sweep.sweep_once() == 2
        assert sorted(queue.job_ids) == sorted(
            f"deep-check-{c}" for c in (lost, dead_runner, queued_already))
        assert f"deep-check-{held}" not in queue.job_ids
        assert f"deep-check-{fresh}" not in queue.job_ids
        # Another process sweeping within the period does nothing (one sweep at a time) ...
        assert sweep.sweep_once() == 0
        redis_client.delete("trustd:deep-check-sweep")
        # ... and a later sweep finds nothing lost: idempotent.
        assert sweep.sweep_once() == 0
        assert len(queue.job_ids) == 3
