"""Hermetic fixture images: scikit-image sample photos and generated product shots."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data
from trustdata.copydetect.sources import product_shot


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


@pytest.fixture(scope="session")
def coffee() -> Image.Image:
    return Image.fromarray(data.coffee())


@pytest.fixture(scope="session")
def products() -> list[Image.Image]:
    """Catalog-style shots; seeds chosen arbitrarily, not tuned to pass."""
    return [product_shot(seed, size=480) for seed in range(500, 520)]
