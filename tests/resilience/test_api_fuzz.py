"""Generated requests over the whole API (schemathesis), with each role's key, against a real
server on a fresh database: no 5xx, every body matches its documented schema, every status is
documented. The large run is benchmarks/bench_fuzz.py."""

from __future__ import annotations

from pathlib import Path

from benchmarks.api_fuzz import run_fuzz
from benchmarks.live_server import live_server

BUDGET = 400  # requests; about a minute on a loaded two-core machine


def test_generated_requests_get_no_5xx_and_match_the_documented_schemas(
        tmp_path: Path, database_url: str) -> None:
    """On SQLite and PostgreSQL (where ids past 2^31 once overflowed int4 columns)."""
    with live_server(tmp_path / "server", database_url=database_url) as server:
        report = run_fuzz(server.base_url, server.keys, BUDGET, seed=7)
        log = server.log_tail()
    assert report.requests >= BUDGET // 2, report.summary()
    assert len(report.by_operation) >= 35, sorted(report.by_operation)  # every operation ran
    assert report.server_errors == 0, report.summary() + "\n" + log
    for check in ("server_error", "response_schema", "undocumented_status"):
        assert report.failure_count(check) == 0, report.summary()
    # The run reached past the front door: some requests were accepted, some refused.
    assert sum(n for s, n in report.statuses.items() if s < 300) > 0
    assert report.statuses[401] > 0 and report.statuses[422] > 0
