"""The hostile-image corpus through a real server, and the server's memory meanwhile.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_hostile_images

Every kind of trustdata.hostile_images (80, the 6000x6000 ones included) goes through
every endpoint that takes images: catalog upload (multipart), ``POST /v1/images/match``
(JSON base64) and ``POST /v1/listings/score`` (JSON base64, beside a real photo), on a real
server process (uvicorn, SQLite), for this checkout and for the baseline commit before the
image hardening (rss_server.BASELINE_REF), in the same run.

Reported per code version: answers by class (2xx, 4xx, 5xx) and the wrong ones (a 5xx, a
2xx for a file that must be refused, a 4xx for a real image); the process's RSS when ready,
its peak through the corpus (target: under 1.5 GB) and whether it came back within 20 % of
the ready RSS within a minute (the target).
"""

from __future__ import annotations

import base64
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from trustdata.hostile_images import Hostile, corpus

from benchmarks.rss_server import REPO, ServerProcess, baseline_tree, mb

PEAK_TARGET = 1.5 * 2**30


def _wrong(h: Hostile, status: int, inside_listing: bool) -> bool:
    if status >= 500:
        return True
    if h.either:
        return False
    if h.legit or (h.strip and inside_listing):
        return status >= 300
    return not 400 <= status < 500


ENDPOINTS = ("catalog", "match", "listing")


def _send(server: ServerProcess, endpoint: str, product_id: int, n: int, h: Hostile,
          companion: bytes) -> httpx.Response:
    b64 = base64.b64encode(h.data).decode()
    if endpoint == "catalog":
        return server.client.post(f"/v1/catalog/products/{product_id}/images",
                                  headers=server.admin,
                                  files=[("files", (h.name, h.data, "image/jpeg"))])
    if endpoint == "match":
        return server.client.post("/v1/images/match", headers=server.platform,
                                  json={"images": [{"data": b64}]})
    return server.client.post("/v1/listings/score", headers=server.platform, json={
        "listing_id": f"hostile-{n}", "seller_id": "s-1", "caption": "bag", "price": 10,
        "currency": "EUR",
        "images": [{"data": base64.b64encode(companion).decode()}, {"data": b64}]})


def _status(server: ServerProcess, endpoint: str, product_id: int, n: int, h: Hostile,
            companion: bytes) -> int:
    """The answer's status; 0 when the server gave none. A connection the server closed
    after an earlier error answer is retried once on a new one (so the answer counts for
    this request, not for the previous one)."""
    for attempt in range(2):
        try:
            return _send(server, endpoint, product_id, n, h, companion).status_code
        except httpx.TransportError:
            time.sleep(2.0)  # for the process's exit, if it died, to be seen
            if attempt or server.proc.poll() is not None:
                return 0
    return 0


def _run(server: ServerProcess, hostile: list[Hostile]) -> dict[str, Any]:
    start = server.rss()
    server.reset_peak()
    client = server.client
    product = client.post("/v1/catalog/products", headers=server.admin, json={
        "brand": "Bench", "name": "hostile", "list_price": 100, "currency": "EUR"}).json()
    companion = next(h for h in hostile if h.name == "png_16x16").data
    classes: Counter[str] = Counter()
    wrong: list[str] = []
    died = None
    for n, h in enumerate(hostile):
        for endpoint in ENDPOINTS:
            status = _status(server, endpoint, product["id"], n, h, companion)
            classes[f"{status // 100}xx" if status else "no answer"] += 1
            if status == 0 or _wrong(h, status, endpoint == "listing"):
                wrong.append(f"{endpoint}:{h.name}:{status or 'no answer'}")
            if server.proc.poll() is not None:
                died = f"{endpoint}:{h.name} (exit {server.proc.returncode})"
                break
        if died:
            break
    if died:
        return {"start": start, "peak": None, "after": None, "waited": 0.0,
                "classes": classes, "wrong": wrong, "died": died}
    peak = server.peak()
    after, waited = server.settle(start)
    return {"start": start, "peak": peak, "after": after, "waited": waited,
            "classes": classes, "wrong": wrong, "died": None}


def main() -> None:
    hostile = corpus()
    print(f"{len(hostile)} kinds, 3 endpoints each\n")
    baseline = baseline_tree()
    results: dict[str, dict[str, Any]] = {}
    try:
        for label, root in (("before", baseline), ("after", REPO)):
            with ServerProcess(Path(root)) as server:
                results[label] = _run(server, hostile)
    finally:
        shutil.rmtree(baseline, ignore_errors=True)
    print("| code | 2xx | 4xx | 5xx | wrong answers | ready RSS | peak RSS (target < 1.5 GB) "
          "| RSS after | back within 20 % within 60 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in results.items():
        c = r["classes"]
        if r["died"]:
            print(f"| {label} | {c['2xx']} | {c['4xx']} | {c['5xx']} | {len(r['wrong'])} | "
                  f"{mb(r['start'])} | the process died | - | - |")
            continue
        back = f"yes, {r['waited']:.0f} s" if r["after"] <= r["start"] * 1.2 else "no"
        print(f"| {label} | {c['2xx']} | {c['4xx']} | {c['5xx']} | {len(r['wrong'])} | "
              f"{mb(r['start'])} | {mb(r['peak'])}"
              f"{'' if r['peak'] < PEAK_TARGET else ' (over)'} | {mb(r['after'])} | {back} |")
    for label, r in results.items():
        if r["died"]:
            print(f"\n{label}: the server process died at {r['died']}")
        if r["wrong"]:
            print(f"\n{label}: wrong answers: {', '.join(r['wrong'])}")
