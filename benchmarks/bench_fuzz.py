"""Generated requests over the whole OpenAPI document, with admin, platform and moderator keys.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks fuzz
    .venv/bin/python -P -m benchmarks.bench_fuzz --requests 6000 --code-root /other/checkout
    .venv/bin/python -P -m benchmarks.bench_fuzz --postgres postgresql://postgres@127.0.0.1/test

Starts `trustd serve` (demo data) on a fresh SQLite database under var/bench/fuzz/, drives
every operation with schemathesis (benchmarks/api_fuzz.py: positive and negative data, each
role's key) and prints the responses by status, then every failed check. `--code-root` runs
another checkout's code against the same harness: the baseline for a before/after figure.
`--postgres ADMIN_URL` runs on a throwaway PostgreSQL database created (and dropped) there.

Targets: 0 responses of 5xx in >= 3,000 requests; 0 bodies that do not match their
documented schema; 0 statuses the operation does not document.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.api_fuzz import CHECKS, run_fuzz
from benchmarks.live_server import live_server
from service.kit.db import normalize_database_url

DEFAULT_REQUESTS = 6000  # spread over ~40 operations x 3 roles x 2 modes


@contextmanager
def throwaway_postgres(admin_url: str | None) -> Iterator[str | None]:
    if admin_url is None:
        yield None
        return
    admin = create_engine(normalize_database_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"trustd_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield normalize_database_url(admin_url).rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(requests: int, code_root: Path | None, seed: int, postgres: str | None = None) -> int:
    workdir = Path("var/bench/fuzz") / time.strftime("%Y%m%d-%H%M%S")
    with throwaway_postgres(postgres) as database_url, \
            live_server(workdir, code_root=code_root, database_url=database_url) as server:
        report = run_fuzz(server.base_url, server.keys, requests, seed=seed)
        memory = server.memory()
    database = "PostgreSQL" if postgres else "SQLite"
    print(f"code: {code_root or 'this checkout'}; server: trustd serve --workers 1 ({database}, "
          f"demo data), {os.cpu_count()} cores shared with the generator; seed {seed}\n")
    print(f"{report.requests} requests in {report.seconds:.0f} s over "
          f"{len(report.by_operation)} operations; peak RSS of the server "
          f"{max(peak for _, peak in memory.values()) / 2**20:.0f} MiB\n")
    print("| status | responses |")
    print("|---|---|")
    for status, count in sorted(report.statuses.items()):
        print(f"| {status} | {count} |")
    failing = {op: sum(n for s, n in counts.items() if s >= 500)
               for op, counts in sorted(report.by_operation.items())}
    if any(failing.values()):
        print("\n| operation | 5xx |")
        print("|---|---|")
        for op, count in failing.items():
            if count:
                print(f"| {op} | {count} |")
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
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    args, _ = parser.parse_known_args()
    run(args.requests, args.code_root, args.seed, args.postgres)


if __name__ == "__main__":
    main()
