"""Everything the app loads once at start-up, as one typed object on app.state."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.cache import Cache
from service.errors import NotReady
from service.image_fetch import ImageFetcher
from service.imaging import ImageLimits
from service.settings import Settings

T = TypeVar("T")


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cache: Cache
    redis: Redis | None
    image_limits: ImageLimits
    image_fetcher: ImageFetcher | None = None  # None: images by URL are refused
    # component name -> loaded? /health/ready answers 503 while any is False.
    readiness: dict[str, bool] = field(default_factory=dict)
    readiness_errors: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # --- domain components are added below this line, one typed field per domain ---
    extras: dict[str, Any] = field(default_factory=dict)

    def set_ready(self, component: str, ready: bool, error: str | None = None) -> None:
        with self.lock:
            self.readiness[component] = ready
            if error is None:
                self.readiness_errors.pop(component, None)
            else:
                self.readiness_errors[component] = error

    def component(self, key: str, kind: type[T], what: str) -> T:
        """A component a start-up step loaded into `extras`; 503 while it loads or if it failed."""
        value = self.extras.get(key)
        if value is None:
            error = self.readiness_errors.get(key)
            detail = f"failed to load ({error})" if error else "still loading"
            raise NotReady(f"{what} {detail}", code=f"{key}_not_ready")
        if not isinstance(value, kind):
            raise TypeError(f"extras[{key!r}] holds {type(value).__name__}, not {kind.__name__}")
        return value

    @property
    def is_ready(self) -> bool:
        return all(self.readiness.values())
