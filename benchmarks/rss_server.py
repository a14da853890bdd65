"""A real trustd server process whose memory a benchmark watches, for this tree's code or
for a baseline commit's (the figure before a change, measured in the same run).

``ServerProcess(code_root)`` serves the ``service`` package found under ``code_root`` (this
checkout, or ``baseline_tree(ref)``: ``git archive`` of a commit into a temporary folder)
with uvicorn in a child process, on a fresh SQLite database, with an admin and a platform
key. Memory is read from /proc: ``rss()`` now, ``peak()`` the high-water mark since the
last ``reset_peak()`` (Linux's clear_refs), so one process serves several scenarios.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SERVE_SCRIPT = Path(__file__).resolve().parent / "serve_for_bench.py"
# The commit before the image-hardening work (issue 20): what "before" means by default.
BASELINE_REF = os.environ.get("TRUST_BENCH_BASELINE_REF", "6352618")


def baseline_tree(ref: str = BASELINE_REF) -> Path:
    """The code of ``ref`` (service, models, datasets) in a temporary folder."""
    target = Path(tempfile.mkdtemp(prefix="trustd-baseline-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "service", "models",
                              "datasets"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, code_root: Path, env: dict[str, str] | None = None,
                 ready_seconds: float = 600.0) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="trustd-bench-server-"))
        self.port = _free_port()
        child_env = {**os.environ, "PYTHONSAFEPATH": "1",
                     "PYTHONPATH": f"{code_root}{os.pathsep}{code_root / 'datasets'}",
                     **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVE_SCRIPT), str(self.workdir), str(self.port)],
            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        keys = json.loads(self.proc.stdout.readline())
        self.admin = {"Authorization": f"Bearer {keys['admin']}"}
        self.platform = {"Authorization": f"Bearer {keys['platform']}"}
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = httpx.Client(base_url=self.url, timeout=600.0)
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            try:
                if self.client.get("/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            self.close()
            raise RuntimeError("the server did not become ready")

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field}")

    def rss(self) -> int:
        return self._status("VmRSS")

    def peak(self) -> int:
        return self._status("VmHWM")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def settle(self, start: int, seconds: float = 60.0, within: float = 0.2) -> tuple[int, float]:
        """Waits (up to ``seconds``) for the RSS to come back within ``within`` of
        ``start``; returns the RSS then and how long it took."""
        began = time.monotonic()
        while True:
            rss = self.rss()
            waited = time.monotonic() - began
            if rss <= start * (1 + within) or waited >= seconds:
                return rss, waited
            time.sleep(1.0)

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mb(n: int | float) -> str:
    return f"{n / 2**20:,.0f} MB"
