"""How long a large JSON image body holds up other requests (issue 20, item 5).

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_event_loop_stall

A real server process (uvicorn, SQLite) per code version, this checkout and the baseline
commit (rss_server.BASELINE_REF), in the same run. While one client sends ``POST
/v1/listings/score`` with a JSON body of about 56 MB (nine 4.7 MB files as base64: the
request's body limit is 64 MB), another sends ``GET /health/live`` back to back on its own
connection. Reported: the slowest and the median /health/live answer while the big request
was in flight, over ``ROUNDS`` big requests, beside the slowest one in the ``IDLE_SECONDS``
before each (the machine's own noise: on a shared host it is not small). The files are a
JPEG signature over random bytes, refused by the image gate (422) as soon as their headers
are read, so what the big request costs is reading its body: parsing the JSON and decoding
the base64 (the scoring of real photos, in threads, would add GIL contention of its own).
"""

from __future__ import annotations

import base64
import multiprocessing
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from benchmarks.rss_server import REPO, ServerProcess, baseline_tree

ROUNDS = 3
IDLE_SECONDS = 3.0


def _file(seed: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + np.random.default_rng(seed).bytes(4_900_000)


def _poll(url: str, stop: Any, out: Any) -> None:
    """In a process of its own, so nothing the sending client does holds it up."""
    latencies = []
    with httpx.Client(base_url=url, timeout=60.0) as client:
        while not stop.is_set():
            started = time.time()
            client.get("/health/live")
            latencies.append((started, time.time() - started))
    out.put(latencies)


def _round(server: ServerProcess, body: bytes) -> tuple[list[float], list[float]]:
    """/health/live latencies while the big request was in flight, and in the
    ``IDLE_SECONDS`` before it (what this machine's load costs anyway)."""
    context = multiprocessing.get_context("spawn")
    stop, out = context.Event(), context.Queue()
    poller = context.Process(target=_poll, args=(server.url, stop, out))
    poller.start()
    time.sleep(1.0 + IDLE_SECONDS)
    began = time.time()
    response = server.client.post("/v1/listings/score", content=body, headers={
        **server.platform, "content-type": "application/json"})
    ended = time.time()
    stop.set()
    timed: list[tuple[float, float]] = out.get(timeout=60)
    poller.join(60)
    if response.status_code != 422:
        raise RuntimeError(f"the big request failed: {response.status_code} {response.text}")
    during = [lat for at, lat in timed if at + lat >= began and at <= ended]
    idle = [lat for at, lat in timed if began - IDLE_SECONDS <= at and at + lat < began]
    return during, idle


def main() -> None:
    raw = [_file(seed) for seed in range(9)]
    images = [base64.b64encode(data).decode() for data in raw]
    body_mb = sum(len(i) for i in images) / 2**20
    print(f"JSON body: {body_mb:.1f} MB of base64 ({len(raw)} files)\n")
    baseline = baseline_tree()
    rows = []
    try:
        for label, root in (("before", baseline), ("after", REPO)):
            with ServerProcess(Path(root)) as server:
                waits: list[float] = []
                worst: list[float] = []
                idle: list[float] = []
                for n in range(ROUNDS):
                    body = orjson.dumps({  # encoded beforehand: the client does nothing else
                        "listing_id": f"big-{n}", "seller_id": "s-1", "caption": "bag",
                        "price": 10, "currency": "EUR",
                        "images": [{"data": data} for data in images]})
                    small, quiet = _round(server, body)
                    waits += small
                    idle += quiet
                    worst.append(max(small))
                rows.append((label, len(waits), statistics.median(waits), max(worst),
                             max(idle)))
    finally:
        shutil.rmtree(baseline, ignore_errors=True)
    print("| code | /health/live answers during the big requests | median | slowest | "
          f"slowest in the {IDLE_SECONDS:g} s before each (no big request) |")
    print("|---|---|---|---|---|")
    for label, count, median, slowest, noise in rows:
        print(f"| {label} | {count} | {median * 1000:.1f} ms | {slowest * 1000:.0f} ms | "
              f"{noise * 1000:.0f} ms |")
