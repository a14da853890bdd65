"""Run an RQ worker for listing deep checks and batch scoring jobs (settings from TRUST_*
environment variables).

    TRUST_REDIS_URL=redis://127.0.0.1:6379/0 trustd worker        # the same, as a CLI command
    TRUST_REDIS_URL=redis://127.0.0.1:6379/0 python -P -m service.jobs.worker
"""

from __future__ import annotations

import argparse
import contextlib
import os

from redis import Redis
from rq import SimpleWorker

from service.jobs.backends import QUEUE_NAME
from service.jobs.deep_checks import DEEP_CHECK_QUEUE, requeue_unheld_rq_checks
from service.settings import Settings, get_settings


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
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    requeue_unheld_rq_checks(settings, connection)
    SimpleWorker([DEEP_CHECK_QUEUE, QUEUE_NAME], connection=connection).work(burst=burst)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    run_worker(get_settings(), burst=parser.parse_args().burst)


if __name__ == "__main__":
    main()
