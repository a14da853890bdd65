"""An rq batch job stored while Redis was down (or lost with a Redis that restarted empty) is
queued again by the app's sweep; one a worker runs (started) or still queued is left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from rq import Queue
from rq.registry import StartedJobRegistry

from service.app.factory import create_app
from service.jobs.backends import QUEUE_NAME
from service.jobs.tables import BatchJob
from service.kit.db import utcnow


@pytest.mark.redis
def test_lost_batch_jobs_are_queued_again(make_settings, database_url, redis_url,
                                          redis_client) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url, jobs_backend="rq",
                             deep_check_requeue_seconds=3600)  # the thread waits; we sweep
    with TestClient(create_app(settings, load_in_background=False)) as client:
        state = client.app.state.trust  # type: ignore[attr-defined]
        old = utcnow() - dt.timedelta(hours=1)
        with state.session_factory() as session:
            for job_id, status in (("lost", "queued"), ("running-lost", "running"),
                                   ("started", "running"), ("queued", "queued"),
                                   ("finished", "done")):
                session.add(BatchJob(id=job_id, platform_id="shop-a", kind="score", status=status,
                                     backend="rq", total=1, created_at=old))
            session.add(BatchJob(id="fresh", platform_id="shop-a", kind="score",
                                 status="queued", backend="rq", total=1, created_at=utcnow()))
            session.commit()
        queue = Queue(QUEUE_NAME, connection=redis_client)
        queue.enqueue("service.app.worker.run_queued_job", "queued", job_id="queued")
        # A worker runs "started": RQ lists its execution (job id:execution id) as started.
        started = StartedJobRegistry(queue=queue)
        redis_client.zadd(started.key, {"started:execution-1": float("inf")})
        assert started.get_job_ids(cleanup=False) == ["started"]

        assert state.deep_checks.get().sweep.sweep_once() == 2
        assert sorted(queue.job_ids) == ["lost", "queued", "running-lost"]
