"""Generated requests over the whole OpenAPI document, with admin, platform and moderator keys.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks fuzz
    .venv/bin/python -P -m benchmarks.bench_fuzz --requests 6000 --code-root /other/checkout

Starts `trustd serve` (demo data) on a fresh SQLite database under var/bench/fuzz/, drives
every operation with schemathesis (benchmarks/api_fuzz.py: positive and negative data, each
role's key) and prints the responses by status, then every failed check. `--code-root` runs
another checkout's code against the same harness: the baseline for a before/after figure.

Targets: 0 responses of 5xx in >= 3,000 requests; 0 bodies that do not match their
documented schema; 0 statuses the operation does not document.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from benchmarks.api_fuzz import CHECKS, run_fuzz
from benchmarks.live_server import live_server

DEFAULT_REQUESTS = 6000  # spread over ~40 operations x 3 roles x 2 modes


def run(requests: int, code_root: Path | None, seed: int) -> int:
    workdir = Path("var/bench/fuzz") / time.strftime("%Y%m%d-%H%M%S")
    with live_server(workdir, code_root=code_root) as server:
        report = run_fuzz(server.base_url, server.keys, requests, seed=seed)
        memory = server.memory()
    print(f"code: {code_root or 'this checkout'}; server: trustd serve --workers 1 (SQLite, demo "
          f"data), {os.cpu_count()} cores shared with the generator; seed {seed}\n")
    print(f"{report.requests} requests in {report.seconds:.0f} s over "
          f"{len(report.by_operation)} operations; peak RSS of the server "
          f"{max(peak for _, peak in memory.values()) / 2**20:.0f} MiB\n")
    print("| status | responses |")
    print("|---|---|")
    for status, count in sorted(report.statuses.items()):
        print(f"| {status} | {count} |")
    print("\n| check | failures | target |")
    print("|---|---|---|")
    for check in CHECKS:
        print(f"| {check} | {report.failure_count(check)} | 0 |")
    print()
    print(report.summary(examples=20))
    if not any(report.failures.values()):
        shutil.rmtree(workdir, ignore_errors=True)
    return report.server_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int,
                        default=int(os.environ.get("TRUST_BENCH_FUZZ_REQUESTS", DEFAULT_REQUESTS)))
    parser.add_argument("--code-root", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=20)
    args, _ = parser.parse_known_args()
    run(args.requests, args.code_root, args.seed)


if __name__ == "__main__":
    main()
