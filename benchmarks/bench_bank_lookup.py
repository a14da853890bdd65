"""Known-counterfeit bank lookup of a 9-photo listing against 1,000,000 bank hashes.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_bank_lookup

The bank (models/banks/index.py): 1,000,000 stored views, each a pHash and a PDQ hash.
Most are random codes in entries of 60 views; 100,000 are near-duplicates (a few bits
flipped) of the real views of 40 banked product photos, the clusters perceptual hashes of
similar photos form. The last 1,800 rows arrive after the multi-index was built, as
decisions do between rebuilds (scanned by brute force until the next). The listing: 9
generated product photos as JPEG, three of them reposts of banked photos (a crop, a
screenshot, a recompression).

Baseline, in the same run: the listing's hash stage without the bank, per listing: JPEG
draft decode, region recovery and hashing of the 9 photos (what the scorer already does)
and their hash match against a 100-product catalog. Measured: the lookup the scorer adds
(BankRuntime.lookup: region selection, index search, bank filter, acceptance), p50/p99,
and its ratio to the baseline. Not included: the one SELECT that resolves the matched
entries' decision metadata, run only when something matched. Target: <= 5 ms p50 added.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from collections.abc import Callable

import numpy as np
from PIL import Image
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.banks.hashes import BankHash, bank_hashes
from models.banks.index import BankIndex
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import Matcher, enrollment_hashes, query_hashes
from service.banks.runtime import BankRuntime

BANK_HASHES = 1_000_000
REAL_PHOTOS = 40
NEAR_ROWS = 100_000  # noisy copies of the real photos' views
VIEWS_PER_ENTRY = 60
PENDING = 1_800  # rows added since the index's last build (it rebuilds past 2,048)
CATALOG = 100
RUNS_LOOKUP, RUNS_BASELINE = 200, 25


def _jpeg(img: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _flip(raw: bytes, rng: np.random.Generator, most: int) -> bytes:
    value = int.from_bytes(raw, "big")
    for b in rng.choice(len(raw) * 8, int(rng.integers(1, most + 1)), replace=False):
        value ^= 1 << int(b)
    return value.to_bytes(len(raw), "big")


def build_bank(rng: np.random.Generator) -> tuple[BankIndex, list[Image.Image]]:
    index = BankIndex()
    photos = [product_shot(9_100_000 + i) for i in range(REAL_PHOTOS)]
    entry, rows, built = 0, 0, False
    for photo in photos:
        views = bank_hashes(decode_for_matching(_jpeg(photo)))
        entry += 1
        index.add(entry, views, build=False)
        rows += len(views)
        for _ in range(NEAR_ROWS // REAL_PHOTOS // len(views) + 1):
            entry += 1
            noisy = [BankHash(v.view, _flip(v.phash or b"", rng, 6), _flip(v.pdq or b"", rng, 30),
                              v.quality) for v in views]
            index.add(entry, noisy, build=False)
            rows += len(noisy)
    while rows < BANK_HASHES:
        entry += 1
        n = min(VIEWS_PER_ENTRY, BANK_HASHES - rows)
        codes = rng.integers(0, 256, (n, 40), dtype=np.uint8).tobytes()
        # the last rows arrive after the build, as decisions do: scanned until the next one
        index.add(entry, [BankHash(f"v{i}", codes[40 * i:40 * i + 8], codes[40 * i + 8:40 * i + 40],
                                   90) for i in range(n)], build=False)
        rows += n
        if rows >= BANK_HASHES - PENDING and not built:
            index.build()
            built = True
    return index, photos


def listing(photos: list[Image.Image]) -> list[bytes]:
    w, h = photos[0].size
    reposts = [photos[0].crop((int(0.05 * w), int(0.02 * h), int(0.97 * w), int(0.94 * h))),
               layouts.app_screenshot(photos[1], random.Random(0)), photos[2]]
    others = [product_shot(9_200_000 + i) for i in range(6)]
    return [_jpeg(p, 75) for p in reposts + others]


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return sorted(samples)


def _p(samples: list[float], q: float) -> float:
    return samples[min(len(samples) - 1, int(q * len(samples)))]


def main() -> None:
    rng = np.random.default_rng(21)
    started = time.perf_counter()
    index, photos = build_bank(rng)
    built = time.perf_counter() - started
    runtime = BankRuntime(index=index, bank_of=dict.fromkeys(range(1, index.entries + 1), 1),
                          own={"shop": 1})
    catalog = Matcher()
    for i in range(CATALOG):
        catalog.enroll(i + 1, enrollment_hashes(product_shot(9_300_000 + i)))
    blobs = listing(photos)
    regions = {i: query_hashes(decode_for_matching(b)) for i, b in enumerate(blobs)}

    def hash_stage() -> None:
        for blob in blobs:
            catalog.match_hashes(query_hashes(decode_for_matching(blob)), 24.0)

    baseline = _time(hash_stage, RUNS_BASELINE)
    lookup = _time(lambda: runtime.lookup("shop", regions), RUNS_LOOKUP)
    found = runtime.lookup("shop", regions)
    queries = sum(len(r) for r in regions.values())
    b50, l50 = statistics.median(baseline), statistics.median(lookup)
    print(f"bank: {len(index):,} hashes in {index.entries:,} entries, built in {built:.0f} s; "
          f"{index.nbytes() / len(index):.1f} bytes per bank hash "
          f"({index.nbytes() / 2**20:.0f} MiB)")
    print(f"listing: 9 photos, {queries} region hashes; matches: "
          f"{sorted({(m.photo, m.entry_id) for m in found})}\n")
    print("| per 9-photo listing | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(f"| hash stage without the bank (baseline) | {b50:.2f} | {_p(baseline, 0.99):.2f} |")
    print(f"| bank lookup (added) | {l50:.2f} | {_p(lookup, 0.99):.2f} |")
    print(f"| hash stage with the bank | {b50 + l50:.2f} | |")
    print(f"\nadded: {l50:.2f} ms p50 (target <= 5 ms), {l50 / b50:.1%} of the baseline "
          f"(ratio with/without {(b50 + l50) / b50:.3f}); {RUNS_BASELINE} baseline and "
          f"{RUNS_LOOKUP} lookup runs, one process.")


if __name__ == "__main__":
    main()
