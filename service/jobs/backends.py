"""Where batch jobs run: RQ workers when Redis is configured, a thread in the app otherwise.

RQ (python-rq) because it is small, Redis-only (which the deployment already has), actively
maintained, and handles the failure that matters here: a worker killed mid-job leaves the
job "started" until the registry cleanup notices the dead worker and retries it (Retry).
The retry then finds the items already done in the database and scores only the rest.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from rq import Queue, Retry

from service.jobs import repository
from service.jobs.service import process_job
from service.jobs.tables import BatchJob
from service.settings import Settings
from service.state import AppState

log = logging.getLogger("trustd.jobs")
QUEUE_NAME = "trustd-batch"
RQ_RETRIES = 3
RQ_JOB_TIMEOUT_SECONDS = 3600
EXECUTOR_KEY = "jobs_executor"


def backend_name(settings: Settings) -> str:
    if settings.jobs_backend == "rq" or (settings.jobs_backend == "auto" and settings.redis_url):
        return "rq"
    return "inprocess"


def rq_queue(state: AppState) -> Queue:
    if state.redis is None:
        raise RuntimeError("the rq backend needs TRUST_REDIS_URL")
    return Queue(QUEUE_NAME, connection=state.redis)


def _run_in_process(state: AppState, job_id: str) -> None:
    try:
        process_job(state, job_id)
    except Exception:  # left pending in the database: resumed at the next start-up
        log.exception("in-process batch job failed", extra={"fields": {"job": job_id}})


def submit(state: AppState, job: BatchJob) -> None:
    if job.backend == "rq":
        rq_queue(state).enqueue("service.jobs.runner.run_queued_job", job.id, job_id=job.id,
                                retry=Retry(max=RQ_RETRIES), job_timeout=RQ_JOB_TIMEOUT_SECONDS)
        return
    executor = state.extras.get(EXECUTOR_KEY)
    if not isinstance(executor, ThreadPoolExecutor):
        raise RuntimeError("the in-process job runner is not started")
    executor.submit(_run_in_process, state, job.id)


@asynccontextmanager
async def jobs_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One runner thread per app; unfinished in-process jobs resume at start-up."""
    state: AppState = app.state.trust
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-jobs")
    state.extras[EXECUTOR_KEY] = executor
    with state.session_factory() as session:
        unfinished = repository.unfinished_jobs(session, "inprocess")
    for job_id in unfinished:
        executor.submit(_run_in_process, state, job_id)
    try:
        yield
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        state.extras.pop(EXECUTOR_KEY, None)
