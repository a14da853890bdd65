"""Where batch jobs run: RQ workers when Redis is configured, a thread in the app otherwise.

RQ (python-rq) because it is small, Redis-only (which the deployment already has), actively
maintained, and handles the failure that matters here: a worker killed mid-job leaves the
job "started" until the registry cleanup notices the dead worker and retries it (Retry).
The retry then finds the items already done in the database and scores only the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Protocol

from fastapi import Depends, Request
from redis import Redis
from rq import Queue, Retry
from rq.registry import StartedJobRegistry

from service.core.state import Component, CoreState
from service.jobs import repository
from service.jobs.service import process_job
from service.jobs.tables import BatchJob
from service.kit.db import utcnow
from service.kit.redis_guard import RedisUnavailable
from service.listings.runtime import ListingsRuntime

log = logging.getLogger("trustd.jobs")
QUEUE_NAME = "trustd-batch"
RQ_RETRIES = 3
RQ_JOB_TIMEOUT_SECONDS = 3600


def rq_queue(state: CoreState) -> Queue:
    if state.redis is None:
        raise RuntimeError("the rq backend needs TRUST_REDIS_URL")
    return Queue(QUEUE_NAME, connection=state.redis)


def _enqueue(queue: Queue, job_id: str) -> None:
    queue.enqueue("service.app.worker.run_queued_job", job_id, job_id=job_id,
                  retry=Retry(max=RQ_RETRIES), job_timeout=RQ_JOB_TIMEOUT_SECONDS)


class JobRunner:
    """Hands batch jobs to their backend; one thread per app runs the in-process ones, and
    resumes those a process that died left unfinished."""

    def __init__(self, state: CoreState, listings: ListingsRuntime) -> None:
        self._state, self._listings = state, listings
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-jobs")

    def resume(self) -> None:
        with self._state.session_factory() as session:
            unfinished = repository.unfinished_jobs(session, "inprocess")
        for job_id in unfinished:
            self._executor.submit(self._run_in_process, job_id)

    def submit(self, job: BatchJob) -> None:
        if job.backend == "rq":
            queue = rq_queue(self._state)
            try:
                self._state.redis_breaker.call(lambda: _enqueue(queue, job.id))
            except RedisUnavailable:  # stored already: requeue_lost queues it once Redis answers
                log.warning("batch job %s waits in the database for Redis", job.id)
            return
        self._executor.submit(self._run_in_process, job.id)

    def requeue_lost(self, connection: Redis, older_than_seconds: float) -> int:
        """Queues again every unfinished rq job that no queue entry and no running worker
        names (Redis was down when it was stored, or restarted empty). A job run twice at
        once is safe: its items are taken one by one under holds."""
        now = utcnow()
        with self._state.session_factory() as session:
            unfinished = repository.unfinished_jobs(
                session, "rq", now - dt.timedelta(seconds=older_than_seconds))
        if not unfinished:
            return 0
        queue = Queue(QUEUE_NAME, connection=connection)
        # No registry clean-up from here: that is the workers' maintenance.
        running = StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)
        known = set(queue.job_ids) | set(running)
        missing = [job_id for job_id in unfinished if job_id not in known]
        for job_id in missing:
            _enqueue(queue, job_id)
        if missing:
            log.warning("re-queued %d batch jobs", len(missing))
        return len(missing)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run_in_process(self, job_id: str) -> None:
        try:
            process_job(self._state, self._listings, job_id)
        except Exception:  # left pending in the database: resumed at the next start-up
            log.exception("in-process batch job failed", extra={"fields": {"job": job_id}})


class JobsHost(Protocol):
    @property
    def jobs(self) -> Component[JobRunner]: ...


async def _runner_dep(request: Request) -> JobRunner:
    host: JobsHost = request.app.state.trust
    return host.jobs.get()


JobsDep = Annotated[JobRunner, Depends(_runner_dep)]
