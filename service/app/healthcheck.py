"""Container healthchecks that must start fast (no models imported):

    python -P -m service.app.healthcheck worker   # exit 0: a worker on this host beat recently
"""

from __future__ import annotations

import datetime as dt
import socket
import sys

from service.jobs import repository as jobs_repository
from service.kit.db import create_db_engine, make_session_factory, utcnow
from service.kit.settings import Settings, get_settings

LIVE_BEATS = 3


def worker_alive_here(settings: Settings) -> bool:
    """Whether a worker process on this host wrote its heartbeat within three periods."""
    engine = create_db_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            seen = jobs_repository.last_worker_seen(session, socket.gethostname() + ":")
    finally:
        engine.dispose()
    limit = dt.timedelta(seconds=settings.worker_heartbeat_seconds * LIVE_BEATS)
    return seen is not None and utcnow() - seen <= limit


def main(argv: list[str]) -> int:
    if argv != ["worker"]:
        print("usage: python -P -m service.app.healthcheck worker", file=sys.stderr)
        return 2
    if worker_alive_here(get_settings()):
        return 0
    print("no recent heartbeat from a worker on this host", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
