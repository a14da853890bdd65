"""The circuit breaker, and the cache and rate limits that fall back to this process while
Redis is away, against a Redis server the test starts and kills itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.fault_harness import RedisServer, free_port, wait_until
from service.kit.cache import InvalidationBus, RedisCache, SharedCache
from service.kit.errors import RateLimited
from service.kit.redis_guard import RedisBreaker, RedisUnavailable, connect_redis
from service.sellers.ratelimit import RateLimits
from tests.conftest import unavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_skips_probes_and_closes() -> None:
    clock = Clock()
    breaker = RedisBreaker(cooldown_seconds=2, clock=clock)
    recovered: list[bool] = []
    breaker.on_recovery(lambda: recovered.append(True))
    assert breaker.call(lambda: "answer") == "answer" and breaker.reason() is None

    def refused() -> None:
        raise ConnectionRefusedError

    with pytest.raises(RedisUnavailable):
        breaker.call(refused)
    assert breaker.is_open and breaker.skipping
    calls: list[int] = []
    with pytest.raises(RedisUnavailable):  # skipped: not even tried
        breaker.call(lambda: calls.append(1))
    assert calls == [] and "ConnectionRefusedError" in (breaker.reason() or "")
    clock.now += 2.5
    assert not breaker.skipping
    assert breaker.allow()  # one probe is let through ...
    assert not breaker.allow()  # ... the others keep going local meanwhile
    clock.now += 2.5
    assert breaker.call(lambda: "back") == "back"
    assert not breaker.is_open and recovered == [True]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server (to start a Redis of the test's own)", "not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


def _shared(url: str, breaker: RedisBreaker) -> tuple[SharedCache, InvalidationBus]:
    bus = InvalidationBus(url, breaker, timeout_seconds=0.5)
    cache = SharedCache(RedisCache(connect_redis(url, 0.5)), breaker, bus)
    bus.start()
    return cache, bus


def test_dead_redis_costs_one_failure_then_local(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    breaker = RedisBreaker(cooldown_seconds=60)
    cache = SharedCache(RedisCache(connect_redis(url, 0.5)), breaker, None)
    cache.set("k", b"v", 30)  # fails on Redis once, then lives here
    assert breaker.failures == 1 and breaker.skipping
    assert cache.get("k") == b"v" and cache.get_many(["k", "x"]) == [b"v", None]
    cache.delete("k")
    assert cache.get("k") is None
    assert not cache.shared  # other processes cannot hear deletions now
    assert breaker.failures == 1  # every call after the first went local without I/O


def test_outage_deletions_are_replayed_and_announced(redis_server: RedisServer) -> None:
    first_breaker, second_breaker = RedisBreaker(0.2), RedisBreaker(0.2)
    first, first_bus = _shared(redis_server.url, first_breaker)
    second, second_bus = _shared(redis_server.url, second_breaker)
    heard: list[str | None] = []
    second.on_invalidate(heard.append)
    try:
        assert wait_until(lambda: first.shared and second.shared, timeout=10)
        first.set("revoked-key", b"principal", 300)
        assert second.get("revoked-key") == b"principal"  # one shared cache
        first.delete("revoked-key")
        assert wait_until(lambda: "revoked-key" in heard, timeout=5)  # pub/sub, other process

        redis_server.kill()
        first.delete("key-2")  # Redis is down: the deletion is kept, not lost
        assert first.get("key-2") is None and first_breaker.is_open
        redis_server.start()
        # An entry that outlived the outage there (a Redis that persists): must not come back.
        client = redis_server.client()
        client.set("trustd:cache:key-2", b"stale", ex=300)
        client.close()
        # The first call that reaches Redis again replays the deletion.
        assert wait_until(lambda: first.get("unrelated") is None and not first_breaker.is_open,
                          timeout=10)
        assert second.get("key-2") is None
    finally:
        first_bus.close()
        second_bus.close()


def test_rate_limits_count_locally_while_redis_is_down(redis_server: RedisServer) -> None:
    breaker = RedisBreaker(cooldown_seconds=60)
    limits = RateLimits(redis_server.url, breaker, timeout_seconds=0.5)
    limits.check("3/minute", "scope", "who")
    assert not limits.is_local
    redis_server.kill()
    limits.check("3/minute", "scope", "who")  # the failure: counted here instead, allowed
    assert limits.is_local  # no I/O: checked on the event loop
    limits.check("3/minute", "scope", "who")
    limits.check("3/minute", "scope", "who")
    with pytest.raises(RateLimited):  # the local budget is enforced too
        limits.check("3/minute", "scope", "who")
