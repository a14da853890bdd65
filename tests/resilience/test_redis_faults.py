"""Fault runs against real processes: a Redis server this module starts itself, `trustd serve`
with two processes and a `trustd worker`, as compose.yaml runs them.

Redis is a cache, a rate limiter and a queue here, never the system of record. Each run sends
the mix of real use (scores, feedback, badges), breaks something, and then counts what was
acknowledged against what the database holds: nothing acknowledged may be lost, scores,
feedback and badges keep answering 2xx, and every deep check finishes once Redis is back.
The figures are printed (`pytest -s`); benchmarks/bench_redis_faults.py runs them longer.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from benchmarks.fault_harness import (
    FAST_RECOVERY,
    Deployment,
    RedisServer,
    Traffic,
    deployment,
    product_photos,
    stored,
    wait_until,
)
from tests.conftest import unavailable

MIN_2XX = 0.99  # the target: scores, feedback and badges while Redis is down
DRAIN_TIMEOUT = 120.0  # generous: the figure is printed; the target is 60 s


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server (to start a Redis of the test's own)", "not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def deployed(redis_server: RedisServer,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, dict[str, str]]]:
    with deployment(tmp_path_factory.mktemp("deployment"), redis_server.url, processes=2,
                    extra_env=FAST_RECOVERY) as deployed:
        deployed.cli("db", "upgrade")
        platform = deployed.create_key("platform", "shop-faults", "shop-faults")
        deployed.start_server()
        deployed.start_worker()
        yield deployed, platform


@pytest.fixture(scope="module")
def photos() -> list[bytes]:
    return product_photos(30)


def _restart_if_down(redis_server: RedisServer) -> None:
    if redis_server.process is None:
        redis_server.start()


def _assert_nothing_lost(deployed: Deployment, traffic: Traffic) -> dict[str, int]:
    """Every acknowledged score and feedback is stored; every deep check finishes."""
    drained = wait_until(lambda: stored(deployed.database_url)[2].get("pending", 0) == 0,
                         timeout=DRAIN_TIMEOUT, every=0.5)
    listings, feedback, checks = stored(deployed.database_url)
    lost_listings = [i for i, version in traffic.listings.items()
                     if listings.get(i, 0) < version]
    assert lost_listings == [], f"acknowledged scores not stored: {lost_listings[:10]}"
    assert sorted(traffic.feedback - feedback) == [], "acknowledged feedback not stored"
    assert drained, (checks, deployed.log("worker.log"), deployed.log("server.log"))
    assert set(checks) <= {"done"}, checks
    return checks


def _report(name: str, traffic: Traffic, **figures: object) -> None:
    shares = {phase: {family: f"{ok}/{total}" for family, (ok, total)
                      in traffic.share_2xx(phase).items()}
              for phase in sorted({p for p, _, _ in traffic.answers})}
    print(f"\n[{name}] 2xx by phase: {shares}; readiness: {dict(traffic.readiness)}; "
          f"acknowledged: {len(traffic.listings)} scores, {len(traffic.feedback)} feedback; "
          + ", ".join(f"{k}: {v}" for k, v in figures.items()))


def _assert_share(traffic: Traffic, phase: str | None) -> None:
    for family, (ok, total) in traffic.share_2xx(phase).items():
        assert total > 0, f"no {family} requests in {phase}"
        assert ok / total >= MIN_2XX, (phase, family, ok, total, traffic.answers)


def test_redis_killed_mid_traffic_and_back_empty(deployed, redis_server, photos) -> None:
    service, platform = deployed
    traffic = Traffic(service.base_url, platform, photos, prefix="kill")
    try:
        traffic.run_for(4)
        traffic.phase = "redis killed"
        redis_server.kill()
        traffic.run_for(8)
        traffic.phase = "redis back, empty"
        redis_server.start()
        back = time.monotonic()
        traffic.run_for(4)
    finally:
        _restart_if_down(redis_server)
    checks = _assert_nothing_lost(service, traffic)
    drain_seconds = round(time.monotonic() - back, 1)
    _assert_share(traffic, "redis killed")
    _assert_share(traffic, None)
    # Readiness said so: degraded (200) while Redis was away, ready once it answered.
    assert traffic.readiness[("redis killed", "200 degraded")] > 0, traffic.readiness
    assert traffic.sample_readiness() == "200 ready"
    traffic.close()
    assert len(traffic.deep_checks) > 0
    _report("redis killed", traffic, deep_checks=checks,
            deep_checks_finished_s_after_redis_back=f"<= {drain_seconds}")


def test_slow_redis(deployed, redis_server, photos) -> None:
    """Redis stops answering (every client paused) for longer than the client timeout."""
    service, platform = deployed
    traffic = Traffic(service.base_url, platform, photos, prefix="slow")
    pauser = redis_server.client()
    try:
        traffic.run_for(3)
        traffic.phase = "redis paused"
        pauser.execute_command("CLIENT", "PAUSE", "4000", "ALL")
        traffic.run_for(4)
        traffic.phase = "redis answering"
        traffic.run_for(4)
    finally:
        traffic.close()
        pauser.close()
    _assert_nothing_lost(service, traffic)
    _assert_share(traffic, "redis paused")
    _assert_share(traffic, None)
    _report("redis paused", traffic)


def test_queue_lost_while_the_worker_waits(deployed, redis_server, photos) -> None:
    """Deep checks queued, then Redis restarts empty before the worker takes them: the
    running processes queue them again (no restart of anything of ours)."""
    service, platform = deployed
    assert service.worker is not None
    traffic = Traffic(service.base_url, platform, product_photos(12, start=500),
                      prefix="lostq")
    os.killpg(service.worker.pid, signal.SIGSTOP)  # alive, taking nothing
    try:
        for _ in range(12):
            traffic.one_round()
        queued = redis_server.client()
        # All but the one the worker may have popped before it stopped (in its socket now).
        assert len(traffic.deep_checks) > 0
        assert queued.llen("rq:queue:trustd-deep-checks") >= len(traffic.deep_checks) - 1
        queued.close()
        redis_server.kill()
        redis_server.start()  # empty: the queue entries are gone, the rows are not
        back = time.monotonic()
    finally:
        os.killpg(service.worker.pid, signal.SIGCONT)
        traffic.close()
        _restart_if_down(redis_server)
    checks = _assert_nothing_lost(service, traffic)
    _report("queue lost", traffic, deep_checks=checks,
            finished_s_after_restart=f"<= {round(time.monotonic() - back, 1)}")


def test_api_process_killed_mid_traffic(deployed, photos) -> None:
    """SIGKILL of the server (both processes) while requests are in flight: whatever it had
    acknowledged is in the database after a restart, and its deep checks finish."""
    service, platform = deployed
    traffic = Traffic(service.base_url, platform, photos, prefix="apikill")
    sender = threading.Thread(target=traffic.run_for, args=(6,))
    sender.start()
    time.sleep(3)
    service.kill_server()
    sender.join()
    traffic.close()
    acknowledged = len(traffic.listings)
    assert acknowledged > 0
    assert traffic.answers[("before", "score", 0)] + traffic.answers[("before", "badge", 0)] > 0
    service.start_server()
    _assert_nothing_lost(service, traffic)
    _report("api killed", traffic)

