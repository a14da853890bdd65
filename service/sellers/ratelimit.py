"""Rate limits through the `limits` library: in-process by default, shared through Redis when
TRUST_REDIS_URL is set so every worker counts against the same budget."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import SlidingWindowCounterRateLimiter

from service.kit.errors import RateLimited

KEY_PREFIX = "trustd-rl"


class RateLimits:
    def __init__(self, redis_url: str | None) -> None:
        self.storage: Storage = RedisStorage(redis_url, key_prefix=KEY_PREFIX) if redis_url else MemoryStorage()
        self.is_local = redis_url is None  # no I/O: safe to call on the event loop
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def _items(self, rule: str) -> list[RateLimitItem]:
        items = self._parsed.get(rule)
        if items is None:
            items = self._parsed[rule] = parse_many(rule)
        return items

    def check(self, rule: str, scope: str, identity: str) -> None:
        """Counts one hit against every limit in `rule` ("5/minute;100/hour"); raises 429 when
        any is exhausted."""
        for item in self._items(rule):
            if not self._limiter.hit(item, scope, identity):
                stats = self._limiter.get_window_stats(item, scope, identity)
                retry_after = max(1, round(stats.reset_time - time.time()))
                raise RateLimited(
                    f"rate limit {item} exceeded; retry in {retry_after} s",
                    retry_after_seconds=retry_after,
                )

    def reset(self) -> None:
        self.storage.reset()
