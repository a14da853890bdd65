"""A minute of the mix of real use (badges, feedback, captions, listings with 1-9 photos
generated in code, review-queue reads) at a fixed rate against two server processes on a
fresh database: no errors, and every acknowledged feedback is in the database.
The ten-minute run with latencies and memory is benchmarks/bench_load.py."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from benchmarks.live_server import live_server
from benchmarks.loadgen import MIX, run_load

SECONDS = 60.0
# Requests per second; the bench runs 50. The generator shares the machine's cores with the
# two server processes (and, on a developer machine, with everything else running).
RATE = float(os.environ.get("TRUST_TEST_LOAD_RATE", "25"))


def test_a_minute_of_real_use_has_no_errors(tmp_path: Path) -> None:
    with live_server(tmp_path / "server", workers=2) as server:
        report = run_load(server, RATE, SECONDS, seed=3)
        log = server.log_tail()
    assert report.sent == int(RATE * SECONDS)
    assert report.error_count == 0, report.error_examples() + "\n" + report.table() + "\n" + log
    routes = {route for route, statuses in report.statuses.items() if sum(statuses.values())}
    assert len(routes) == len(MIX) + 1, routes  # badge.svg and badge.json are two routes
    acknowledged = report.statuses["POST feedback"][201]
    with sqlite3.connect(tmp_path / "server" / "trustd.db") as db:
        stored = db.execute("SELECT count(*) FROM seller_feedback").fetchone()[0]
        scored = db.execute("SELECT count(*) FROM listings").fetchone()[0]
    assert acknowledged > 0 and stored == acknowledged
    assert scored >= report.statuses["POST listings/score"][200] > 0
