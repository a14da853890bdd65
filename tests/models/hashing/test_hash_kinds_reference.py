"""The batched kinds are the reference libraries' algorithms, bit for bit.

``models.hashing.kinds`` computes pHash, dHash and PDQ for a stack of thumbnails at once
(one library call per kind per region cost about a millisecond). Fed the same inputs the
batch reads, ``imagehash`` and ``pdqhash`` must give exactly the same bits (and PDQ the same
quality), so the kinds keep the libraries' meaning while running several times faster.
"""

from __future__ import annotations

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageFilter
from skimage import data
from trustdata.copydetect.sources import product_shot

from models.hashing.kinds import (
    THUMB_SIDE,
    dhash_inputs,
    hash_thumbnails,
    phash_inputs,
    thumbnail,
)

SAMPLES = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "moon", "page",
           "text", "hubble_deep_field", "immunohistochemistry", "horse")


@pytest.fixture(scope="module")
def thumbs() -> np.ndarray:
    """Packaged photos, blurred copies (low PDQ quality), product shots and noise."""
    rng = np.random.default_rng(7)
    photos = [Image.fromarray(getattr(data, name)()) for name in SAMPLES]
    photos += [p.filter(ImageFilter.GaussianBlur(6)) for p in photos[:6]]
    photos += [product_shot(seed, size=320) for seed in range(40, 52)]
    out = [thumbnail(p) for p in photos]
    out += [rng.integers(0, 256, (THUMB_SIDE, THUMB_SIDE), dtype=np.uint8) for _ in range(8)]
    return np.stack(out)


def _packed(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=bool).reshape(-1)).tobytes()


def test_phash_is_imagehash_phash(thumbs: np.ndarray) -> None:
    batch, inputs = hash_thumbnails(thumbs), phash_inputs(thumbs)
    for i, small in enumerate(inputs):
        assert batch.phash[i].tobytes() == _packed(imagehash.phash(Image.fromarray(small)).hash)


def test_dhash_is_imagehash_dhash(thumbs: np.ndarray) -> None:
    batch, inputs = hash_thumbnails(thumbs), dhash_inputs(thumbs)
    assert inputs.shape[1:] == (8, 9)
    for i, small in enumerate(inputs):
        assert batch.dhash[i].tobytes() == _packed(imagehash.dhash(Image.fromarray(small)).hash)


def test_pdq_is_pdqhash_with_the_same_quality(thumbs: np.ndarray) -> None:
    batch = hash_thumbnails(thumbs)
    qualities = set()
    for i, thumb in enumerate(thumbs):
        bits, quality = pdqhash.compute(np.dstack((thumb, thumb, thumb)))
        assert batch.pdq[i].tobytes() == _packed(bits)
        assert batch.quality[i] == quality
        qualities.add(int(quality))
    assert min(qualities) < 50 and max(qualities) == 100  # both regimes were exercised


def test_a_batch_equals_one_at_a_time(thumbs: np.ndarray) -> None:
    whole = hash_thumbnails(thumbs)
    for i in (0, 5, len(thumbs) - 1):
        one = hash_thumbnails(thumbs[i:i + 1])
        assert one.phash[0].tobytes() == whole.phash[i].tobytes()
        assert one.pdq[0].tobytes() == whole.pdq[i].tobytes()


def test_symmetric_thumbnail_hashes_deterministically() -> None:
    # Mirror-symmetric input: half its DCT coefficients are exactly zero, which float noise
    # must not turn into arbitrary bits (the mirror's hash must be the same as the original).
    half = np.random.default_rng(3).integers(0, 256, (THUMB_SIDE, THUMB_SIDE // 2),
                                             dtype=np.uint8)
    sym = np.concatenate([half, half[:, ::-1]], axis=1)
    a, b = hash_thumbnails(sym[None]), hash_thumbnails(np.ascontiguousarray(sym[:, ::-1])[None])
    assert a.phash[0].tobytes() == b.phash[0].tobytes()
    assert a.pdq[0].tobytes() == b.pdq[0].tobytes()


def test_wrong_thumbnail_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="thumbnails"):
        hash_thumbnails(np.zeros((2, 32, 32), dtype=np.uint8))


def test_phash_input_is_the_rounded_two_by_two_mean(thumbs: np.ndarray) -> None:
    n = len(thumbs)
    blocks = thumbs.reshape(n, 32, 2, 32, 2).astype(np.float64).mean(axis=(2, 4))
    assert np.array_equal(phash_inputs(thumbs), np.rint(blocks).astype(np.uint8))
