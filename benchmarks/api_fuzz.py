"""Generated requests over the whole OpenAPI document (schemathesis), with each role's key.

Every operation is driven with the admin, platform and moderator keys, with data that fits
its schema (positive) and data that does not (negative), and every response is checked:

- `not_a_server_error`: no 5xx, ever;
- `response_schema_conformance`: the body matches the documented schema of its status;
- `status_code_conformance`: the status is one the operation documents.

Used by tests/resilience/test_api_fuzz.py (a small budget) and benchmarks/bench_fuzz.py
(a large one). Failures are collected, not raised, so one run reports all of them.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

CHECKS = {
    "server_error": not_a_server_error,
    "response_schema": response_schema_conformance,
    "undocumented_status": status_code_conformance,
}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def failure_count(self, check: str) -> int:
        return len(self.failures.get(check, []))

    def summary(self, examples: int = 3) -> str:
        lines = [f"{self.requests} requests in {self.seconds:.0f} s; statuses: "
                 + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))]
        for check in CHECKS:
            found = self.failures.get(check, [])
            lines.append(f"{check}: {len(found)}")
            lines.extend(f"  - {text}" for text in _distinct(found)[:examples])
        return "\n".join(lines)


def _distinct(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        seen.setdefault(text.split("\n", 1)[0], None)
    return list(seen)


def _describe(case: Any, response: Any, error: BaseException) -> str:
    if isinstance(error, FailureGroup):
        reason = "; ".join(f"{f.title}: {f.message}".replace("\n", " ")[:300] for f in error.exceptions)
    else:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    body = (response.text or "")[:160].replace("\n", " ")
    return (f"{case.operation.label} -> {response.status_code}: {reason}\n"
            f"    {case.as_curl_command()}\n    response: {body}")


def run_fuzz(base_url: str, keys: dict[str, str], budget: int, *, seed: int = 20,
             only: Callable[[str], bool] | None = None, timeout: float = 60.0) -> FuzzReport:
    """About `budget` requests, spread evenly over operations x roles x modes."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):  # the document describes an operation wrongly
            raise result.err()
        if only is None or only(result.ok().label):
            operations.append(result.ok())
    per_run = max(1, budget // max(1, len(operations) * len(keys) * len(MODES)))
    report = FuzzReport()
    session = requests.Session()
    started = time.perf_counter()
    for operation in operations:
        for role, key in keys.items():
            headers = {"Authorization": f"Bearer {key}"}
            for mode in MODES:
                _drive(operation, mode, headers, per_run, seed, base_url, session, timeout,
                       report, role)
    report.seconds = time.perf_counter() - started
    session.close()
    return report


def _drive(operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int,
           seed: int, base_url: str, session: requests.Session, timeout: float,
           report: FuzzReport, role: str) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    sent = 0

    @hypothesis.seed(seed)
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck), derandomize=False)
    @hypothesis.given(strategy)
    def one(case: Any) -> None:
        nonlocal sent
        if sent >= examples:  # hypothesis may try a few more than asked for
            return
        sent += 1
        try:
            response = case.call(base_url=base_url, session=session, headers=headers,
                                 timeout=timeout)
        except Exception as exc:  # a dropped connection is as bad as a 5xx
            report.failures["server_error"].append(
                f"{operation.label} ({role}): no response: {type(exc).__name__}: {exc}")
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        report.by_operation[operation.label][response.status_code] += 1
        for name, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except (Exception, FailureGroup) as exc:
                report.failures[name].append(f"({role}) " + _describe(case, response, exc))

    # Unsatisfiable: a negative mode with nothing to negate (an operation without parameters)
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        one()
