"""The state every domain shares (settings, database, cache) and the slot a domain's runtime
is loaded into.

The application's own state (service/app/state.py) extends `CoreState` with one typed
`Component` field per domain. Domains never import that class: a domain that needs its
runtime declares a small protocol naming the one field it reads, so the application package
depends on the domains and never the other way round.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.images.fetch import ImageFetcher
from service.images.gate import ImageLimits
from service.kit.cache import Cache, InvalidationBus
from service.kit.errors import NotReady
from service.kit.redis_guard import RedisBreaker
from service.kit.settings import Settings

T = TypeVar("T")


class Component(Generic[T]):
    """One runtime built at start-up, with its readiness: loading, loaded or failed."""

    def __init__(self, name: str, what: str) -> None:
        self.name = name  # the key in /health/ready
        self.what = what  # for people: "caption model"
        self._value: T | None = None
        self.error: str | None = None
        self._lock = threading.Lock()

    def set(self, value: T) -> None:
        with self._lock:
            self._value, self.error = value, None

    def fail(self, error: str) -> None:
        with self._lock:
            self._value, self.error = None, error

    def unset(self) -> T | None:
        """Back to loading; returns what it held (shutdown, tests)."""
        with self._lock:
            value, self._value, self.error = self._value, None, None
            return value

    @property
    def ready(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        """The runtime; NotReady (503) while it loads or after it failed to load."""
        value = self._value
        if value is None:
            detail = f"failed to load ({self.error})" if self.error else "still loading"
            raise NotReady(f"{self.what} {detail}", code=f"{self.name}_not_ready")
        return value


@dataclass
class CoreState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cache: Cache
    redis: Redis | None
    image_limits: ImageLimits
    image_fetcher: ImageFetcher | None = None  # None: images by URL are refused
    # Every use of Redis in this process goes through it (service/kit/redis_guard.py).
    redis_breaker: RedisBreaker = field(default_factory=RedisBreaker)
    invalidations: InvalidationBus | None = None  # cache deletions, to every process

    def components(self) -> tuple[Component[Any], ...]:
        """Every domain runtime, in start-up order (the application state lists them)."""
        return ()

    @property
    def is_ready(self) -> bool:
        return all(c.ready for c in self.components())

    def readiness(self) -> dict[str, str]:
        """Component name -> "ok", "loading" or "error: <type>", for /health/ready."""
        return {c.name: "ok" if c.ready else (f"error: {c.error}" if c.error else "loading")
                for c in self.components()}
