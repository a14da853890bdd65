"""Redis as a dependency that may fail: one circuit breaker per process, and client options
under which a dead or slow Redis costs at most one short timeout.

Redis is a cache, a rate limiter and a queue here, never the system of record. Every caller
goes through the process's `RedisBreaker`: after a failure Redis is skipped for
`cooldown_seconds` (callers use their local fallback without touching the network), then
one caller probes it again; the first success closes the breaker and runs the recovery
hooks (deletions the outage held back are replayed, deep checks are re-queued).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger("trustd.redis")
T = TypeVar("T")

# What a failing Redis raises: its own errors, and socket errors from under them.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


class RedisUnavailable(Exception):
    """Redis was skipped (breaker open) or failed; the caller falls back."""


class RedisBreaker:
    """Closed (Redis answers) or open (it failed; skipped until the cooldown has passed)."""

    def __init__(self, cooldown_seconds: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._open_since: float | None = None
        self._retry_at = 0.0
        self._error: str | None = None
        self._hooks: list[Callable[[], None]] = []
        self.failures = 0  # failed calls since start-up (logged, shown in metrics)

    @property
    def is_open(self) -> bool:
        return self._open_since is not None

    @property
    def skipping(self) -> bool:
        """Open and not yet due for a probe: callers go local without any I/O."""
        return self._open_since is not None and self._clock() < self._retry_at

    def reason(self) -> str | None:
        """Why Redis is not used, for /health/ready; None while it answers."""
        since = self._open_since
        if since is None:
            return None
        return f"{self._error} for {self._clock() - since:.0f} s"

    def allow(self) -> bool:
        """Whether to try Redis now: closed, or open and due for one probe (the callers
        arriving meanwhile keep going local until the probe has answered)."""
        if self._open_since is None:
            return True
        with self._lock:
            now = self._clock()
            if self._open_since is None or now >= self._retry_at:
                self._retry_at = now + self.cooldown_seconds
                return True
            return False

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            self._error = type(exc).__name__
            self._retry_at = self._clock() + self.cooldown_seconds
            if self._open_since is None:
                self._open_since = self._clock()
                log.warning("redis unavailable (%s): serving degraded, from local state",
                            self._error)

    def succeeded(self) -> None:
        if self._open_since is None:
            return
        with self._lock:
            if self._open_since is None:
                return
            down = self._clock() - self._open_since
            self._open_since, self._error = None, None
            hooks = list(self._hooks)
        log.warning("redis answers again after %.1f s", down)
        for hook in hooks:
            try:
                hook()
            except Exception:  # a hook must never fail the request that probed
                log.exception("redis recovery hook failed")

    def on_recovery(self, hook: Callable[[], None]) -> None:
        with self._lock:
            self._hooks.append(hook)

    def call(self, operation: Callable[[], T]) -> T:
        """`operation()` through the breaker; RedisUnavailable when skipped or failed."""
        if not self.allow():
            raise RedisUnavailable(f"redis skipped ({self._error})")
        try:
            result = operation()
        except REDIS_ERRORS as exc:
            self.failed(exc)
            raise RedisUnavailable(f"redis failed ({type(exc).__name__})") from exc
        self.succeeded()
        return result


def client_options(timeout_seconds: float) -> dict[str, object]:
    """No retries inside the client: one failure opens the breaker instead of several
    timeouts in a row on the request's time."""
    return {"socket_timeout": timeout_seconds, "socket_connect_timeout": timeout_seconds,
            "health_check_interval": 30, "retry": Retry(NoBackoff(), 0)}


def connect_redis(url: str, timeout_seconds: float = 1.0) -> Redis:
    return Redis.from_url(url, **client_options(timeout_seconds))
