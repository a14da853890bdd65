"""A small byte cache: in-process by default, Redis when TRUST_REDIS_URL is set.

Both implementations pass the same contract test, so callers never branch on which one runs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Protocol

from redis import Redis


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    def delete(self, key: str) -> None: ...
    # Several keys in one round trip: a listing reads and writes one entry per photo.
    def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...
    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None: ...


class MemoryCache:
    """Thread-safe LRU with per-entry expiry; local to one process."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires_at, value = item
            if expires_at <= time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + ttl_seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self._max_entries:
                self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.get(key) for key in keys]

    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        for key, value in items.items():
            self.set(key, value, ttl_seconds)


class RedisCache:
    """Shared by every worker, so an invalidation (e.g. a revoked key) reaches all of them."""

    def __init__(self, client: Redis, namespace: str = "trustd:cache:") -> None:
        self._client = client
        self._ns = namespace

    def get(self, key: str) -> bytes | None:
        value = self._client.get(self._ns + key)
        if value is None or isinstance(value, bytes):
            return value
        return str(value).encode()

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds > 0:
            self._client.set(self._ns + key, value, ex=ttl_seconds)

    def delete(self, key: str) -> None:
        self._client.delete(self._ns + key)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = self._client.mget([self._ns + key for key in keys])
        return [v if v is None or isinstance(v, bytes) else str(v).encode() for v in values]

    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        if ttl_seconds <= 0 or not items:
            return
        pipe = self._client.pipeline(transaction=False)
        for key, value in items.items():
            pipe.set(self._ns + key, value, ex=ttl_seconds)
        pipe.execute()


def connect_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
