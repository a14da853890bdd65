"""RQ workers for listing deep checks and batch scoring jobs: the loop (settings from TRUST_*
environment variables) and the functions it runs. Each worker process builds its own app
state once.

    TRUST_REDIS_URL=redis://127.0.0.1:6379/0 trustd worker        # the same, as a CLI command
    TRUST_REDIS_URL=redis://127.0.0.1:6379/0 python -P -m service.app.worker
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time

from redis import Redis
from rq import SimpleWorker
from sqlalchemy.orm import Session, sessionmaker

from service.app.lifespan import build_state, load_components
from service.app.state import AppState
from service.jobs import repository as jobs_repository
from service.jobs.backends import QUEUE_NAME
from service.jobs.service import ITEM_HOLD_SECONDS, process_job
from service.kit.db import create_db_engine, make_session_factory, utcnow
from service.kit.redis_guard import REDIS_ERRORS
from service.kit.settings import Settings, get_settings
from service.listings import deep_check
from service.listings.deep_runner import DEEP_CHECK_QUEUE, requeue_unheld_rq_checks

log = logging.getLogger("trustd.worker")
# RQ waits up to a minute between tries to reach a lost Redis; deep checks must resume
# within seconds of it coming back.
RECONNECT_MAX_SECONDS = 5.0
FORGET_WORKERS_AFTER = dt.timedelta(days=1)

_state: AppState | None = None
_lock = threading.Lock()


def worker_state() -> AppState:
    global _state
    with _lock:
        if _state is None:
            state = build_state(get_settings())
            load_components(state, runners=False)  # the models, as the web workers load them
            _state = state
        return _state


def run_queued_job(job_id: str) -> str:
    state = worker_state()
    # A retry after a killed worker waits for the dead runner's item hold to expire.
    return process_job(state, state.listings.get(), job_id,
                       wait_for_held=ITEM_HOLD_SECONDS + 30).status


def run_queued_deep_check(check_id: int) -> str | None:
    state = worker_state()
    # A retry after a killed worker waits for the dead runner's hold to expire.
    return deep_check.run_or_wait(state, state.listings.get(), check_id,
                                  deep_check.HOLD_SECONDS + 30)


class Heartbeat:
    """Writes this worker's row in the database every `period` seconds (readiness reads
    it to tell whether a deep-check backlog has a live worker)."""

    def __init__(self, sessions: sessionmaker[Session], period: float) -> None:
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:200]
        self._sessions, self._period = sessions, period
        self._started = utcnow()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def beat(self) -> None:
        now = utcnow()
        with self._sessions() as session:
            jobs_repository.beat(session, self.name, self._started, now,
                                 now - FORGET_WORKERS_AFTER)
            session.commit()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception:  # the database is back soon, or readiness says so
                log.exception("worker heartbeat failed")
            self._stop.wait(self._period)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_worker(settings: Settings, burst: bool = False) -> None:
    if not settings.redis_url:
        raise SystemExit("TRUST_REDIS_URL is not set: batch jobs run inside the app instead")
    # No socket timeout: the worker blocks on the queue. RQ carries only the job id; the
    # job's data lives in the database. Deep checks first: each is one listing's photos.
    # SimpleWorker runs jobs in this process, so the app state (models, image index) is
    # built once per worker, not once per job in a forked child: a deep check is a fraction
    # of a second, loading the models takes seconds (and torch's thread pools do not
    # survive a fork). A killed worker still loses nothing: the database holds the work.
    if settings.worker_niceness:
        with contextlib.suppress(AttributeError, OSError):  # not POSIX: normal priority
            os.nice(settings.worker_niceness)
    engine = create_db_engine(settings.database_url)
    sessions = make_session_factory(engine)
    heartbeat = Heartbeat(sessions, settings.worker_heartbeat_seconds)
    heartbeat.start()
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        # RQ's loop quits on some Redis errors (a timeout, an error while it records a job);
        # this one starts it again, so a worker outlives a Redis outage instead of exiting.
        while True:
            try:
                requeue_unheld_rq_checks(sessions, connection)
                worker = SimpleWorker([DEEP_CHECK_QUEUE, QUEUE_NAME], connection=connection)
                worker.max_connection_wait_time = RECONNECT_MAX_SECONDS
                worker.work(burst=burst)
                if burst or worker._stop_requested:
                    return
            except REDIS_ERRORS as exc:
                if burst:
                    raise
                log.warning("worker lost Redis (%s); trying again", type(exc).__name__)
            time.sleep(1.0)
    finally:
        heartbeat.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    run_worker(get_settings(), burst=parser.parse_args().burst)


if __name__ == "__main__":
    main()

