"""Badge serving and feedback ingest throughput against a real server.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_badges

Starts `trustd serve --workers 2` on a fresh SQLite database under var/bench/, then drives it
with a small keep-alive HTTP/1.1 load generator (asyncio, raw sockets, so the client costs far
less than the server per request). Each phase runs for a fixed time with a warm-up first:

- `GET /health/live`: the framework's own overhead, the baseline for the ratios;
- `GET .../badge.svg` for one seller, cached (the memo is warm after the warm-up);
- the same with `If-None-Match` (304, what browsers and CDNs send once they hold the badge);
- `POST .../feedback` with unique orders spread over many sellers and buyers (each request
  pseudonymises, snapshots the buyer's history, inserts and commits, invalidates caches).

The load generator shares the machine's cores with the server, so figures are lower bounds.
Targets: badge.svg >= 1,000 requests/s cached, feedback >= 300/s sustained.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from service.auth.service import Role, create_key
from service.badges.keyring import KeyRing, SigningKey
from service.kit.db import create_db_engine, make_session_factory, utcnow
from service.kit.migrate import upgrade

WORKERS = 2
PHASE_SECONDS = 6.0
INGEST_SECONDS = 15.0
WARMUP_SECONDS = 1.5
CONNECTIONS = 32
HOST = "127.0.0.1"


@dataclass
class PhaseResult:
    name: str
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    per_second: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return sum(self.statuses.values()) / self.seconds

    @property
    def worst_second(self) -> int:
        full = [self.per_second[s] for s in range(int(self.seconds))]
        return min(full) if full else 0


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length and status not in (204, 304):
        await reader.readexactly(length)
    return status


async def _connection(port: int, make: Callable[[], bytes], start: float, stop: float, result: PhaseResult) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while (now := time.perf_counter()) < stop:
            writer.write(make())
            status = await _read_response(reader)
            done = time.perf_counter()
            if now >= start:  # requests sent during the warm-up are not counted
                result.statuses[status] += 1
                result.latencies.append(done - now)
                result.per_second[int(done - start)] += 1
    finally:
        writer.close()


def run_phase(name: str, port: int, make: Callable[[], bytes], seconds: float) -> PhaseResult:
    result = PhaseResult(name, seconds)

    async def drive() -> None:
        start = time.perf_counter() + WARMUP_SECONDS
        stop = start + seconds
        await asyncio.gather(*(_connection(port, make, start, stop, result) for _ in range(CONNECTIONS)))

    asyncio.run(drive())
    return result


def _get(path: str, headers: str = "") -> Callable[[], bytes]:
    raw = f"GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}\r\n".encode()
    return lambda: raw


def _feedback_requests(api_key: str, seed: int) -> Callable[[], bytes]:
    rng = random.Random(seed)
    counter = iter(range(10**9))

    def make() -> bytes:
        n = next(counter)
        body = json.dumps(
            {
                "order_id": f"bench-{seed}-{n}",
                "buyer_id": f"buyer-{rng.randrange(5000)}",
                "rating": rng.choice([5, 5, 5, 4, 4, 3, 1]),
                "counterfeit_suspected": rng.random() < 0.03,
                "order_value": round(rng.uniform(10, 900), 2),
                "currency": "CNY",
            }
        ).encode()
        seller = f"seller-{rng.randrange(500)}"
        head = (
            f"POST /v1/sellers/{seller}/feedback HTTP/1.1\r\nHost: bench\r\n"
            f"Authorization: Bearer {api_key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    return make


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _prepare(workdir: Path) -> tuple[dict[str, str], str]:
    db_url = f"sqlite:///{workdir / 'trustd.db'}"
    upgrade(db_url)
    engine = create_db_engine(db_url)
    with make_session_factory(engine)() as session:
        created = create_key(session, Role.platform, "bench-shop", "bench-shop")
        session.commit()
    engine.dispose()
    ring = KeyRing([SigningKey.generate(utcnow())], timedelta(days=30))
    env = {
        **os.environ,
        "PYTHONSAFEPATH": "1",
        "TRUST_ENV": "prod",
        "TRUST_DATABASE_URL": db_url,
        "TRUST_VAR_DIR": str(workdir),
        "TRUST_LOG_LEVEL": "WARNING",
        "TRUST_PSEUDONYM_SECRET": os.urandom(32).hex(),
        "TRUST_BADGE_SIGNING_KEYS": ring.to_json(),
        # The benchmark measures capacity, not policy: limits far above what it can send.
        "TRUST_PUBLIC_RATE_LIMIT": "10000000/minute",
        "TRUST_FEEDBACK_RATE_LIMIT": "10000000/minute",
    }
    env.pop("TRUST_ADMIN_KEY", None)
    env.pop("PYTHONPATH", None)  # the server finds everything through the editable install
    env.pop("TRUST_REDIS_URL", None)
    return env, created.secret


def _wait_live(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /health/live HTTP/1.1\r\nHost: bench\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not start in time")


def _row(result: PhaseResult, baseline: PhaseResult, target: str) -> str:
    lat = sorted(result.latencies) or [0.0]
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    ok = sum(n for s, n in result.statuses.items() if 200 <= s < 400)
    errors = sum(result.statuses.values()) - ok
    codes = ",".join(f"{s}" for s in sorted(result.statuses))
    return (
        f"| {result.name} | {result.rate:,.0f} | {result.worst_second:,} | "
        f"{result.rate / baseline.rate:.2f} | {p50:.1f} / {p99:.1f} | {codes} | {errors} | "
        f"{target} |"
    )


def main() -> None:
    workdir = Path("var/bench/badges") / time.strftime("%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True, exist_ok=True)
    env, api_key = _prepare(workdir)
    port = _free_port()
    serve = "from service.app.cli import main; main()"
    cmd = [sys.executable, "-P", "-c", serve, "serve", "--workers", str(WORKERS),
           "--host", HOST, "--port", str(port)]  # fmt: skip
    # A file, not a pipe: nobody reads a pipe while the load runs, and a full pipe would
    # block the server's logging (and with it the event loop).
    log_path = workdir / "server.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        _wait_live(port, proc)
        badge = "/v1/sellers/seller-7/badge.svg"
        live = run_phase("GET /health/live (baseline)", port, _get("/health/live"), PHASE_SECONDS)
        svg = run_phase("GET badge.svg, cached", port, _get(badge), PHASE_SECONDS)
        with socket.create_connection((HOST, port)) as s:
            s.sendall(f"GET {badge} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            head = s.recv(4096).decode("latin-1")
        etag = next(ln.split(":", 1)[1].strip() for ln in head.split("\r\n")
                    if ln.lower().startswith("etag:"))  # fmt: skip
        not_modified = run_phase(
            "GET badge.svg, If-None-Match (304)",
            port,
            _get(badge, f"If-None-Match: {etag}\r\n"),
            PHASE_SECONDS,
        )
        ingest = run_phase("POST feedback (ingest)", port, _feedback_requests(api_key, 1), INGEST_SECONDS)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()
        stderr = log_path.read_text(errors="replace")
    print(
        f"server: trustd serve --workers {WORKERS} (SQLite, in-process cache), "
        f"{os.cpu_count()} cores shared with the load generator; {CONNECTIONS} keep-alive "
        f"connections; {PHASE_SECONDS:.0f} s per phase ({INGEST_SECONDS:.0f} s for ingest) "
        f"after a {WARMUP_SECONDS} s warm-up\n"
    )
    print("| phase | req/s | worst 1 s window | ratio to baseline | p50 / p99 ms | statuses "
          "| errors | target |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    print(_row(live, live, "-"))
    print(_row(svg, live, ">= 1,000 req/s"))
    print(_row(not_modified, live, "-"))
    print(_row(ingest, live, ">= 300 req/s sustained"))
    failures = [r for r in (live, svg, not_modified, ingest) if set(r.statuses) - {200, 201, 304}]
    if failures and stderr:
        print("\nserver stderr (last lines):\n" + "\n".join(stderr.splitlines()[-15:]))
    if not failures:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
