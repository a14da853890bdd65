"""The mix of real use at a fixed rate against two server processes on a fresh database.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks load       # 50 req/s for 10 minutes
    .venv/bin/python -P -m benchmarks.bench_load --rate 50 --seconds 60 [--code-root DIR]

Starts `trustd serve --workers 2` (demo catalog, SQLite, in-process cache and deep checks)
under var/bench/load/, then benchmarks/loadgen.py sends badges, listings with 1-9 photos
generated in code, feedback, captions and review-queue reads on a fixed schedule from this
process, on the same cores. Reports errors and p50/p99 by route, and the RSS of every server
process: at the start, its peak (the kernel's VmHWM) and a minute after the load stops.

Targets (issue 20): 0 errors; listing p99 <= 800 ms; peak RSS of one process < 1.5 GB and
back within 20 % of its start within a minute.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from benchmarks.live_server import live_server
from benchmarks.loadgen import LoadReport, run_load

WORKERS = 2


def _mib(value: int) -> str:
    return f"{value / 2**20:.0f}"


def run(rate: float, seconds: float, code_root: Path | None, settle: float) -> LoadReport:
    workdir = Path("var/bench/load") / time.strftime("%Y%m%d-%H%M%S")
    with live_server(workdir, workers=WORKERS, code_root=code_root) as server:
        start = server.memory()
        report = run_load(server, rate, seconds)
        time.sleep(settle)
        after = server.memory()
        log = server.log_tail(20)
    peaks = report.peak_rss()
    print(f"code: {code_root or 'this checkout'}; trustd serve --workers {WORKERS} (SQLite, demo "
          f"catalog); {rate:g} req/s for {seconds:g} s from this process; {os.cpu_count()} "
          f"cores shared by server, generator and whatever else runs\n")
    print(f"sent {report.sent}, errors {report.error_count} (target 0)\n")
    print(report.table())
    print("\n| process | RSS at start MiB | peak RSS MiB | RSS "
          f"{settle:.0f} s after MiB |")
    print("|---|---|---|---|")
    for pid in sorted(peaks):
        print(f"| {pid} | {_mib(start.get(pid, (0, 0))[0])} | {_mib(peaks[pid])} | "
              f"{_mib(after.get(pid, (0, 0))[0])} |")
    if report.error_count:
        print("\nerrors (first of each route):\n" + report.error_examples(3))
        print("\nserver log (last lines):\n" + log)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("TRUST_BENCH_LOAD_SECONDS", 600)))
    parser.add_argument("--settle", type=float, default=60.0)
    parser.add_argument("--code-root", type=Path, default=None)
    args, _ = parser.parse_known_args()
    run(args.rate, args.seconds, args.code_root, args.settle)


if __name__ == "__main__":
    main()
