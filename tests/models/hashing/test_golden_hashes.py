"""Pinned hashes of packaged sample photos: a change to the thumbnail, the batched kinds or
the libraries they are proven against (test_hash_kinds_reference) fails here, since stored
catalog hashes would silently stop matching. A deliberate change re-pins them and bumps
EVIDENCE_VERSION."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data

from models.hashing.kinds import KINDS

GOLDEN = {
    "astronaut": {
        "phash": "c2924c5532bddfc8",
        "dhash": "cd8dbd0d9d3295a6",
        "pdq": "2d2f1af3a856c529679ca3d6526fa836d4196c81c6dd04de0a26f855fc99b724",
    },
    "coffee": {
        "phash": "bb8320376c0f3637",
        "dhash": "f3e95b331e2b0f36",
        "pdq": "4c629e769a66364cb983b8668026f26c21a679f61eb6e1f8c799a7f63c8299e0",
    },
    "camera": {
        "phash": "bff1c1c0434e8cbc",
        "dhash": "00183e7fae746cea",
        "pdq": "8c9c9d3af46978f888f40ce6e5c3f70f7266621e8d989cb99fe1f3012841e0c7",
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
