"""Readiness: what the process depends on, and the deep-check backlog.

Three answers (GET /health/ready):
- `ready` (200): everything answers.
- `degraded` (200): the process serves, with less: Redis is unavailable (local cache and
  rate limits, deep checks kept in the database until it answers), or deep checks have
  waited longer than `deep_check_backlog_alert_seconds` with no live worker. 200 on purpose:
  every API process sees the same Redis and the same backlog, so a 503 would take them all
  out of the load balancer at once and turn a partial outage into a total one; alert on
  `status` or on the /metrics gauges instead.
- `not_ready` (503): the database does not answer, or a component is still loading or
  failed to load: this process cannot serve.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from service.core.state import CoreState
from service.jobs import repository as jobs_repository
from service.kit.db import utcnow
from service.listings import repository as listings_repository

BACKLOG = "deep_check_backlog"  # its key in the checks (`deep_checks` is the runner's)
WORKER_LIVE_BEATS = 3  # a worker missing this many heartbeats in a row is taken for dead


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_seconds: float | None
    worker_seen_seconds_ago: float | None  # None: no worker ever seen (or not rq)
    worker_needed: bool  # rq backend: checks run only on `trustd worker` processes
    worker_live: bool
    stalled: bool  # old enough to alert, and no live worker to take it

    def as_check(self) -> dict[str, Any]:
        return {"status": "stalled" if self.stalled else "ok", "pending": self.pending,
                "oldest_age_seconds": self.oldest_age_seconds,
                "worker_seen_seconds_ago": self.worker_seen_seconds_ago}


def backlog(state: CoreState, now: dt.datetime | None = None) -> Backlog:
    now = now or utcnow()
    settings = state.settings
    worker_needed = settings.background_backend == "rq"
    with state.session_factory() as session:
        pending, oldest = listings_repository.backlog(session)
        seen = jobs_repository.last_worker_seen(session) if worker_needed else None
    age = round((now - oldest).total_seconds(), 1) if oldest is not None else None
    seen_ago = round((now - seen).total_seconds(), 1) if seen is not None else None
    # In-process deep checks run on this very process's thread: live while it serves.
    live = not worker_needed or (
        seen_ago is not None and seen_ago <= settings.worker_heartbeat_seconds * WORKER_LIVE_BEATS)
    stalled = (age is not None and age >= settings.deep_check_backlog_alert_seconds
               and not live)
    return Backlog(pending, age, seen_ago, worker_needed, live, stalled)


def readiness(state: CoreState) -> dict[str, Any]:
    """{"status": ready | degraded | not_ready, "checks": {...}, "degraded": [why]}."""
    checks: dict[str, Any] = {}
    degraded: list[str] = []
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if state.redis is not None:
        redis, breaker = state.redis, state.redis_breaker
        with contextlib.suppress(Exception):
            breaker.call(redis.ping)
        reason = breaker.reason()
        checks["redis"] = "ok" if reason is None else (
            f"degraded: unavailable ({reason}); local cache and rate limits, deep checks "
            "wait in the database")
        if reason is not None:
            degraded.append("redis")
    checks.update(sorted(state.readiness().items()))
    if checks["database"] == "ok":
        try:
            found = backlog(state)
            checks[BACKLOG] = found.as_check()
            if found.stalled:
                degraded.append(BACKLOG)
        except Exception as exc:  # a table not migrated yet, or the database went away
            checks[BACKLOG] = {"status": f"error: {type(exc).__name__}"}
    failing = [name for name, value in checks.items()
               if name not in ("redis", BACKLOG) and value != "ok"]
    if failing:
        return {"status": "not_ready", "checks": checks}
    if degraded:
        return {"status": "degraded", "checks": checks, "degraded": degraded}
    return {"status": "ready", "checks": checks}

