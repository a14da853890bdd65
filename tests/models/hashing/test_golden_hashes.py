"""Pinned hashes of packaged sample photos: a library upgrade that changes any hash fails here
(stored catalog hashes would silently stop matching)."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data

from models.hashing.kinds import KINDS

GOLDEN = {
    "astronaut": {
        "phash": "c2924c5532bddfc8",
        "dhash": "cd8dd91d897293a7",
        "pdq": "2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724",
    },
    "coffee": {
        "phash": "bb8320376c0f3637",
        "dhash": "f3e96933160b1b36",
        "pdq": "8c629e779a663698b9a33866c026726c21a679f61eb6e1f8c79ba7e23c8299e0",
    },
    "camera": {
        "phash": "bff1c1c0434e8cbc",
        "dhash": "509a3c7fbc756cec",
        "pdq": "dc9c9d3b746978f888f40ce6e5c3f70f7266623e8d989cb99f21f2010841e1c7",
    },
}


def _sample(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)()).convert("RGB")


@pytest.mark.parametrize("name", sorted(GOLDEN))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_golden_hash(name: str, kind: str) -> None:
    assert KINDS[kind].compute(_sample(name)).hex == GOLDEN[name][kind]


def test_pdq_quality_of_a_sample_is_pinned() -> None:
    assert KINDS["pdq"].compute(_sample("astronaut")).quality == 100
