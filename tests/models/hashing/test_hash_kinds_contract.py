"""One contract every hash kind must honour, run for each registered kind."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFilter

from models.hashing.kinds import KINDS, HashKind, distance, from_hex, hamming, to_hex
from models.thresholds import MATCH_PDQ_MAX_DISTANCE

# Per kind, the Hamming distance a recompressed copy stays within and an unrelated photo
# exceeds: 5 of 64 bits for pHash and dHash, PDQ's published near-duplicate distance.
NEAR_COPY_MAX_DISTANCE = {"phash": 5, "dhash": 5, "pdq": MATCH_PDQ_MAX_DISTANCE}


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> HashKind:
    return KINDS[request.param]


def test_compute_gives_declared_width_and_kind(kind: HashKind, astronaut: Image.Image) -> None:
    h = kind.compute(astronaut)
    assert h.kind == kind.name
    assert len(h.value) * 8 == kind.bits


def test_hex_round_trip(kind: HashKind, coffee: Image.Image) -> None:
    h = kind.compute(coffee)
    text = to_hex(h)
    assert len(text) == kind.bits // 4
    back = from_hex(kind, text, h.quality)
    assert back == h
    assert distance(back, h) == 0


def test_hex_of_wrong_width_is_refused(kind: HashKind) -> None:
    with pytest.raises(ValueError, match="bits"):
        from_hex(kind, "ab" * (kind.bits // 8 + 1))


def test_distance_is_a_metric_on_examples(kind: HashKind, astronaut: Image.Image,
                                          coffee: Image.Image) -> None:
    a, b = kind.compute(astronaut), kind.compute(coffee)
    c = kind.compute(astronaut.filter(ImageFilter.GaussianBlur(2)))
    assert distance(a, a) == 0
    assert distance(a, b) == distance(b, a) > 0
    assert distance(a, b) <= distance(a, c) + distance(c, b)


def test_near_copies_within_and_unrelated_beyond_default_threshold(
        kind: HashKind, astronaut: Image.Image, coffee: Image.Image) -> None:
    original = kind.compute(astronaut)
    recompressed = kind.compute(_jpeg(astronaut.resize((256, 256)), 40))
    unrelated = kind.compute(coffee)
    assert distance(original, recompressed) <= NEAR_COPY_MAX_DISTANCE[kind.name]
    assert distance(original, unrelated) > NEAR_COPY_MAX_DISTANCE[kind.name]


def test_usable_on_a_real_photo(kind: HashKind, astronaut: Image.Image) -> None:
    assert kind.usable(kind.compute(astronaut))


def test_comparing_different_kinds_is_refused(astronaut: Image.Image) -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        distance(KINDS["phash"].compute(astronaut), KINDS["dhash"].compute(astronaut))
    with pytest.raises(ValueError, match="lengths differ"):
        hamming(b"\x00" * 8, b"\x00" * 32)


def test_pdq_rates_a_flat_image_unusable() -> None:
    flat = Image.new("RGB", (200, 200), (240, 240, 240))
    h = KINDS["pdq"].compute(flat)
    assert h.quality is not None and h.quality < 50
    assert not KINDS["pdq"].usable(h)

