"""A `trustd worker` lowers its own CPU priority (deep checks and batches are background
work sharing the API's cores); TRUST_WORKER_NICENESS=0 keeps it, for a host of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.kit.migrate import upgrade
from tests.service.jobs.worker_process import REPO

# Run the real worker entry point in burst mode (empty queues: it starts, then exits), then
# report the niceness it left the process at.
PROBE = ("import os; from service.app.worker import main; main(); "
         "print('niceness', os.nice(0))")


def _worker_niceness(tmp_path: Path, database_url: str, redis_url: str,
                     **extra: str) -> int:
    env = {**os.environ, "TRUST_ENV": "test", "TRUST_DATABASE_URL": database_url,
           "TRUST_REDIS_URL": redis_url, "TRUST_VAR_DIR": str(tmp_path / "var"),
           "TRUST_LOG_JSON": "false", **extra}
    done = subprocess.run([sys.executable, "-P", "-c", PROBE, "--burst"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("niceness")][-1]
    return int(line.split()[1])


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness")
def test_worker_runs_at_lower_priority_unless_told_not_to(tmp_path, redis_url):
    # Priority is not a database matter: one SQLite file is enough (each probe is a process).
    database_url = f"sqlite:///{tmp_path / 'worker.db'}"
    upgrade(database_url)
    base = os.nice(0)
    if base > 9:
        pytest.skip(f"this test process already runs at niceness {base}")
    assert _worker_niceness(tmp_path, database_url, redis_url) == base + 10
    assert _worker_niceness(tmp_path, database_url, redis_url,
                            TRUST_WORKER_NICENESS="0") == base
