"""The caption classifier, loaded once per process at start-up into the app's `captions`
component."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request

from models.text.classifier import ARTIFACTS_ROOT, CaptionClassifier, load_caption_classifier
from service.core.state import Component
from service.kit.settings import Settings


@dataclass(frozen=True)
class CaptionRuntime:
    classifier: CaptionClassifier

    @property
    def model_version(self) -> str:
        return self.classifier.model_version


class CaptionsHost(Protocol):
    @property
    def captions(self) -> Component[CaptionRuntime]: ...


@lru_cache(maxsize=2)
def _load(artifacts_root: str) -> CaptionClassifier:
    # One classifier per artifact root and process: apps built by tests or several app
    # instances in one worker share the loaded weights instead of re-reading them.
    return load_caption_classifier(Path(artifacts_root))


def build_runtime(settings: Settings) -> CaptionRuntime:
    root = settings.caption_artifacts_dir or ARTIFACTS_ROOT
    return CaptionRuntime(_load(str(root)))


async def _runtime_dep(request: Request) -> CaptionRuntime:
    host: CaptionsHost = request.app.state.trust
    return host.captions.get()


CaptionRuntimeDep = Annotated[CaptionRuntime, Depends(_runtime_dep)]
