"""Real processes to break: a Redis server of the run's own, `trustd serve` and `trustd worker`
as deployed, and a client that records every answer and every acknowledged write.

Used by tests/resilience/test_redis_faults.py and benchmarks/bench_redis_faults.py.
`code_root` picks the checkout whose code the server and worker run (the same-sitting
"before" figure runs another checkout's code through the same harness).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis import Redis

REPO = Path(__file__).resolve().parents[1]
FAMILIES = ("score", "feedback", "badge")
READY_STREAK = 40

# Settings of a deployment under fault: Redis is given up quickly and tried again soon,
# and lost deep checks are re-queued within seconds.
FAST_RECOVERY = {"TRUST_REDIS_TIMEOUT_SECONDS": "0.5", "TRUST_REDIS_RETRY_SECONDS": "1",
                 "TRUST_DEEP_CHECK_REQUEUE_SECONDS": "2"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


class RedisServer:
    """`redis-server` on a free port, without persistence: a restart comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self._workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        client = Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            assert wait_until(lambda: _pings(client), timeout=20), "redis-server did not start"
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; clients see their connections reset."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=1)


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@dataclass
class Deployment:
    """`trustd serve` (N processes) and optionally `trustd worker`, on one database."""

    workdir: Path
    redis_url: str | None
    code_root: Path = REPO
    processes: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    _ready_streak: int = 0

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.workdir / 'trustd.db'}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("TRUST_")}
        env = {**keep, "PYTHONSAFEPATH": "1",
               "PYTHONPATH": f"{self.code_root}:{self.code_root / 'datasets'}",
               "TRUST_ENV": "test", "TRUST_DATABASE_URL": self.database_url,
               "TRUST_VAR_DIR": str(self.workdir / "var"), "TRUST_LOG_JSON": "false",
               "TRUST_LOG_LEVEL": "INFO",
               # Every unmatched photo waits for a deep check: they are what a lost queue loses.
               "TRUST_LISTING_INLINE_LOCAL_BUDGET_MS": "0",
               "TRUST_FEEDBACK_RATE_LIMIT": "100000/minute",
               "TRUST_PUBLIC_RATE_LIMIT": "100000/minute",
               "TRUST_WORKER_NICENESS": "0"}
        if self.redis_url:
            env["TRUST_REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run([sys.executable, "-P", "-c",
                               "from service.app.cli import main; main()", *args],
                              env=self.env(), cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def create_key(self, role: str, name: str, platform: str | None = None) -> dict[str, str]:
        args = ["keys", "create", "--role", role, "--name", name]
        if platform:
            args += ["--platform", platform]
        secret = self.cli(*args).strip().splitlines()[-1]
        return {"Authorization": f"Bearer {secret}"}

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        sink = (self.workdir / log_name).open("ab")
        return subprocess.Popen(
            [sys.executable, "-P", "-c", "from service.app.cli import main; main()", *args],
            env=self.env(), cwd=self.workdir, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True)

    def start_server(self, timeout: float = 600) -> None:
        log = self.workdir / "server.log"
        already = _loaded_lines(log)
        self.server = self._spawn(["serve", "--port", str(self.port), "--workers",
                                   str(self.processes)], "server.log")
        # Every process has loaded its models (each logs it), not just the first to answer;
        # code that does not log it (an older checkout): many fresh connections in a row
        # answered ready, which the kernel spreads over the processes.
        self._ready_streak = 0
        ready = wait_until(lambda: self._ready(_loaded_lines(log) - already), timeout=timeout,
                           every=0.2)
        assert ready, f"server not ready: {self.log('server.log')}"

    def _ready(self, loaded: int) -> bool:
        assert self.server is not None
        if self.server.poll() is not None:
            raise AssertionError(f"server exited: {self.log('server.log')}")
        try:
            response = httpx.get(self.base_url + "/health/ready", timeout=2)
        except httpx.HTTPError:
            self._ready_streak = 0
            return False
        self._ready_streak = self._ready_streak + 1 if response.status_code == 200 else 0
        return self._ready_streak > 0 and (loaded >= self.processes or
                                           self._ready_streak >= READY_STREAK)

    def start_worker(self) -> None:
        self.worker = self._spawn(["worker"], "worker.log")

    def kill_server(self) -> None:
        _kill(self.server)
        self.server = None

    def stop(self) -> None:
        for process in (self.server, self.worker):
            _kill(process)
        self.server = self.worker = None

    def log(self, name: str) -> str:
        path = self.workdir / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _loaded_lines(log: Path) -> int:
    if not log.exists():
        return 0
    return log.read_text(errors="replace").count("start-up complete")


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def deployment(workdir: Path, redis_url: str | None, **options: Any) -> Iterator[Deployment]:
    deployed = Deployment(workdir, redis_url, **options)
    try:
        yield deployed
    finally:
        deployed.stop()


def product_photos(count: int, start: int = 0) -> list[bytes]:
    """Distinct photos (no catalog holds them: each needs its own deep check)."""
    from PIL import Image

    from service.catalog.demo import product_photo

    photos = []
    for seed in range(start, start + count):
        image = Image.open(io.BytesIO(product_photo(10_000 + seed, size=256)))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        photos.append(out.getvalue())
    return photos


@dataclass
class Traffic:
    """The mix real use sends (scores, feedback, badges), one request at a time, recording
    every answer by phase and every write the server acknowledged."""

    base_url: str
    platform: dict[str, str]
    photos: list[bytes]
    prefix: str = "F"  # listing and order ids: prefix-n
    phase: str = "before"
    # (phase, family, status) -> count; status 0: no answer at all
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    listings: dict[str, int] = field(default_factory=dict)  # acknowledged: id -> version
    deep_checks: set[int] = field(default_factory=set)  # acknowledged as pending
    feedback: set[str] = field(default_factory=set)  # acknowledged order ids
    readiness: Counter[tuple[str, str]] = field(default_factory=Counter)
    sent: int = 0
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, timeout=30)

    def _record(self, family: str, response: httpx.Response | None) -> dict[str, Any] | None:
        status = response.status_code if response is not None else 0  # 0: no answer at all
        self.answers[(self.phase, family, status)] += 1
        if response is None or not 200 <= status < 300:
            return None
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        return body if isinstance(body, dict) else {}

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.HTTPError:
            return None

    def one_round(self) -> None:
        import base64

        n = self.sent
        self.sent += 1
        seller = f"seller-{n % 7}"
        photo = self.photos[n % len(self.photos)]
        listing_id = f"{self.prefix}-{n}"
        body = self._record("score", self._send(
            "POST", "/v1/listings/score", headers=self.platform, json={
                "listing_id": listing_id, "seller_id": seller,
                "caption": "new bag, fast shipping", "price": 1_200, "currency": "CNY",
                "images": [{"data": base64.b64encode(photo).decode()}]}))
        if body is not None:
            self.listings[listing_id] = body["assessment_version"]
            check = (body.get("image_check") or {}).get("deep_check_id")
            if check is not None and body["image_check"]["status"] == "pending":
                self.deep_checks.add(check)
        order = f"{self.prefix}-order-{n}"
        body = self._record("feedback", self._send(
            "POST", f"/v1/sellers/{seller}/feedback", headers=self.platform,
            json={"order_id": order, "buyer_id": f"buyer-{n}", "rating": 4 + n % 2}))
        if body is not None:
            self.feedback.add(order)
        for kind in ("badge.json", "badge.svg"):
            self._record("badge", self._send("GET", f"/v1/sellers/{seller}/{kind}"))

    def sample_readiness(self) -> str:
        response = self._send("GET", "/health/ready")
        status = "no answer"
        if response is not None:
            with contextlib.suppress(ValueError):
                status = f"{response.status_code} {response.json().get('status')}"
        self.readiness[(self.phase, status)] += 1
        return status

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.one_round()
            self.sample_readiness()

    def share_2xx(self, phase: str | None = None) -> dict[str, tuple[int, int]]:
        """family -> (2xx answers, all requests), in `phase` or overall."""
        out: dict[str, tuple[int, int]] = {}
        for family in FAMILIES:
            rows = [(status, count) for (p, f, status), count in self.answers.items()
                    if f == family and (phase is None or p == phase)]
            ok = sum(count for status, count in rows if 200 <= status < 300)
            out[family] = (ok, sum(count for _, count in rows))
        return out

    def close(self) -> None:
        self.client.close()


def stored(database_url: str) -> tuple[dict[str, int], set[str], dict[str, int]]:
    """What the database holds: listing id -> newest version, feedback order ids, and deep
    checks by status."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            listings = {row[0]: int(row[1]) for row in conn.execute(text(
                "SELECT l.listing_id, MAX(a.version) FROM listings l "
                "JOIN listing_assessments a ON a.listing_pk = l.id GROUP BY l.listing_id"))}
            feedback = {row[0] for row in conn.execute(text(
                "SELECT order_id FROM seller_feedback"))}
            checks = {row[0]: int(row[1]) for row in conn.execute(text(
                "SELECT status, COUNT(*) FROM listing_deep_checks GROUP BY status"))}
    finally:
        engine.dispose()
    return listings, feedback, checks
