"""The caption classifier, loaded once per process at start-up and kept on the app state.

Kept in `AppState.extras` (like the sellers domain) with a typed accessor, so the shared
state class needs no change for this domain.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from models.text.classifier import ARTIFACTS_ROOT, CaptionClassifier, load_caption_classifier
from service.deps import StateDep
from service.state import AppState

EXTRAS_KEY = "captions"
_lock = threading.Lock()


@dataclass(frozen=True)
class CaptionRuntime:
    classifier: CaptionClassifier

    @property
    def model_version(self) -> str:
        return self.classifier.model_version


@lru_cache(maxsize=2)
def _load(artifacts_root: str) -> CaptionClassifier:
    # One classifier per artifact root and process: apps built by tests or several app
    # instances in one worker share the loaded weights instead of re-reading them.
    return load_caption_classifier(Path(artifacts_root))


def startup_step(state: AppState) -> None:
    """For app.STARTUP_STEPS: load the served caption model into the state."""
    root = state.settings.caption_artifacts_dir or ARTIFACTS_ROOT
    runtime = CaptionRuntime(_load(str(root)))
    with _lock:
        state.extras[EXTRAS_KEY] = runtime


def get_runtime(state: AppState) -> CaptionRuntime:
    return state.component(EXTRAS_KEY, CaptionRuntime, "caption model")


def _runtime_dep(state: StateDep) -> CaptionRuntime:
    return get_runtime(state)


CaptionRuntimeDep = Annotated[CaptionRuntime, Depends(_runtime_dep)]
