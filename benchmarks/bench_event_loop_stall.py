"""How long a large JSON image body holds up other requests (issue 20, item 5).

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_event_loop_stall

A real server process (uvicorn, SQLite) per code version, this checkout and the baseline
commit (rss_server.BASELINE_REF), in the same run. While one client sends
``POST /v1/listings/score`` with a JSON body of about 60 MB (nine photo-like 4-5 MB JPEGs as
base64: the request's body limit is 64 MB), another sends ``GET /health/live`` back to back
on its own connection. Reported: the slowest and the median /health/live answer while the
big request was in flight, over ``ROUNDS`` big requests (distinct listings, so none is
answered from storage). Both stages of the big request run in threads either way; what
differs is whether parsing the JSON and decoding the base64 runs on the event loop.
"""

from __future__ import annotations

import base64
import io
import shutil
import statistics
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from benchmarks.rss_server import REPO, ServerProcess, baseline_tree

ROUNDS = 3


def _jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (900, 900, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize((2250, 2250), Image.Resampling.BILINEAR).save(
        out, "JPEG", quality=97)
    return out.getvalue()


def _round(server: ServerProcess, images: list[str], n: int) -> list[float]:
    done = threading.Event()
    small: list[float] = []

    def poll() -> None:
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get("/health/live")
                small.append(time.perf_counter() - started)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    response = server.client.post("/v1/listings/score", headers=server.platform, json={
        "listing_id": f"big-{n}", "seller_id": "s-1", "caption": "bag", "price": 10,
        "currency": "EUR", "images": [{"data": data} for data in images]})
    done.set()
    poller.join()
    if response.status_code != 200:
        raise RuntimeError(f"the big request failed: {response.status_code} {response.text}")
    return small


def main() -> None:
    raw = [_jpeg(seed) for seed in range(9)]
    images = [base64.b64encode(data).decode() for data in raw]
    body_mb = sum(len(i) for i in images) / 2**20
    print(f"JSON body: {body_mb:.1f} MB of base64 ({len(raw)} JPEGs)\n")
    baseline = baseline_tree()
    rows = []
    try:
        for label, root in (("before", baseline), ("after", REPO)):
            with ServerProcess(Path(root)) as server:
                waits: list[float] = []
                worst: list[float] = []
                for n in range(ROUNDS):
                    # a new photo each round: nothing answered from the per-photo cache
                    fresh = [base64.b64encode(_jpeg(100 * (n + 1) + i)).decode()
                             for i in range(len(raw))] if n else images
                    small = _round(server, fresh, n)
                    waits += small
                    worst.append(max(small))
                rows.append((label, len(waits), statistics.median(waits), max(worst)))
    finally:
        shutil.rmtree(baseline, ignore_errors=True)
    print("| code | /health/live answers during the big requests | median | slowest |")
    print("|---|---|---|---|")
    for label, count, median, slowest in rows:
        print(f"| {label} | {count} | {median * 1000:.1f} ms | {slowest * 1000:.0f} ms |")
