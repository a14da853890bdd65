"""A real trustd server for the resilience suite and the benchmarks.

`live_server()` prepares a fresh SQLite database under a work folder (migrations, one API key
per role), starts `trustd serve` on a free loopback port with production settings and waits
until `/health/ready` answers 200. `code_root` runs another checkout's code (the same
sitting's baseline: `code_root=Path("/work/main")`); the preparation runs in that code too,
so its own migrations build the database.

Peak memory comes from the kernel (`VmHWM` of every server process), so nothing in the server
is instrumented.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
ROLES = ("admin", "platform", "moderator")
REPO_ROOT = Path(__file__).resolve().parents[1]

_PREPARE = """
import json, sys
from datetime import timedelta
from service.auth.service import Role, create_key
from service.badges.keyring import KeyRing, SigningKey
from service.kit.db import create_db_engine, make_session_factory, utcnow
from service.kit.migrate import upgrade
url = sys.argv[1]
upgrade(url)
engine = create_db_engine(url)
keys = {}
with make_session_factory(engine)() as session:
    keys["admin"] = create_key(session, Role.admin, "live-admin").secret
    keys["platform"] = create_key(session, Role.platform, "live-shop", "live-shop").secret
    keys["moderator"] = create_key(session, Role.moderator, "live-moderator").secret
    session.commit()
engine.dispose()
ring = KeyRing([SigningKey.generate(utcnow())], timedelta(days=30))
print(json.dumps({"keys": keys, "ring": ring.to_json()}))
"""


@dataclass
class LiveServer:
    base_url: str
    keys: dict[str, str]
    proc: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def process_ids(self) -> list[int]:
        """The server process and the worker processes uvicorn started under it."""
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def memory(self) -> dict[int, tuple[int, int]]:
        """pid -> (current RSS, peak RSS) in bytes, for every server process."""
        out: dict[int, tuple[int, int]] = {}
        for pid in self.process_ids():
            fields: dict[str, int] = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    name, _, value = line.partition(":")
                    if name in ("VmRSS", "VmHWM"):
                        fields[name] = int(value.split()[0]) * 1024
            except OSError:
                continue
            out[pid] = (fields.get("VmRSS", 0), fields.get("VmHWM", 0))
        return out

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def code_env(code_root: Path) -> dict[str, str]:
    """The environment that runs `code_root`'s code (not the editable install's checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUST_")}
    env["PYTHONSAFEPATH"] = "1"
    env["PYTHONPATH"] = f"{code_root}{os.pathsep}{code_root / 'datasets'}"
    return env


READY_IN_A_ROW = 6  # per worker: consecutive ready answers, each on a new connection


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout: float,
               workers: int = 1) -> None:
    """Until the server answers ready READY_IN_A_ROW times per worker in a row. Each worker
    loads its models on its own after it starts accepting, and a new connection goes to
    any of them, so one ready answer says only that one worker is ready."""
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited during start-up (code {proc.returncode})")
        try:
            ready = httpx.get(f"{base_url}/health/ready", timeout=5).status_code == 200
        except httpx.HTTPError:
            ready = False
        in_a_row = in_a_row + 1 if ready else 0
        if in_a_row >= READY_IN_A_ROW * workers:
            return
        time.sleep(0.1 if ready else 0.5)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s")


@contextmanager
def live_server(workdir: Path, *, workers: int = 1, code_root: Path | None = None,
                demo: bool = True, env: dict[str, str] | None = None,
                database_url: str | None = None, ready_timeout: float = 900.0,
                ) -> Iterator[LiveServer]:
    """A server on a fresh SQLite database under `workdir`, or on `database_url` (an empty
    one: the caller owns it); generous rate limits unless `env` sets them (the runs measure
    robustness and capacity, not the limits' policy)."""
    code_root = code_root or REPO_ROOT
    workdir.mkdir(parents=True, exist_ok=True)
    db_url = database_url or f"sqlite:///{workdir / 'trustd.db'}"
    base_env = code_env(code_root)
    prepared = subprocess.run([sys.executable, "-P", "-c", _PREPARE, db_url], env=base_env,
                              capture_output=True, check=True, timeout=600)
    setup = json.loads(prepared.stdout.decode().strip().splitlines()[-1])
    server_env = {
        **base_env,
        "TRUST_ENV": "prod",
        "TRUST_DATABASE_URL": db_url,
        "TRUST_VAR_DIR": str(workdir / "var"),
        "TRUST_LOG_LEVEL": "WARNING",
        "TRUST_PSEUDONYM_SECRET": secrets.token_urlsafe(48),
        "TRUST_WEBHOOK_SEAL_KEY": secrets.token_urlsafe(48),
        "TRUST_BADGE_SIGNING_KEYS": setup["ring"],
        "TRUST_PUBLIC_RATE_LIMIT": "10000000/minute",
        "TRUST_FEEDBACK_RATE_LIMIT": "10000000/minute",
        "TRUST_REPORT_RATE_LIMIT": "10000000/minute",
        **(env or {}),
    }
    port = free_port()
    serve = "from service.app.cli import main; main()"
    cmd = [sys.executable, "-P", "-c", serve, "serve", "--workers", str(workers), "--host", HOST,
           "--port", str(port), "--demo" if demo else "--no-demo"]
    log_path = workdir / "server.log"
    # A file, not a pipe: nobody reads a pipe while the run goes on, and a full pipe would
    # block the server's logging.
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(cmd, env=server_env, stdout=subprocess.DEVNULL, stderr=log_file)
        server = LiveServer(f"http://{HOST}:{port}", setup["keys"], proc, workdir, log_path)
        try:
            wait_ready(server.base_url, proc, ready_timeout, workers)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
