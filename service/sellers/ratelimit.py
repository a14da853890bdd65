"""Rate limits through the `limits` library: in-process by default, shared through Redis when
TRUST_REDIS_URL is set so every worker counts against the same budget.

While Redis is unavailable (the process's breaker is open, service/kit/redis_guard.py) the
limits are counted in this process instead: each process then allows the full budget, so a
deployment of N processes admits up to N times it until Redis answers again. Requests are
never refused because the limiter's storage is down.
"""

from __future__ import annotations

import contextlib
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import SlidingWindowCounterRateLimiter

from service.kit.errors import RateLimited
from service.kit.redis_guard import RedisBreaker, RedisUnavailable, client_options

KEY_PREFIX = "trustd-rl"


class RateLimits:
    def __init__(self, redis_url: str | None, breaker: RedisBreaker | None = None,
                 timeout_seconds: float = 1.0) -> None:
        self.local_storage = MemoryStorage()
        self._local = SlidingWindowCounterRateLimiter(self.local_storage)
        self.storage: Storage = self.local_storage
        self._shared: SlidingWindowCounterRateLimiter | None = None
        if redis_url:
            self.storage = RedisStorage(redis_url, key_prefix=KEY_PREFIX,
                                        **client_options(timeout_seconds))  # type: ignore[arg-type]
            self._shared = SlidingWindowCounterRateLimiter(self.storage)
        self._breaker = breaker or RedisBreaker()
        self._parsed: dict[str, list[RateLimitItem]] = {}

    @property
    def is_local(self) -> bool:
        """No I/O: safe to call on the event loop (no Redis, or Redis skipped for now)."""
        return self._shared is None or self._breaker.skipping

    def _items(self, rule: str) -> list[RateLimitItem]:
        items = self._parsed.get(rule)
        if items is None:
            items = self._parsed[rule] = parse_many(rule)
        return items

    def check(self, rule: str, scope: str, identity: str) -> None:
        """Counts one hit against every limit in `rule` ("5/minute;100/hour"); raises 429 when
        any is exhausted."""
        shared = self._shared
        if shared is not None:
            try:
                refused = self._breaker.call(lambda: self._first_refused(shared, rule, scope,
                                                                         identity))
            except RedisUnavailable:
                refused = self._first_refused(self._local, rule, scope, identity)
        else:
            refused = self._first_refused(self._local, rule, scope, identity)
        if refused is not None:
            item, retry_after = refused
            raise RateLimited(f"rate limit {item} exceeded; retry in {retry_after} s",
                              retry_after_seconds=retry_after)

    def _first_refused(self, limiter: SlidingWindowCounterRateLimiter, rule: str, scope: str,
                       identity: str) -> tuple[RateLimitItem, int] | None:
        for item in self._items(rule):
            if not limiter.hit(item, scope, identity):
                stats = limiter.get_window_stats(item, scope, identity)
                return item, max(1, round(stats.reset_time - time.time()))
        return None

    def reset(self) -> None:
        self.local_storage.reset()
        if self._shared is not None:
            with contextlib.suppress(RedisUnavailable):
                self._breaker.call(self.storage.reset)
