"""Batch scoring jobs: in-process runner, resume after a dead runner, RQ worker killed mid-job."""

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
from service.jobs import service as jobs
from service.jobs.backends import QUEUE_NAME
from service.jobs.tables import BatchJob, BatchJobItem
from service.listings.tables import ListingAssessment
from tests.service.jobs.worker_process import start_worker, wait_for


def listing(n: int, image: bytes) -> dict:
    return {"listing_id": f"B-{n}", "seller_id": f"seller-{n % 3}", "caption": "二手 包包",
            "price": 100 + n, "currency": "CNY",
            "images": [{"data": base64.b64encode(image).decode()}]}


def job_state(client, headers, job_id):
    response = client.get(f"/v1/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_in_process_batch_scores_every_listing(client, api_keys, photo):
    body = {"listings": [listing(1, photo(1)), listing(2, photo(2)),
                         {**listing(3, photo(3)), "images": [{"data": "bm90IGFuIGltYWdl"}]}]}
    accepted = client.post("/v1/listings/score-batch", json=body, headers=api_keys.platform)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["backend"] == "inprocess"
    job_id = accepted.json()["job_id"]
    done = wait_for(lambda: (s := job_state(client, api_keys.platform, job_id))["status"] == "done"
                    and s)
    assert (done["done"], done["failed"], done["pending"]) == (2, 1, 0)
    failed = next(i for i in done["items"] if i["status"] == "failed")
    assert failed["listing_id"] == "B-3"
    assert failed["error"]["code"] == "unsupported_image_format"
    scored = client.get("/v1/listings/B-1", headers=api_keys.platform).json()
    assert done["items"][0]["result"]["risk"] == scored["risk"]
    assert client.get(f"/v1/jobs/{job_id}", headers=api_keys.other_platform).status_code == 404


def test_batch_input_is_checked_before_queueing(client, api_keys, photo, make_settings,
                                                database_url):
    bad = {"listings": [listing(1, photo(1)), {"listing_id": "x", "seller_id": "y"}]}
    response = client.post("/v1/listings/score-batch", json=bad, headers=api_keys.platform)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    small = make_settings(database_url=database_url, score_batch_max=2)
    with TestClient(create_app(small, load_in_background=False)) as limited:
        body = {"listings": [listing(n, photo(n)) for n in range(3)]}
        too_many = limited.post("/v1/listings/score-batch", json=body, headers=api_keys.platform)
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "batch_too_large"
    with client.app.state.trust.session_factory() as session:  # nothing was queued
        assert session.scalar(select(func.count()).select_from(BatchJob)) == 0
        assert session.scalar(select(func.count()).select_from(BatchJobItem)) == 0


def test_unfinished_in_process_job_resumes_at_start_up(settings, client, api_keys, photo):
    state = client.app.state.trust
    job = jobs.create_job(state, "shop-a", [listing(n, photo(n)) for n in range(4)], "inprocess")
    with state.session_factory() as session:  # as if the runner died after the first item
        first = session.scalars(select(BatchJobItem).where(BatchJobItem.position == 0)).one()
        first.status, first.result = "done", {"marker": "scored before the crash"}
        session.get(BatchJob, job.id).status = "running"
        session.commit()
    client.__exit__(None, None, None)
    with TestClient(create_app(settings, load_in_background=False)) as restarted:
        done = wait_for(lambda: (s := job_state(restarted, api_keys.platform, job.id))["status"]
                        == "done" and s)
    assert (done["done"], done["pending"]) == (4, 0)
    assert done["items"][0]["result"] == {"marker": "scored before the crash"}


@pytest.mark.redis
def test_rq_job_survives_a_worker_kill(make_settings, database_url, redis_url, redis_client,
                                       api_keys, photo, tmp_path):
    settings = make_settings(database_url=database_url, redis_url=redis_url, jobs_backend="rq")
    total = 60
    with TestClient(create_app(settings, load_in_background=False)) as app:
        body = {"listings": [listing(n, photo(n % 7)) for n in range(total)]}
        accepted = app.post("/v1/listings/score-batch", json=body, headers=api_keys.platform)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["backend"] == "rq"
        job_id = accepted.json()["job_id"]
        factory = app.app.state.trust.session_factory  # type: ignore[attr-defined]

    def done_count() -> int:
        with factory() as session:
            return session.scalar(select(func.count()).select_from(BatchJobItem).where(
                BatchJobItem.job_id == job_id, BatchJobItem.status == "done")) or 0

    worker = start_worker(tmp_path, database_url, redis_url)
    try:
        wait_for(lambda: done_count() >= 1 or worker.process.poll() is not None, timeout=120)
        assert done_count() >= 1, worker.tail()
    finally:
        worker.kill()  # mid-job
    killed_at = done_count()
    assert killed_at < total, "the worker finished before it could be killed"

    # What RQ's periodic maintenance does once the dead worker's execution has expired, and
    # what time does to the dead runner's hold on the item it was scoring (ITEM_HOLD_SECONDS).
    # (The worker runs jobs in its own process, so the kill above stops the work itself.)
    registry = StartedJobRegistry(queue=Queue(QUEUE_NAME, connection=redis_client))
    registry.cleanup(timestamp=time.time() + 100_000)
    with factory() as session:
        session.execute(update(BatchJobItem).where(BatchJobItem.job_id == job_id,
                                                   BatchJobItem.locked_until.is_not(None))
                        .values(locked_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
        session.commit()
    second = worker.run_again()
    assert second.returncode == 0, second.stderr.decode()[-2000:]

    with factory() as session:
        job = session.get(BatchJob, job_id)
        assert (job.status, job.runs) == ("done", 2)
        assert done_count() == total
        versions = session.scalars(select(ListingAssessment.version)).all()
    assert sorted(versions) == [1] * total  # nothing scored twice
