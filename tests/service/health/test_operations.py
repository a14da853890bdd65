"""Health, readiness, metrics, request ids, JSON errors and JSON logs."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient

from service.kit.observability import JsonFormatter


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_risk_model_is_loaded_before_ready(client: TestClient) -> None:
    assert client.get("/health/ready").json()["checks"]["listings"] == "ok"
    state = client.app.state.trust  # type: ignore[attr-defined]
    assert state.listings.ready  # loaded at start-up, not by the first listing


_FROZEN_AFTER_STARTUP = """
import gc, sys
from fastapi.testclient import TestClient
from service.app.factory import create_app
from service.kit.migrate import upgrade
from service.kit.settings import Settings
upgrade(sys.argv[1])
settings = Settings(env="test", database_url=sys.argv[1], var_dir=sys.argv[2], log_json=False)
for freeze in (False, True):
    with TestClient(create_app(settings, load_in_background=False, freeze_heap=freeze)) as c:
        assert c.get("/health/ready").status_code == 200
        print(gc.get_freeze_count())
"""


def test_serving_app_freezes_its_loaded_heap(tmp_path) -> None:
    """The serving process exempts what start-up loaded from the cyclic GC (a full collection
    walked every model object); the default app, as tests build it, leaves the heap alone.
    Run in a child process: a frozen heap is never freed."""
    import subprocess
    import sys

    database_url = f"sqlite:///{tmp_path / 'frozen.db'}"
    done = subprocess.run([sys.executable, "-P", "-c", _FROZEN_AFTER_STARTUP, database_url,
                           str(tmp_path / "var")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    unfrozen, frozen = (int(line) for line in done.stdout.split())
    assert unfrozen == 0
    assert frozen > 10_000  # the models, the index and the libraries behind them


def test_ready_is_503_while_a_component_loads(client: TestClient) -> None:
    state = client.app.state.trust  # type: ignore[attr-defined]
    index = state.matching.unset()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["matching"] == "loading"
    state.matching.set(index)
    assert client.get("/health/ready").status_code == 200


def test_ready_checks_redis(make_settings, database_url: str, redis_url: str) -> None:
    from service.app.factory import create_app

    app = create_app(make_settings(database_url=database_url, redis_url=redis_url),
                     load_in_background=False)
    with TestClient(app) as client:
        assert client.get("/health/ready").json()["checks"]["redis"] == "ok"


def _live_requests_counted(client: TestClient) -> float:
    sample = 'trustd_http_requests_total{method="GET",route="/health/live",status="200"} '
    lines = [ln for ln in client.get("/metrics").text.splitlines() if ln.startswith(sample)]
    return float(lines[0].removeprefix(sample)) if lines else 0.0


def test_metrics_count_requests(client: TestClient) -> None:
    client.get("/health/live")
    before = _live_requests_counted(client)
    assert before >= 1
    client.get("/health/live")
    client.get("/health/live")
    assert _live_requests_counted(client) == before + 2


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert client.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] == "abc-123"
    generated = client.get("/health/live", headers={"X-Request-ID": "bad id\n"}).headers[
        "x-request-id"]
    assert generated != "bad id\n" and len(generated) == 32


def test_errors_are_json_everywhere(client: TestClient, api_keys) -> None:
    unknown_route = client.get("/nope")
    assert unknown_route.status_code == 404
    assert unknown_route.json()["error"]["code"] == "not_found"
    wrong_method = client.put("/health/live")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    bad_id = client.get("/v1/catalog/products/abc", headers=api_keys.admin)
    assert bad_id.status_code == 422
    assert bad_id.json()["error"]["message"].startswith("path.product_id")


def test_json_log_lines_carry_the_request_id(client: TestClient) -> None:
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # Formatted as it is emitted, inside the request, as a real handler does.
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Keep()
    access = logging.getLogger("trustd.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client.get("/health/live", headers={"X-Request-ID": "req-42",
                                            "Authorization": "Bearer secret-value"})
    finally:
        access.removeHandler(handler)
    line = next(item for item in lines if item.get("path") == "/health/live")
    assert line["status"] == 200 and line["route"] == "/health/live"
    assert line["request_id"] == "req-42"
    assert "secret-value" not in json.dumps(lines)


def test_openapi_documents_both_image_transports(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/catalog/products/{product_id}/images"]["post"]["requestBody"]
    assert {"multipart/form-data", "application/json"} <= set(body["content"])
