"""Readiness and /metrics report the deep-check backlog, and say `degraded` when old checks
wait for a worker that is not running (rq backend)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.app.worker import Heartbeat
from service.kit.db import utcnow
from service.listings.tables import Listing, ListingAssessment, ListingDeepCheck


def _pending_checks(state, count: int, age: dt.timedelta, prefix: str = "B") -> None:
    """Deep checks as a request stores them, `age` ago (the rows only: nothing runs them)."""
    created = utcnow() - age
    with state.session_factory() as session:
        for n in range(count):
            listing = Listing(platform_id="shop-a", listing_id=f"{prefix}-{n}", seller_id="s",
                              current_version=1)
            session.add(listing)
            session.flush()
            assessment = ListingAssessment(listing_pk=listing.id, version=1,
                                           content_hash=f"{prefix}{n:063d}", risk=0.1, level="low",
                                           decision="allow", reason_codes=[], result={})
            session.add(assessment)
            session.flush()
            session.add(ListingDeepCheck(listing_pk=listing.id, assessment_id=assessment.id,
                                         backend="rq", status="pending", fields={},
                                         photo_count=1, request_matches={}, runs=0,
                                         created_at=created))
        session.commit()


def _gauge(text: str, name: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(name + " ")]
    assert lines, f"{name} missing from /metrics"
    return float(lines[0].split()[1])


@pytest.mark.redis
def test_an_old_backlog_with_no_worker_is_degraded_until_a_worker_beats(
        make_settings, database_url, redis_url) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url,
                             jobs_backend="rq", deep_check_backlog_alert_seconds=60)
    with TestClient(create_app(settings, load_in_background=False)) as client:
        state = client.app.state.trust  # type: ignore[attr-defined]
        ready = client.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert ready.json()["checks"]["deep_check_backlog"]["pending"] == 0

        _pending_checks(state, 3, dt.timedelta(seconds=30))  # young: not an alert yet
        young = client.get("/health/ready").json()
        assert young["status"] == "ready"
        assert young["checks"]["deep_check_backlog"]["pending"] == 3

        _pending_checks(state, 2, dt.timedelta(minutes=15), prefix="C")
        stalled = client.get("/health/ready")
        assert stalled.status_code == 200  # degraded, still serving (see health/service.py)
        body = stalled.json()
        assert body["status"] == "degraded"
        assert body["degraded"] == ["deep_check_backlog"]
        assert body["checks"]["deep_checks"] == "ok"  # the runner component, loaded
        checks = body["checks"]["deep_check_backlog"]
        assert checks["status"] == "stalled" and checks["pending"] == 5
        assert checks["oldest_age_seconds"] >= 15 * 60
        assert checks["worker_seen_seconds_ago"] is None
        metrics = client.get("/metrics").text
        assert _gauge(metrics, "trustd_deep_checks_pending") == 5
        assert _gauge(metrics, "trustd_deep_check_oldest_age_seconds") >= 15 * 60
        assert _gauge(metrics, "trustd_deep_checks_stalled") == 1
        assert _gauge(metrics, "trustd_worker_last_seen_seconds") == -1
        assert _gauge(metrics, "trustd_redis_available") == 1

        Heartbeat(state.session_factory, settings.worker_heartbeat_seconds).beat()
        live = client.get("/health/ready").json()
        assert live["status"] == "ready"  # a worker is alive: the backlog is being taken
        assert live["checks"]["deep_check_backlog"]["worker_seen_seconds_ago"] < 60
        assert _gauge(client.get("/metrics").text, "trustd_deep_checks_stalled") == 0


def test_in_process_checks_need_no_worker(client: TestClient) -> None:
    state = client.app.state.trust  # type: ignore[attr-defined]
    _pending_checks(state, 1, dt.timedelta(hours=1))
    body = client.get("/health/ready").json()
    assert body["status"] == "ready"  # the runner is this process's thread
    assert body["checks"]["deep_check_backlog"]["pending"] == 1
    assert "trustd_worker_last_seen_seconds" not in client.get("/metrics").text


def test_worker_healthcheck_reads_this_hosts_heartbeat(client: TestClient, settings) -> None:
    from service.app.healthcheck import main, worker_alive_here

    state = client.app.state.trust  # type: ignore[attr-defined]
    assert not worker_alive_here(settings)
    Heartbeat(state.session_factory, settings.worker_heartbeat_seconds).beat()
    assert worker_alive_here(settings)
    assert main([]) == 2  # usage
