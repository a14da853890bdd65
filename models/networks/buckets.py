"""Bucket keys for exact Hamming range search in SQL (multi-index hashing).

A code of ``8 * len(code)`` bits is cut into 16-bit chunks. By pigeonhole, two codes within
distance ``r`` agree to within ``r // chunks`` bits on at least one chunk, so a stored code
is written under one key per chunk (its chunk value, tagged with the chunk's position) and
a query looks up, per chunk, every value within that sub-radius of its own. Every code
within ``r`` is among the candidates; the caller verifies the true distance.

Cost, per query: ``chunks * C(16, <= r // chunks)`` keys, each an index probe, and the
candidates those buckets hold. Photos are searched by their pHash (64 bits, r = 7: 4 chunks
at sub-radius 1, 4 * 17 = 68 keys), PDQ is verified on the candidates
(models/networks/prints.py). For uniform codes a bucket holds ``stored / 65536`` entries,
so a query reads about ``68 * stored / 65536`` candidates: 1 per 1,000 stored, 104 at
100,000 (r = 8 would need sub-radius 2: 548 keys and 836 candidates).
Skewed hashes (similar-looking photos share chunk values) raise it. What the
buckets index is one representative per group of near-identical posts, not every post
(service/networks), so one photo reposted thousands of times is one entry.
"""

from __future__ import annotations

from itertools import combinations

CHUNK_BITS = 16
_MASK = (1 << CHUNK_BITS) - 1


def _flips(radius: int) -> list[int]:
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << i for i in combo) for combo in combinations(range(CHUNK_BITS), r)]
    return out


def chunks_of(code: bytes) -> list[int]:
    """The code's 16-bit chunk values, most significant first."""
    if not code or len(code) % 2:
        raise ValueError("a code must be a whole number of 16-bit chunks")
    value = int.from_bytes(code, "big")
    n = len(code) * 8 // CHUNK_BITS
    return [(value >> (CHUNK_BITS * (n - 1 - i))) & _MASK for i in range(n)]


def key(position: int, value: int) -> int:
    """One bucket key: the chunk's position in the high bits, its value in the low 16."""
    return (position << CHUNK_BITS) | value


def stored_keys(code: bytes) -> list[int]:
    """The keys a stored code is written under (one per chunk)."""
    return [key(i, v) for i, v in enumerate(chunks_of(code))]


def query_keys(code: bytes, radius: int) -> list[int]:
    """Every key a code within ``radius`` of ``code`` is stored under at least one of."""
    values = chunks_of(code)
    sub = radius // len(values)
    flips = _flips(sub)
    return [key(i, v ^ f) for i, v in enumerate(values) for f in flips]
