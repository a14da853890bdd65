"""A real `service.app.worker --burst` process, for the tests that kill one mid-job, and the
polling wait those tests share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[3]


@dataclass
class WorkerProcess:
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the worker's whole session: no clean-up code of its own runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def tail(self) -> str:
        return self.log.read_text()[-3000:]

    def run_again(self, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
        """A second worker on the same queues, run until they are empty."""
        return subprocess.run(self.command, cwd=REPO, env=self.env, timeout=timeout,
                              capture_output=True, check=False)


def start_worker(tmp_path: Path, database_url: str, redis_url: str) -> WorkerProcess:
    env = {**os.environ, "TRUST_ENV": "test", "TRUST_DATABASE_URL": database_url,
           "TRUST_REDIS_URL": redis_url, "TRUST_VAR_DIR": str(tmp_path / "var"),
           "TRUST_LOG_JSON": "false"}
    command = [sys.executable, "-P", "-m", "service.app.worker", "--burst"]
    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                                   stdout=sink, stderr=subprocess.STDOUT)
    return WorkerProcess(command, env, log, process)


def wait_for(predicate: Callable[[], T], timeout: float = 60.0, every: float = 0.02) -> T:
    """The first truthy value ``predicate`` returns, polling until ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not reached in time")
