"""Redis killed mid-traffic, then back empty: the share of scores, feedback and badges answered
2xx in each phase (the phase before the fault is the same-run baseline), acknowledged writes
missing from the database afterwards, and how long the deep checks took to finish once Redis
answered again. Real processes: `trustd serve --workers 2`, `trustd worker`, a Redis of the
run's own (benchmarks/fault_harness.py).

    make bench ONLY=redis_faults
    TRUST_BENCH_FAULT_SECONDS=60 make bench ONLY=redis_faults        # longer phases
    TRUST_BENCH_COMPARE_ROOT=/path/to/other/checkout make bench ...  # its code, same run
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.fault_harness import (
    FAST_RECOVERY,
    REPO,
    RedisServer,
    Traffic,
    deployment,
    product_photos,
    stored,
    wait_until,
)

DRAIN_TIMEOUT = 180.0


def run(code_root: Path, seconds: float) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="trustd-faults-"))
    redis = RedisServer(workdir)
    redis.start()
    try:
        with deployment(workdir, redis.url, code_root=code_root, processes=2,
                        extra_env=FAST_RECOVERY) as service:
            service.cli("db", "upgrade")
            platform = service.create_key("platform", "bench", "bench")
            service.start_server()
            service.start_worker()
            traffic = Traffic(service.base_url, platform, product_photos(60))
            traffic.run_for(seconds / 2)
            traffic.phase = "redis killed"
            redis.kill()
            traffic.run_for(seconds)
            traffic.phase = "redis back, empty"
            redis.start()
            back = time.monotonic()
            traffic.run_for(seconds / 2)
            traffic.close()
            drained = wait_until(lambda: stored(service.database_url)[2].get("pending", 0) == 0,
                                 timeout=DRAIN_TIMEOUT, every=0.5)
            drain = time.monotonic() - back
            listings, feedback, checks = stored(service.database_url)
        lost_scores = sum(1 for i, v in traffic.listings.items() if listings.get(i, 0) < v)
        return {"shares": {phase: traffic.share_2xx(phase) for phase in
                           ("before", "redis killed", "redis back, empty")},
                "acknowledged": (len(traffic.listings), len(traffic.feedback)),
                "lost": (lost_scores, len(traffic.feedback - feedback)),
                "checks": checks,
                "drain": f"{drain:.1f} s" if drained else f"not within {DRAIN_TIMEOUT:.0f} s",
                "readiness": dict(traffic.readiness)}
    finally:
        redis.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def _print(name: str, result: dict[str, object]) -> None:
    print(f"\n### {name}\n")
    print("| phase | scores 2xx | feedback 2xx | badges 2xx |\n|---|---|---|---|")
    shares = result["shares"]
    assert isinstance(shares, dict)
    for phase, families in shares.items():
        cells = [f"{ok}/{total} ({100 * ok / total:.1f} %)" if total else "-"
                 for ok, total in families.values()]
        print(f"| {phase} | " + " | ".join(cells) + " |")
    print(f"\nacknowledged (scores, feedback): {result['acknowledged']}; missing from the "
          f"database afterwards: {result['lost']}; deep checks: {result['checks']}, all "
          f"finished {result['drain']} after Redis answered; readiness: {result['readiness']}")


def main() -> None:
    seconds = float(os.environ.get("TRUST_BENCH_FAULT_SECONDS", "20"))
    _print(f"this checkout ({REPO})", run(REPO, seconds))
    other = os.environ.get("TRUST_BENCH_COMPARE_ROOT")
    if other:
        _print(f"compared checkout ({other})", run(Path(other), seconds))


if __name__ == "__main__":
    main()
