"""Where batch jobs run: RQ workers when Redis is configured, a thread in the app otherwise.

RQ (python-rq) because it is small, Redis-only (which the deployment already has), actively
maintained, and handles the failure that matters here: a worker killed mid-job leaves the
job "started" until the registry cleanup notices the dead worker and retries it (Retry).
The retry then finds the items already done in the database and scores only the rest.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Protocol

from fastapi import Depends, Request
from rq import Queue, Retry

from service.core.state import Component, CoreState
from service.jobs import repository
from service.jobs.service import process_job
from service.jobs.tables import BatchJob
from service.listings.runtime import ListingsRuntime

log = logging.getLogger("trustd.jobs")
QUEUE_NAME = "trustd-batch"
RQ_RETRIES = 3
RQ_JOB_TIMEOUT_SECONDS = 3600


def rq_queue(state: CoreState) -> Queue:
    if state.redis is None:
        raise RuntimeError("the rq backend needs TRUST_REDIS_URL")
    return Queue(QUEUE_NAME, connection=state.redis)


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
            rq_queue(self._state).enqueue(
                "service.app.worker.run_queued_job", job.id, job_id=job.id,
                retry=Retry(max=RQ_RETRIES), job_timeout=RQ_JOB_TIMEOUT_SECONDS)
            return
        self._executor.submit(self._run_in_process, job.id)

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
