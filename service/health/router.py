from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.core.deps import StateDep
from service.core.state import CoreState
from service.health.service import backlog, readiness
from service.kit.observability import render_metrics

router = APIRouter(tags=["health"])


@router.get("/health/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", responses={
    200: {"description": "`ready`, or `degraded`: serving without Redis, or with a deep-check "
                         "backlog no worker takes (see `checks`)"},
    503: {"description": "`not_ready`: still loading, or the database is down"}})
def ready(state: StateDep) -> JSONResponse:
    body = readiness(state)
    return JSONResponse(body, status_code=503 if body["status"] == "not_ready" else 200)


class _OperationsCollector(Collector):
    """Gauges read when scraped: the same in every process, so not summed across them."""

    def __init__(self, state: CoreState) -> None:
        self._state = state

    def collect(self):  # type: ignore[no-untyped-def]
        state = self._state
        if state.redis is not None:
            yield GaugeMetricFamily("trustd_redis_available",
                                    "1 while Redis answers, 0 while this process serves "
                                    "without it", value=0 if state.redis_breaker.is_open else 1)
        try:
            found = backlog(state)
        except Exception:
            return  # the database is down: /health/ready says so
        yield GaugeMetricFamily("trustd_deep_checks_pending", "deep checks waiting to run",
                                value=found.pending)
        yield GaugeMetricFamily("trustd_deep_check_oldest_age_seconds",
                                "age of the oldest pending deep check (0: none)",
                                value=found.oldest_age_seconds or 0.0)
        if found.worker_needed:
            yield GaugeMetricFamily("trustd_worker_last_seen_seconds",
                                    "seconds since a `trustd worker` heartbeat (-1: never)",
                                    value=-1.0 if found.worker_seen_seconds_ago is None
                                    else found.worker_seen_seconds_ago)
        yield GaugeMetricFamily("trustd_deep_checks_stalled",
                                "1 when old deep checks wait with no live worker",
                                value=1 if found.stalled else 0)


@router.get("/metrics", include_in_schema=False)
def metrics(state: StateDep) -> Response:
    body, content_type = render_metrics()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_OperationsCollector(state))
    return Response(body + generate_latest(registry), media_type=content_type)
