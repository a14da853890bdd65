from __future__ import annotations

from pathlib import Path

import pytest
from trustdata.captions.build import build


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4%-scale corpus built with the real builder (a few seconds)."""
    out = tmp_path_factory.mktemp("captions")
    build(out, seed=5, scale=0.04)
    return out
