"""Multi-index bucket keys: every code within the radius shares a key with the query."""

from __future__ import annotations

import random

import pytest

from models.networks.buckets import chunks_of, query_keys, stored_keys


def _flip(code: bytes, bits: list[int]) -> bytes:
    value = int.from_bytes(code, "big")
    for b in bits:
        value ^= 1 << b
    return value.to_bytes(len(code), "big")


@pytest.mark.parametrize(("size", "radius"), [(8, 8), (8, 7), (32, 31), (32, 64)])
def test_every_code_within_the_radius_is_a_candidate(size: int, radius: int) -> None:
    rng = random.Random(size * 100 + radius)
    for _ in range(200):
        code = rng.randbytes(size)
        near = _flip(code, rng.sample(range(size * 8), rng.randint(0, radius)))
        assert set(stored_keys(near)) & set(query_keys(code, radius))


def test_far_codes_rarely_share_a_key() -> None:
    rng = random.Random(7)
    shared = sum(bool(set(stored_keys(rng.randbytes(8))) & set(query_keys(rng.randbytes(8), 8)))
                 for _ in range(2000))
    assert shared < 60  # 548 of 4 x 65536 keys per chunk: about 0.8 % of random pairs


def test_keys_count_and_chunks() -> None:
    assert chunks_of(bytes.fromhex("0001ffff")) == [1, 0xFFFF]
    assert len(query_keys(bytes(8), 8)) == 4 * (1 + 16 + 120)  # sub-radius 2
    assert len(query_keys(bytes(32), 31)) == 16 * 17  # sub-radius 1
    with pytest.raises(ValueError):
        chunks_of(b"\x00")
