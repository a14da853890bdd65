from __future__ import annotations

import numpy as np
import pytest

from models.hashing.index import HammingIndex, pack


def _brute(codes: np.ndarray, q: np.ndarray, radius: int) -> set[int]:
    d = np.bitwise_count(codes ^ q[None, :]).sum(axis=1)
    return set(np.flatnonzero(d <= radius).tolist())


@pytest.mark.parametrize("radius", [0, 3, 8, 12, 20])
def test_range_search_is_exact_against_brute_force(radius: int) -> None:
    rng = np.random.default_rng(radius)
    base = rng.integers(0, 2**63, size=20_000, dtype=np.uint64)
    # Near neighbours of a few centres so every radius has true hits to find.
    flips = np.uint64(1) << rng.integers(0, 64, size=(2_000, 6)).astype(np.uint64)
    near = base[:2_000] ^ np.bitwise_or.reduce(flips * (rng.random((2_000, 6)) < 0.5), axis=1)
    codes = np.concatenate((base, near))[:, None]
    index = HammingIndex(64)
    index.add(np.arange(len(codes)), codes)
    for qi in range(0, 2_000, 97):
        labels, dist = index.range_search(codes[qi], radius)
        assert set(labels.tolist()) == _brute(codes, codes[qi], radius)
        assert np.array_equal(dist, np.bitwise_count(codes[labels, 0] ^ codes[qi, 0]))


def test_rows_added_after_the_build_are_found_and_removed_rows_are_not() -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 2**63, size=(10_000, 1), dtype=np.uint64)
    index = HammingIndex(64)
    index.add(np.arange(10_000), codes)
    extra = codes[:5] ^ np.uint64(1)
    index.add(np.arange(100_000, 100_005), extra)
    labels, _ = index.range_search(codes[0], 1)
    assert set(labels.tolist()) == {0, 100_000}
    assert index.remove([0, 100_000]) == 2
    labels, _ = index.range_search(codes[0], 1)
    assert labels.size == 0
    assert len(index) == 10_003


def test_compaction_keeps_search_exact() -> None:
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 2**63, size=(8_000, 1), dtype=np.uint64)
    index = HammingIndex(64)
    index.add(np.arange(8_000), codes)
    index.remove(np.arange(0, 8_000, 2))  # past the compaction threshold
    assert len(index) == 4_000
    for qi in (1, 3, 2_001):
        labels, _ = index.range_search(codes[qi], 6)
        assert set(labels.tolist()) == {i for i in _brute(codes, codes[qi], 6) if i % 2}


def test_wide_codes_are_scanned_exactly() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 2**63, size=(3_000, 4), dtype=np.uint64)
    index = HammingIndex(256)
    index.add(np.arange(3_000), codes)
    q = codes[7].copy()
    q[2] ^= np.uint64(0b111)
    labels, dist = index.range_search(q, 3)
    assert labels.tolist() == [7] and dist.tolist() == [3]


def test_pack_reads_big_endian_hash_bytes() -> None:
    packed = pack([bytes.fromhex("0000000000000001"), bytes.fromhex("8000000000000000")])
    assert packed[:, 0].tolist() == [1, 2**63]


def test_skewed_codes_are_scanned_exactly_with_removed_and_pending_rows() -> None:
    # Each bit set with probability 0.8: chunk buckets hold far more than a scan would read,
    # so the search takes the scan path; it must honour removals and rows added since the build.
    rng = np.random.default_rng(4)
    bits = rng.random((20_000, 64)) < 0.8
    codes = np.packbits(bits, axis=1).view(">u8").astype(np.uint64).reshape(-1, 1)
    index = HammingIndex(64)
    index.add(np.arange(18_000), codes[:18_000])
    index.add(np.arange(18_000, 20_000), codes[18_000:])  # pending: below the rebuild size
    index.remove(np.arange(0, 20_000, 10))
    dense = np.array([2**64 - 1 - 0b1011], dtype=np.uint64)  # near the skew's centre
    assert index._search_built(dense[0], 9, 9 // 4) is None  # white box: it is scanned
    for q in (dense, codes[1], codes[19_999]):
        labels, dist = index.range_search(q, 9)
        expected = {i for i in _brute(codes, q, 9) if i % 10}
        assert set(labels.tolist()) == expected
        assert np.array_equal(dist, np.bitwise_count(codes[labels, 0] ^ q[0]))
    assert len(_brute(codes, dense, 9)) > 500  # the skew: hundreds of rows are hits


def test_nbytes_counts_codes_labels_bucket_tables_and_the_scan_copy() -> None:
    index = HammingIndex(64)
    assert index.nbytes == 0
    n = 10_000
    index.add(np.arange(n), np.random.default_rng(1).integers(0, 2**63, size=(n, 1),
                                                                dtype=np.uint64))
    per_row = 8 + 8 + 1 + 4 * 4 + 8  # code, label, alive, four bucket orders, scan copy
    offsets = 4 * ((1 << 16) + 1) * 8
    assert per_row * n + offsets <= index.nbytes <= 2 * 17 * n + 24 * n + offsets
