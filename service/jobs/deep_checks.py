"""Where listing deep checks run: the batch jobs' backend choice (`backend_name`).

- rq: a queue of their own, ahead of batch jobs on the same workers (`trustd worker` listens
  to both; a deep check is one listing's photos, a batch may be a thousand listings). RQ
  carries only the check id; the check and its photo bytes are rows in the database, so a
  worker killed mid-check loses nothing: the registry cleanup re-queues the job (Retry) and
  the check, still pending, is taken again once the dead runner's hold expires.
- inprocess: one background thread per app process, at a lower CPU priority than the
  request threads (the point of deferring is to keep the requests fast) for the keypoint
  stage, and one at normal priority for the short writes that record the outcome. Checks
  still pending at start-up (the process died) are resumed then, as in-process batch jobs
  are.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis import Redis
from rq import Queue, Retry

from service.db import create_db_engine, make_session_factory, utcnow
from service.listings import deep_check, repository
from service.settings import Settings
from service.state import AppState

log = logging.getLogger("trustd.jobs")
DEEP_CHECK_QUEUE = "trustd-deep-checks"
RQ_RETRIES = 3
RQ_JOB_TIMEOUT_SECONDS = 600
EXECUTOR_KEY = "deep_checks_executor"
FUTURES_KEY = "deep_checks_futures"
# The writes that record a check's outcome run on a normal-priority thread: a low-priority
# thread holding a database write lock (SQLite locks the whole file) would hold up every
# request's write for as long as the scheduler keeps it waiting.
FINISHER_KEY = "deep_checks_finisher"
# Niceness of the in-process runner thread (Linux schedules threads individually): it gets
# the CPU the request threads leave, without starving (a GIL holder must still get to run).
BACKGROUND_NICENESS = 10
READY_WAIT_SECONDS = 600.0  # models and index load in the background at start-up


def _init_runner_thread() -> None:
    # Not Linux, or not permitted: the thread runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def _run_in_process(state: AppState, check_id: int) -> None:
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while not state.is_ready and time.monotonic() < deadline:  # checks resumed at start-up
        time.sleep(0.1)
    finisher = state.extras[FINISHER_KEY]
    for _ in range(deep_check.MAX_RUNS + 1):  # the run after the last one marks it failed
        try:
            taken = deep_check.take(state, check_id)  # CPU-heavy: on this low-priority thread
            if taken is not None:  # the writes at normal priority (see FINISHER_KEY)
                finisher.submit(deep_check.finish, state, taken).result()
            return
        except Exception:  # still pending in the database: retried here, or at start-up
            log.exception("in-process deep check failed", extra={"fields": {"check": check_id}})


def _enqueue_rq(connection: Redis, check_id: int) -> None:
    Queue(DEEP_CHECK_QUEUE, connection=connection).enqueue(
        "service.jobs.runner.run_queued_deep_check", check_id,
        job_id=f"deep-check-{check_id}", retry=Retry(max=RQ_RETRIES),
        job_timeout=RQ_JOB_TIMEOUT_SECONDS)


def requeue_unheld_rq_checks(settings: Settings, connection: Redis) -> int:
    """Re-enqueues every pending rq check that no runner holds and no queue entry names.

    Run when a worker starts. A worker killed after taking a job off the queue but before
    RQ registered it as started loses the job itself (RQ's retry never sees it) while the
    check stays pending in the database; this is what takes it again. A duplicate run is
    harmless: a runner works on a check only through its conditional hold, and the outcome
    is recorded once.
    """
    engine = create_db_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            unheld = repository.unheld_checks(session, "rq", utcnow())
    finally:
        engine.dispose()
    queued = set(Queue(DEEP_CHECK_QUEUE, connection=connection).job_ids)
    missing = [c for c in unheld if f"deep-check-{c}" not in queued]
    for check_id in missing:
        _enqueue_rq(connection, check_id)
    if missing:
        log.warning("re-queued %d deep checks no runner held", len(missing))
    return len(missing)


def submit_deep_check(state: AppState, check_id: int, backend: str) -> None:
    if backend == "rq":
        if state.redis is None:
            raise RuntimeError("the rq backend needs TRUST_REDIS_URL")
        _enqueue_rq(state.redis, check_id)
        return
    executor = state.extras.get(EXECUTOR_KEY)
    if not isinstance(executor, ThreadPoolExecutor):
        raise RuntimeError("the in-process deep-check runner is not started")
    future = executor.submit(_run_in_process, state, check_id)
    futures: set[Future[None]] = state.extras[FUTURES_KEY]
    futures.add(future)
    future.add_done_callback(futures.discard)


def drain(state: AppState, timeout: float = 60.0) -> None:
    """Waits for every in-process deep check submitted so far (tests, benchmarks)."""
    futures: set[Future[None]] = state.extras.get(FUTURES_KEY, set())
    _, pending = wait(list(futures), timeout=timeout)
    if pending:
        raise TimeoutError(f"{len(pending)} deep checks still running after {timeout} s")


@asynccontextmanager
async def deep_checks_lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.trust
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deep-checks",
                                  initializer=_init_runner_thread)
    finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deep-check-writes")
    state.extras[EXECUTOR_KEY] = executor
    state.extras[FINISHER_KEY] = finisher
    state.extras[FUTURES_KEY] = set()
    with state.session_factory() as session:
        unfinished = repository.unfinished_checks(session, "inprocess")
    for check_id in unfinished:
        submit_deep_check(state, check_id, "inprocess")
    try:
        yield
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        finisher.shutdown(wait=True)
        state.extras.pop(EXECUTOR_KEY, None)
        state.extras.pop(FINISHER_KEY, None)
