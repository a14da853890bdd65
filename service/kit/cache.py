"""A small byte cache: in-process by default, Redis when TRUST_REDIS_URL is set.

Every implementation passes the same contract test, so callers never branch on which one
runs. With Redis the app uses `SharedCache`: Redis while it answers, this process's memory
while it does not (service/kit/redis_guard.py), and deletions announced to every process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from redis import Redis

from service.kit.redis_guard import (
    REDIS_ERRORS,
    RedisBreaker,
    RedisUnavailable,
    client_options,
)
from service.kit.redis_guard import connect_redis as connect_redis

log = logging.getLogger("trustd.cache")
# Called with a deleted key, or None when any key may have changed unseen (a process that
# missed announcements while Redis was away): in-process layers above the cache drop theirs.
InvalidationListener = Callable[[str | None], None]


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    def delete(self, key: str) -> None: ...
    # Several keys in one round trip: a listing reads and writes one entry per photo.
    def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...
    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None: ...
    def on_invalidate(self, listener: InvalidationListener) -> None:
        """`listener` hears every deletion: this process's, and other processes' where the
        cache is shared."""
        ...
    @property
    def shared(self) -> bool:
        """Whether a deletion reaches every process now; False: other processes may hold an
        entry until its TTL runs out (callers above it keep short TTLs then)."""
        ...


class _Listeners:
    def __init__(self) -> None:
        self._listeners: list[InvalidationListener] = []

    def on_invalidate(self, listener: InvalidationListener) -> None:
        self._listeners.append(listener)

    def notify(self, key: str | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(key)
            except Exception:
                log.exception("cache invalidation listener failed")


class MemoryCache(_Listeners):
    """Thread-safe LRU with per-entry expiry; local to one process."""

    shared = False  # one process: other processes (if any) keep their entries

    def __init__(self, max_entries: int = 100_000) -> None:
        super().__init__()
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
        self.drop(key)
        self.notify(key)

    def drop(self, key: str | None) -> None:
        """Forgets `key` (None: everything) without telling the listeners."""
        with self._lock:
            if key is None:
                self._items.clear()
            else:
                self._items.pop(key, None)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.get(key) for key in keys]

    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        for key, value in items.items():
            self.set(key, value, ttl_seconds)


class RedisCache(_Listeners):
    """Shared by every worker, so an invalidation (e.g. a revoked key) reaches all of them.
    Raises Redis's errors: the app wraps it in `SharedCache`."""

    shared = True

    def __init__(self, client: Redis, namespace: str = "trustd:cache:") -> None:
        super().__init__()
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
        self.remove(key)
        self.notify(key)

    def remove(self, key: str) -> None:
        """Deletes without telling the listeners."""
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


class SharedCache(_Listeners):
    """Redis while it answers; this process's memory while it does not.

    Degraded (breaker open): reads and writes use the local cache, entries live at most
    `degraded_ttl_seconds` there (another process cannot reach them to invalidate), and
    deletions are kept and replayed on Redis once it answers (a key revoked during the
    outage must not come back from Redis afterwards). Deletions are announced on a channel
    (`InvalidationBus`) so other processes' in-memory layers drop the entry at once.
    """

    def __init__(self, redis: RedisCache, breaker: RedisBreaker, bus: InvalidationBus | None,
                 degraded_ttl_seconds: int = 10, local: MemoryCache | None = None) -> None:
        super().__init__()
        self._redis, self._breaker, self._bus = redis, breaker, bus
        self._local = local or MemoryCache()
        self._degraded_ttl = degraded_ttl_seconds
        self._unsent_deletes: set[str] = set()
        self._lock = threading.Lock()
        breaker.on_recovery(self._recovered)
        if bus is not None:
            bus.listen(self._remote_delete)

    @property
    def shared(self) -> bool:
        return not self._breaker.is_open and (self._bus is None or self._bus.subscribed)

    def _try(self, operation: Callable[[], object]) -> bool:
        try:
            self._breaker.call(operation)
            return True
        except RedisUnavailable:
            return False

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            return self._breaker.call(lambda: self._redis.get_many(keys))
        except RedisUnavailable:
            return self._local.get_many(keys)

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.set_many({key: value}, ttl_seconds)

    def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        if not items or ttl_seconds <= 0:
            return
        if not self._try(lambda: self._redis.set_many(items, ttl_seconds)):
            self._local.set_many(items, min(ttl_seconds, self._degraded_ttl))

    def delete(self, key: str) -> None:
        self._local.drop(key)
        if self._try(lambda: self._redis.remove(key)):
            if self._bus is not None:
                self._bus.publish(key)
        else:
            with self._lock:
                self._unsent_deletes.add(key)
        self.notify(key)

    def _remote_delete(self, key: str | None) -> None:
        self._local.drop(key)
        self.notify(key)

    def _recovered(self) -> None:
        """Redis answers again: what this process deleted meanwhile goes there too, and
        what it kept locally is dropped (Redis is the truth again)."""
        with self._lock:
            keys, self._unsent_deletes = sorted(self._unsent_deletes), set()
        self._local.drop(None)
        for key in keys:
            try:
                self._redis.remove(key)
                if self._bus is not None:
                    self._bus.publish(key)
            except REDIS_ERRORS:
                with self._lock:
                    self._unsent_deletes.add(key)


class InvalidationBus:
    """Cache deletions announced to every process through Redis pub/sub.

    One thread per process listens; when it (re)subscribes, after start-up or an outage in
    which announcements may have been missed, its listeners hear None: drop everything.
    """

    CHANNEL = "trustd:cache-invalidate"

    def __init__(self, url: str, breaker: RedisBreaker, timeout_seconds: float = 1.0) -> None:
        self._url, self._breaker, self._timeout = url, breaker, timeout_seconds
        self._publisher = connect_redis(url, timeout_seconds)
        self._listeners: list[InvalidationListener] = []
        self._stop = threading.Event()
        self.subscribed = False
        self._thread = threading.Thread(target=self._run, name="cache-invalidations",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def listen(self, listener: InvalidationListener) -> None:
        self._listeners.append(listener)

    def publish(self, key: str) -> None:
        try:
            self._publisher.publish(self.CHANNEL, key)
        except REDIS_ERRORS as exc:  # listeners resync when they resubscribe
            self._breaker.failed(exc)

    def _notify(self, key: str | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(key)
            except Exception:
                log.exception("cache invalidation listener failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            options = client_options(self._timeout)
            options["socket_timeout"] = None  # it waits for messages
            client: Redis = Redis.from_url(self._url, **options)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.CHANNEL)
                self.subscribed = True
                self._notify(None)  # whatever was announced while unsubscribed is lost
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None and message.get("type") == "message":
                        data = message["data"]
                        self._notify(data.decode() if isinstance(data, bytes) else str(data))
            except REDIS_ERRORS:
                pass
            finally:
                self.subscribed = False
                pubsub.close()
                client.close()
            self._stop.wait(0.5)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._publisher.close()
