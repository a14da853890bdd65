"""The cache contract, run against the in-process cache and the real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from service.cache import Cache, MemoryCache, RedisCache, connect_redis


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest) -> Iterator[Cache]:
    if request.param == "memory":
        yield MemoryCache(max_entries=3)
        return
    client = connect_redis(request.getfixturevalue("redis_url"))
    yield RedisCache(client, namespace="test:")
    client.close()


def test_set_get_delete(cache: Cache) -> None:
    assert cache.get("a") is None
    cache.set("a", b"1", ttl_seconds=30)
    assert cache.get("a") == b"1"
    cache.delete("a")
    assert cache.get("a") is None


def test_expiry_and_zero_ttl(cache: Cache) -> None:
    cache.set("short", b"x", ttl_seconds=1)
    cache.set("never", b"y", ttl_seconds=0)
    assert cache.get("never") is None
    time.sleep(1.1)
    assert cache.get("short") is None


def test_memory_cache_is_bounded() -> None:
    cache = MemoryCache(max_entries=2)
    for key in "abc":
        cache.set(key, key.encode(), ttl_seconds=30)
    assert cache.get("a") is None and cache.get("c") == b"c"
