"""The listing scorer's risk model (shared by every app in the process: it is immutable)
and photo matcher, kept per app in `AppState.extras`. The caption model belongs to the
captions domain and is reached through its service functions."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from models.risk import RiskModel, RiskThresholds, load_model
from service.listings.photos import CatalogPhotoMatcher, PhotoMatcher
from service.settings import Settings
from service.state import AppState

EXTRAS_KEY = "listings"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _risk_model() -> RiskModel:
    return load_model()


@dataclass
class ListingsRuntime:
    risk_model: RiskModel
    matcher: PhotoMatcher


def thresholds_for(settings: Settings, platform_id: str) -> RiskThresholds:
    custom = settings.platform_risk_thresholds.get(platform_id)
    if not custom:
        return RiskThresholds()
    defaults = RiskThresholds()
    return RiskThresholds(review=custom.get("review", defaults.review),
                          block=custom.get("block", defaults.block))


def get_runtime(state: AppState) -> ListingsRuntime:
    runtime = state.extras.get(EXTRAS_KEY)
    if runtime is None:
        with _lock:
            runtime = state.extras.get(EXTRAS_KEY)
            if runtime is None:
                runtime = ListingsRuntime(_risk_model(), CatalogPhotoMatcher(state))
                state.extras[EXTRAS_KEY] = runtime
    assert isinstance(runtime, ListingsRuntime)
    return runtime


def startup_step(state: AppState) -> None:
    """Loads the risk model at start-up: readiness reports a missing or broken artifact, and
    the first listing does not pay for loading it."""
    get_runtime(state)
