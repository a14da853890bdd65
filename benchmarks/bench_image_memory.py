"""Server memory for small requests that decode to gigabytes (issue 20, item 3).

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_image_memory

A real server process (uvicorn, SQLite) per code version: this checkout, and the baseline
commit before the decode budget (``TRUST_BENCH_BASELINE_REF``, see rss_server.py), both in
this run. Scenarios, each on a fresh server process:

- one: ``POST /v1/images/match`` with nine flat 6000x6000 PNGs (about 1 MB in all, 324
  million pixels decoded);
- three: three such requests at once;
- upload: an admin upload of 20 photo-like 4000x3000 JPEGs to one product.

For each: the answers' status codes, the peak resident set (VmHWM) over the process's RSS
when it was ready, and the RSS once it came back within 20 % of that (or after 60 s,
whichever first).
"""

from __future__ import annotations

import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from trustdata.hostile_images import flat_png, photo

from benchmarks.rss_server import REPO, ServerProcess, baseline_tree, mb

SIDE = int(os.environ.get("TRUST_BENCH_FLAT_SIDE", "6000"))


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    photo((4000, 3000), seed=seed).save(out, "JPEG", quality=70)
    return out.getvalue()


def _match(server: ServerProcess, pngs: list[bytes]) -> int:
    files = [("files", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)]
    return server.client.post("/v1/images/match", headers=server.platform,
                              files=files).status_code


def _scenario(server: ServerProcess, name: str, pngs: list[bytes],
              jpegs: list[bytes]) -> dict[str, Any]:
    start = server.rss()
    server.reset_peak()
    if name == "one":
        statuses = [_match(server, pngs)]
    elif name == "three":
        with ThreadPoolExecutor(3) as pool:
            statuses = list(pool.map(lambda _: _match(server, pngs), range(3)))
    else:
        product = server.client.post("/v1/catalog/products", headers=server.admin, json={
            "brand": "Bench", "name": "memory", "list_price": 100, "currency": "EUR"}).json()
        files = [("files", (f"{i}.jpg", d, "image/jpeg")) for i, d in enumerate(jpegs)]
        statuses = [server.client.post(f"/v1/catalog/products/{product['id']}/images",
                                       headers=server.admin, files=files).status_code]
    peak = server.peak()
    after, waited = server.settle(start)
    return {"scenario": name, "statuses": statuses, "start": start, "peak": peak,
            "after": after, "waited": waited}


def main() -> None:
    pngs = [flat_png(SIDE, SIDE) for _ in range(9)]
    jpegs = [_jpeg(seed) for seed in range(20)]
    print(f"nine flat {SIDE}x{SIDE} PNGs: {sum(map(len, pngs)):,} bytes; 20 JPEGs "
          f"4000x3000: {sum(map(len, jpegs)):,} bytes\n")
    baseline = baseline_tree()
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        for label, root in (("before", baseline), ("after", REPO)):
            results[label] = []
            for name in ("one", "three", "upload"):  # a fresh process each
                with ServerProcess(Path(root)) as server:
                    results[label].append(_scenario(server, name, pngs, jpegs))
    finally:
        shutil.rmtree(baseline, ignore_errors=True)
    print("| scenario | code | answers | ready RSS | peak RSS | peak growth | RSS after "
          "| back within 20 % |")
    print("|---|---|---|---|---|---|---|---|")
    for label, rows in results.items():
        for r in rows:
            back = f"yes, {r['waited']:.0f} s" if r["after"] <= r["start"] * 1.2 else \
                f"no ({r['waited']:.0f} s)"
            print(f"| {r['scenario']} | {label} | {r['statuses']} | {mb(r['start'])} | "
                  f"{mb(r['peak'])} | {mb(r['peak'] - r['start'])} | {mb(r['after'])} | "
                  f"{back} |")
