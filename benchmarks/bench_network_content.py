"""What looking up a shared photo's content costs, beside the hash stage it follows.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_network_content

Seller networks look a listing photo's content up among popular photos
(models/networks/content.py) only when the photo joins a group another seller already
holds, few enough sellers to be specific evidence, and its regions found no popular photo;
the cost is decoding the upload again, recovering the regions, cutting their bands and
hashing the boxes that changed. Timed on one thread for BENCH_CONTENT_PHOTOS (40) photos of
two kinds, each 1080 px on its long side as phones upload them: app screenshots of packaged
photos (copydetect's layouts) and product shots on plain backgrounds (copydetect's
generator). The baseline in the same run is the hash stage for the same bytes (decode and
every region hashed), which every listing photo pays. Prints p50 and p90 of each and their
ratio, and the same for the picture a screenshot shows (``screen_pictures``), which is paid
once per photo group, by the post that makes it shared.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import time
from collections.abc import Callable

from PIL import Image
from skimage import data
from trustdata.copydetect.layouts import app_screenshot
from trustdata.copydetect.sources import product_shot

from models.hashing.decode import decode_for_matching
from models.hashing.matcher import query_hashes
from models.networks.content import content_regions, screen_pictures

PHOTOS = int(os.environ.get("BENCH_CONTENT_PHOTOS", "40"))
SAMPLES = (data.coffee, data.astronaut, data.chelsea, data.rocket)


def _jpeg(img: Image.Image) -> bytes:
    scale = 1080 / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)))
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def _uploads(kind: str) -> list[bytes]:
    if kind == "screenshot":
        return [_jpeg(app_screenshot(Image.fromarray(SAMPLES[i % len(SAMPLES)]()),
                                     random.Random(i))) for i in range(PHOTOS)]
    return [_jpeg(product_shot(7_000_000 + i, 800)) for i in range(PHOTOS)]


def _times(step: Callable[[bytes], object], uploads: list[bytes]) -> list[float]:
    out = []
    for blob in uploads:
        started = time.perf_counter()
        step(blob)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=10)[int(q * 10) - 1] if q < 1 else max(values)


def main() -> None:
    print("| photos | hash stage p50 / p90 ms (baseline) | content lookup p50 / p90 ms | "
          "content / hash stage (p50) | screen picture p50 / p90 ms | screen / hash stage "
          "(p50) |")
    print("|---|---|---|---|---|---|")
    for kind in ("screenshot", "product shot"):
        uploads = _uploads(kind)
        content_regions(decode_for_matching(uploads[0]))  # warm up both paths
        query_hashes(decode_for_matching(uploads[0]))
        base = _times(lambda b: query_hashes(decode_for_matching(b)), uploads)
        content = _times(lambda b: content_regions(decode_for_matching(b)), uploads)
        screen = _times(lambda b: screen_pictures(decode_for_matching(b)), uploads)
        b50 = statistics.median(base)
        print(f"| {kind} ({len(uploads)}) | {b50:.1f} / {_p(base, 0.9):.1f} "
              f"| {statistics.median(content):.1f} / {_p(content, 0.9):.1f} | "
              f"{statistics.median(content) / b50:.2f} | {statistics.median(screen):.1f} / "
              f"{_p(screen, 0.9):.1f} | {statistics.median(screen) / b50:.2f} |")
