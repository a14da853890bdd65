"""The cache contract, run against the in-process cache and the real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from service.kit.cache import Cache, MemoryCache, RedisCache, connect_redis


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
    assert cache.get("short") == b"x"  # there until its TTL runs out
    time.sleep(1.1)
    assert cache.get("short") is None


def test_many_keys_at_once(cache: Cache) -> None:
    assert cache.get_many([]) == []
    cache.set_many({}, ttl_seconds=30)
    cache.set_many({"m1": b"one", "m2": b""}, ttl_seconds=30)
    assert cache.get_many(["m1", "absent", "m2"]) == [b"one", None, b""]
    assert cache.get("m1") == b"one"  # one key at a time sees what was set in a batch
    cache.set("m3", b"three", ttl_seconds=30)
    assert cache.get_many(["m3"]) == [b"three"]
    cache.set_many({"m4": b"x"}, ttl_seconds=0)  # zero TTL stores nothing, as for set()
    assert cache.get_many(["m4"]) == [None]


def test_many_keys_expire(cache: Cache) -> None:
    cache.set_many({"e1": b"1", "e2": b"2"}, ttl_seconds=1)
    assert cache.get_many(["e1", "e2"]) == [b"1", b"2"]  # there until their TTL runs out
    time.sleep(1.1)
    assert cache.get_many(["e1", "e2"]) == [None, None]


def test_memory_cache_is_bounded() -> None:
    cache = MemoryCache(max_entries=2)
    for key in "abc":
        cache.set(key, key.encode(), ttl_seconds=30)
    assert cache.get("a") is None and cache.get("c") == b"c"
