"""Everything the app loads once at start-up, as one typed object on app.state."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.cache import Cache
from service.imaging import ImageLimits
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cache: Cache
    redis: Redis | None
    image_limits: ImageLimits
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

    @property
    def is_ready(self) -> bool:
        return all(self.readiness.values())
