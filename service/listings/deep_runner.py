"""Where listing deep checks run: `Settings.background_backend`, as for batch jobs.

- rq: a queue of their own, ahead of batch jobs on the same workers (`trustd worker` listens
  to both; a deep check is one listing's photos, a batch may be a thousand listings). RQ
  carries only the check id; the check and its photo bytes are rows in the database, so a
  worker killed mid-check loses nothing: the registry cleanup re-queues the job (Retry) and
  the check, still pending, is taken again once the dead runner's hold expires. Redis may
  lose the queue (down when the check was stored, or restarted empty): each app process
  runs a sweep (one process at a time, by a lock in Redis) that queues again every pending
  check no runner holds and no queue entry names, once Redis answers.
- inprocess: one background thread per app process, at a lower CPU priority than the
  request threads (the point of deferring is to keep the requests fast) for the keypoint
  stage, and one at normal priority for the short writes that record the outcome. Checks
  still pending at start-up (the process died) are resumed then, as in-process batch jobs
  are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Annotated, Protocol

from fastapi import Depends, Request
from redis import Redis
from rq import Queue, Retry
from sqlalchemy.orm import Session, sessionmaker

from service.core.state import Component, CoreState
from service.kit.db import utcnow
from service.kit.redis_guard import RedisUnavailable
from service.listings import deep_check, repository
from service.listings.runtime import ListingsRuntime

log = logging.getLogger("trustd.jobs")
DEEP_CHECK_QUEUE = "trustd-deep-checks"
RQ_RETRIES = 3
RQ_JOB_TIMEOUT_SECONDS = 600
# Niceness of the in-process runner thread (Linux schedules threads individually): it gets
# the CPU the request threads leave, without starving (a GIL holder must still get to run).
BACKGROUND_NICENESS = 10
READY_WAIT_SECONDS = 600.0  # models and index load in the background at start-up


def _init_runner_thread() -> None:
    # Not Linux, or not permitted: the thread runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def _enqueue_rq(connection: Redis, check_id: int) -> None:
    Queue(DEEP_CHECK_QUEUE, connection=connection).enqueue(
        "service.app.worker.run_queued_deep_check", check_id,
        job_id=f"deep-check-{check_id}", retry=Retry(max=RQ_RETRIES),
        job_timeout=RQ_JOB_TIMEOUT_SECONDS)


def requeue_unheld_rq_checks(sessions: sessionmaker[Session], connection: Redis,
                             older_than_seconds: float = 0.0) -> int:
    """Re-enqueues every pending rq check that no runner holds and no queue entry names.

    Run when a worker starts and by the app's sweep. Covers a worker killed after taking a
    job off the queue but before RQ registered it as started (RQ's retry never sees it),
    a check stored while Redis was down, and a Redis that restarted empty. A duplicate run
    is harmless: a runner works on a check only through its conditional hold, and the
    outcome is recorded once. `older_than_seconds` leaves alone checks a request has just
    stored and is about to enqueue.
    """
    now = utcnow()
    with sessions() as session:
        unheld = repository.unheld_checks(
            session, "rq", now, now - dt.timedelta(seconds=older_than_seconds))
    if not unheld:
        return 0
    queued = set(Queue(DEEP_CHECK_QUEUE, connection=connection).job_ids)
    missing = [c for c in unheld if f"deep-check-{c}" not in queued]
    for check_id in missing:
        _enqueue_rq(connection, check_id)
    if missing:
        log.warning("re-queued %d deep checks no runner held", len(missing))
    return len(missing)


SWEEP_LOCK = "trustd:deep-check-sweep"


class RequeueSweep:
    """Each app process's thread that queues lost rq deep checks again (see the module
    doc), every `period` seconds and at once when Redis answers after an outage."""

    def __init__(self, state: CoreState, period: float) -> None:
        self._state, self._period = state, period
        self._stop, self._due = threading.Event(), threading.Event()
        self.requeued = 0
        # More lost work to queue again (batch jobs: the jobs domain adds its own).
        self._tasks: list[Callable[[Redis, float], int]] = []
        state.redis_breaker.on_recovery(self._due.set)
        self._thread = threading.Thread(target=self._run, name="deep-check-sweep", daemon=True)
        self._thread.start()

    def sweep_once(self) -> int:
        """Re-queues what is lost, unless another process swept within the period."""
        redis, breaker = self._state.redis, self._state.redis_breaker
        if redis is None:
            return 0
        lock_ms = max(1, int(self._period * 1000))
        if not breaker.call(lambda: redis.set(SWEEP_LOCK, os.getpid(), nx=True, px=lock_ms)):
            return 0
        count = breaker.call(lambda: requeue_unheld_rq_checks(
            self._state.session_factory, redis, self._period))
        for task in list(self._tasks):
            count += breaker.call(lambda task=task: task(redis, self._period))  # type: ignore[misc]
        self.requeued += count
        return count

    def add_task(self, task: Callable[[Redis, float], int]) -> None:
        """`task(connection, older_than_seconds)` queues lost work again; returns how much."""
        self._tasks.append(task)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._due.wait(self._period)
            self._due.clear()
            if self._stop.is_set():
                return
            try:
                self.sweep_once()
            except RedisUnavailable:
                pass  # the next period, or the recovery, tries again
            except Exception:
                log.exception("deep-check sweep failed")

    def close(self) -> None:
        self._stop.set()
        self._due.set()
        self._thread.join(timeout=5)


class DeepCheckRunner:
    """Hands deep checks to their backend; runs the in-process ones on its own threads.

    One per app process, started after the listings runtime it scores with. Checks left
    pending by a process that died are resumed when it starts.
    """

    def __init__(self, state: CoreState, listings: ListingsRuntime) -> None:
        self._state, self._listings = state, listings
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deep-checks",
                                            initializer=_init_runner_thread)
        # The writes that record a check's outcome run on a normal-priority thread: a
        # low-priority thread holding a database write lock (SQLite locks the whole file)
        # would hold up every request's write for as long as the scheduler keeps it waiting.
        self._finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deep-check-writes")
        self._futures: set[Future[None]] = set()
        self._closing = threading.Event()
        self.sweep = (RequeueSweep(state, state.settings.deep_check_requeue_seconds)
                      if state.redis is not None else None)

    def resume(self) -> None:
        with self._state.session_factory() as session:
            unfinished = repository.unfinished_checks(session, "inprocess")
        for check_id in unfinished:
            self.submit(check_id, "inprocess")

    def submit(self, check_id: int, backend: str) -> None:
        if backend == "rq":
            redis = self._state.redis
            if redis is None:
                raise RuntimeError("the rq backend needs TRUST_REDIS_URL")
            try:
                self._state.redis_breaker.call(lambda: _enqueue_rq(redis, check_id))
            except RedisUnavailable:  # stored already: the sweep queues it once Redis answers
                log.warning("deep check %d waits in the database for Redis", check_id)
            return
        future = self._executor.submit(self._run_in_process, check_id)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def drain(self, timeout: float = 60.0) -> None:
        """Waits for every in-process deep check submitted so far (tests, benchmarks)."""
        _, pending = wait(list(self._futures), timeout=timeout)
        if pending:
            raise TimeoutError(f"{len(pending)} deep checks still running after {timeout} s")

    def close(self) -> None:
        self._closing.set()  # a check waiting for start-up to finish gives up: it stays queued
        if self.sweep is not None:
            self.sweep.close()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._finisher.shutdown(wait=True)

    def _run_in_process(self, check_id: int) -> None:
        state, listings = self._state, self._listings
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while not state.is_ready and time.monotonic() < deadline:  # resumed at start-up
            if self._closing.wait(0.1):  # shutting down (the components are being closed):
                return  # still pending in the database, resumed at the next start
        for _ in range(deep_check.MAX_RUNS + 1):  # the run after the last one marks it failed
            try:
                taken = deep_check.take(state, listings, check_id)  # CPU-heavy, low priority
                if taken is not None:  # the writes at normal priority
                    self._finisher.submit(deep_check.finish, state, listings, taken).result()
                return
            except Exception:  # still pending in the database: retried here, or at start-up
                log.exception("in-process deep check failed",
                              extra={"fields": {"check": check_id}})


class DeepChecksHost(Protocol):
    @property
    def deep_checks(self) -> Component[DeepCheckRunner]: ...


async def _runner_dep(request: Request) -> DeepCheckRunner:
    host: DeepChecksHost = request.app.state.trust
    return host.deep_checks.get()


DeepChecksDep = Annotated[DeepCheckRunner, Depends(_runner_dep)]
