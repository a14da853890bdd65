"""With Redis configured, deep checks run on RQ workers; a worker killed mid-check loses
nothing and does nothing twice."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, update

from service.app.factory import create_app
from service.listings.deep_runner import DEEP_CHECK_QUEUE
from service.listings.tables import ListingAssessment, ListingDeepCheck
from tests.service.jobs.worker_process import start_worker, wait_for

from .test_listing_deep_check import UNAUTHORIZED, local_only_reposts

TOTAL = 24


@pytest.mark.redis
def test_rq_deep_check_survives_a_worker_kill(make_settings, database_url, redis_url,
                                              redis_client, client, api_keys, official,
                                              tmp_path):
    settings = make_settings(database_url=database_url, redis_url=redis_url, jobs_backend="rq")
    state = client.app.state.trust
    photos = local_only_reposts(state, official.photo, TOTAL)
    assert len(set(photos)) == TOTAL
    with TestClient(create_app(settings, load_in_background=False)) as app:
        for n in range(TOTAL):  # distinct reposts: no check reuses another's cached result
            body = {"listing_id": f"Q-{n}", "seller_id": "cheap-shop", "price": 2_400,
                    "currency": "CNY",
                    "images": [{"data": base64.b64encode(photos[n]).decode()}]}
            response = app.post("/v1/listings/score", json=body, headers=api_keys.platform)
            assert response.status_code == 200, response.text
            assert response.json()["image_check"]["status"] == "pending"
        factory = app.app.state.trust.session_factory  # type: ignore[attr-defined]
    assert Queue(DEEP_CHECK_QUEUE, connection=redis_client).count == TOTAL

    def done_count() -> int:
        with factory() as session:
            return session.scalar(select(func.count()).select_from(ListingDeepCheck).where(
                ListingDeepCheck.status == "done")) or 0

    worker = start_worker(tmp_path, database_url, redis_url)
    try:
        wait_for(lambda: done_count() >= 1 or worker.process.poll() is not None, timeout=120)
        assert done_count() >= 1, worker.tail()
    finally:
        worker.kill()  # mid-check, most likely
    assert done_count() < TOTAL, "the worker finished before it could be killed"

    # What time does for a dead runner: RQ's maintenance re-queues its job (Retry), and its
    # hold on the check expires (HOLD_SECONDS), so the next runner takes the check.
    StartedJobRegistry(queue=Queue(DEEP_CHECK_QUEUE, connection=redis_client)).cleanup(
        timestamp=time.time() + 100_000)
    with factory() as session:
        held = session.execute(
            update(ListingDeepCheck)
            .where(ListingDeepCheck.status == "pending", ListingDeepCheck.locked_until.is_not(None))
            .values(locked_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))).rowcount
        session.commit()
    second = worker.run_again()
    assert second.returncode == 0, second.stderr.decode()[-2000:]

    with factory() as session:
        checks = list(session.scalars(select(ListingDeepCheck)))
        versions = session.execute(select(ListingAssessment.listing_pk, ListingAssessment.version,
                                          ListingAssessment.reason_codes)).all()
    assert [c.status for c in checks] == ["done"] * TOTAL, (
        [(c.status, c.runs, c.error) for c in checks], worker.tail(),
        second.stderr.decode()[-3000:])
    assert {c.outcome for c in checks} == {"rescored"}
    # Every listing re-scored exactly once: versions 1 and 2, nothing stored twice.
    per_listing: dict[int, list[int]] = {}
    for listing_pk, version, _ in versions:
        per_listing.setdefault(listing_pk, []).append(version)
    assert sorted(sorted(v) for v in per_listing.values()) == [[1, 2]] * TOTAL
    assert all(UNAUTHORIZED in codes for _, version, codes in versions if version == 2)
    # The check the killed worker held ran twice; the others once.
    assert sorted(c.runs for c in checks) == [1] * (TOTAL - held) + [2] * held


@pytest.mark.redis
def test_a_job_lost_off_the_queue_is_requeued_when_a_worker_starts(
        make_settings, database_url, redis_url, redis_client, client, api_keys, official,
        tmp_path):
    settings = make_settings(database_url=database_url, redis_url=redis_url, jobs_backend="rq")
    photos = local_only_reposts(client.app.state.trust, official.photo, 2)
    with TestClient(create_app(settings, load_in_background=False)) as app:
        for n, photo in enumerate(photos):
            body = {"listing_id": f"R-{n}", "seller_id": "cheap-shop", "price": 2_400,
                    "currency": "CNY", "images": [{"data": base64.b64encode(photo).decode()}]}
            response = app.post("/v1/listings/score", json=body, headers=api_keys.platform)
            assert response.json()["image_check"]["status"] == "pending", response.text
        factory = app.app.state.trust.session_factory  # type: ignore[attr-defined]
    # What a worker killed between taking the jobs off the queue and registering them as
    # started leaves behind: no job anywhere in Redis, the checks pending in the database.
    queue = Queue(DEEP_CHECK_QUEUE, connection=redis_client)
    queue.empty()
    assert queue.count == 0
    worker = start_worker(tmp_path, database_url, redis_url)
    assert worker.process.wait(timeout=300) == 0, worker.tail()
    with factory() as session:
        statuses = [c.status for c in session.scalars(select(ListingDeepCheck)
                                                       .order_by(ListingDeepCheck.id))]
    assert statuses == ["done", "done"], worker.tail()
