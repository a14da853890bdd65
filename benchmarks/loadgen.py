"""A bounded loopback load generator with the mix of real use, at a fixed arrival rate.

Requests arrive on a fixed schedule (open loop: a slow server does not slow the arrivals, so
queueing shows in the latencies instead of hiding in a lower rate). The mix:

- 40 % public badges (`badge.svg`, `badge.json`) for 500 sellers, no key;
- 20 % buyer feedback with unique orders;
- 15 % caption classification, 1-4 captions per request;
- 15 % listings scored with 1-9 photos generated in code: 30 % of the photos are new (a
  product shot cropped and re-encoded for this request), the rest reposts drawn from 300
  photos other listings showed before, as resellers repost a supplier's photos;
- 10 % review queue reads by a moderator.

Any status other than 2xx/304, and any transport error or timeout, is an error. In-flight
requests are bounded: an arrival that finds the bound full is counted as an error too
(`dropped`), never queued without bound in the generator.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from benchmarks.live_server import LiveServer
from service.catalog.demo import product_photo

CAPTIONS = [
    "全新正品 专柜小票 可验货", "高仿 一比一 私聊", "home-made soap, lavender, 3 bars",
    "Maison Verdier quilted bag, A货 顶级复刻", "no fakes, receipt included, barely used",
    "vintage denim jacket size M", "原单 尾货 懂的来", "handmade ceramic mug 手工杯子",
    "MV bag mirror quality dm me", "二手 九成新 支持验货",
]
MIX: list[tuple[str, float]] = [("badge", 0.40), ("feedback", 0.20), ("captions", 0.15),
                                ("listing", 0.15), ("queue", 0.10)]
NEW_PHOTO_SHARE = 0.3  # the rest are reposts: photos other listings already showed


@dataclass
class LoadReport:
    rate: float
    seconds: float
    sent: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    memory_samples: list[dict[int, tuple[int, int]]] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(len(e) for e in self.errors.values())

    def peak_rss(self) -> dict[int, int]:
        peaks: dict[int, int] = {}
        for sample in self.memory_samples:
            for pid, (_, hwm) in sample.items():
                peaks[pid] = max(peaks.get(pid, 0), hwm)
        return peaks

    def table(self) -> str:
        lines = ["| route | requests | errors | p50 ms | p99 ms | max ms | statuses |",
                 "|---|---|---|---|---|---|---|"]
        for route in sorted(self.latencies.keys() | self.errors.keys()):
            lat = sorted(self.latencies.get(route, [])) or [0.0]
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            codes = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses[route].items()))
            lines.append(f"| {route} | {sum(self.statuses[route].values())} | "
                         f"{len(self.errors.get(route, []))} | {statistics.median(lat) * 1000:.0f} | "
                         f"{p99 * 1000:.0f} | {lat[-1] * 1000:.0f} | {codes} |")
        return "\n".join(lines)

    def error_examples(self, limit: int = 5) -> str:
        return "\n".join(f"{route}: {text}" for route, texts in self.errors.items()
                         for text in texts[:limit])


class Mix:
    """Builds each kind of request; photos are cropped and re-encoded from a few base shots."""

    def __init__(self, server: LiveServer, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.shots = [Image.open(io.BytesIO(product_photo(seed * 1000 + i, size=480)))
                      for i in range(24)]
        self.counter = 0
        self.reposts = [self.new_photo() for _ in range(300)]

    def photo(self) -> str:
        if self.rng.random() < NEW_PHOTO_SHARE:
            return self.new_photo()
        return self.rng.choice(self.reposts)

    def new_photo(self) -> str:
        shot = self.rng.choice(self.shots)
        side = shot.width
        keep = self.rng.uniform(0.8, 1.0)
        x, y = self.rng.uniform(0, side * (1 - keep)), self.rng.uniform(0, side * (1 - keep))
        crop = shot.crop((int(x), int(y), int(x + side * keep), int(y + side * keep)))
        out = io.BytesIO()
        crop.resize((360, 360)).save(out, "JPEG", quality=self.rng.randint(70, 92))
        return base64.b64encode(out.getvalue()).decode()

    def build(self, kind: str) -> tuple[str, str, dict[str, Any]]:
        """(route label, method, httpx request arguments)"""
        self.counter += 1
        n, rng, server = self.counter, self.rng, self.server
        seller = f"seller-{rng.randrange(500)}"
        if kind == "badge":
            suffix = rng.choice(["svg", "json"])
            return f"GET badge.{suffix}", "GET", {"url": f"/v1/sellers/{seller}/badge.{suffix}"}
        if kind == "listing":
            photos = [self.photo() for _ in range(rng.randint(1, 9))]
            body = {"listing_id": f"L-{n}", "seller_id": seller, "caption": rng.choice(CAPTIONS),
                    "price": round(rng.uniform(5, 900), 2), "currency": "USD",
                    "images": [{"data": p} for p in photos]}
            return "POST listings/score", "POST", {"url": "/v1/listings/score", "json": body,
                                                   "headers": server.headers("platform")}
        if kind == "feedback":
            body = {"order_id": f"order-{n}", "buyer_id": f"buyer-{rng.randrange(5000)}",
                    "rating": rng.choice([5, 5, 5, 4, 4, 3, 1]),
                    "counterfeit_suspected": rng.random() < 0.05,
                    "order_value": round(rng.uniform(10, 900), 2), "currency": "CNY"}
            return "POST feedback", "POST", {"url": f"/v1/sellers/{seller}/feedback",
                                             "json": body, "headers": server.headers("platform")}
        if kind == "captions":
            texts = rng.sample(CAPTIONS, rng.randint(1, 4))
            return "POST captions/classify", "POST", {
                "url": "/v1/captions/classify", "json": {"texts": texts},
                "headers": server.headers("platform")}
        level = rng.choice(["", "&level=high", "&level=medium"])
        return "GET review/queue", "GET", {"url": f"/v1/review/queue?limit=20{level}",
                                           "headers": server.headers("moderator")}


async def _one(client: httpx.AsyncClient, kind: str, method: str, args: dict[str, Any],
               report: LoadReport) -> None:
    started = time.perf_counter()
    try:
        response = await client.request(method, **args)
    except httpx.HTTPError as exc:
        report.errors[kind].append(f"{type(exc).__name__}: {exc}")
        return
    elapsed = time.perf_counter() - started
    report.statuses[kind][response.status_code] += 1
    report.latencies[kind].append(elapsed)
    if not (200 <= response.status_code < 300 or response.status_code == 304):
        report.errors[kind].append(f"{response.status_code}: {response.text[:200]}")


async def _sample_memory(server: LiveServer, report: LoadReport, stop: asyncio.Event) -> None:
    while not stop.is_set():
        report.memory_samples.append(server.memory())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


def run_load(server: LiveServer, rate: float, seconds: float, *, seed: int = 50,
             max_in_flight: int = 256, timeout: float = 30.0,
             on_progress: Callable[[int], None] | None = None) -> LoadReport:
    report = LoadReport(rate, seconds)
    mix = Mix(server, seed)
    kinds, weights = zip(*MIX, strict=True)

    async def drive() -> None:
        # Idle connections are given up before uvicorn's 5 s keep-alive closes them, so a
        # request never races the server's close (a transport error no server could avoid).
        limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=64,
                              keepalive_expiry=2.0)
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample_memory(server, report, stop))
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=timeout,
                                     limits=limits) as client:
            start = time.perf_counter()
            total = int(rate * seconds)
            for i in range(total):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                kind = mix.rng.choices(kinds, weights)[0]
                route, method, args = mix.build(kind)
                report.sent += 1
                if len(tasks) >= max_in_flight:
                    report.errors[route].append("dropped: too many requests in flight")
                    continue
                task = asyncio.create_task(_one(client, route, method, args, report))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if on_progress and i % int(rate * 10 or 1) == 0:
                    on_progress(i)
            if tasks:
                await asyncio.gather(*tasks)
        stop.set()
        await sampler

    asyncio.run(drive())
    return report
