"""Rate limits on feedback and public endpoints, in-process and through the real Redis."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from limits.storage import RedisStorage

from service.app.factory import create_app
from service.sellers.ratelimit import KEY_PREFIX


def make_client(settings) -> TestClient:
    return TestClient(create_app(settings, load_in_background=False))


def test_public_endpoints_are_limited_per_client(make_settings, database_url):
    settings = make_settings(database_url=database_url, public_rate_limit="3/minute")
    with make_client(settings) as client:
        codes = [client.get("/v1/sellers/s1/badge.svg").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        limited = client.get("/v1/sellers/s1/badge.json")
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert limited.json()["error"]["details"]["retry_after_seconds"] >= 1
        page = client.get("/s/s1")
        assert page.status_code == 429 and "retry-after" in page.headers


def test_report_form_is_limited(make_settings, database_url):
    settings = make_settings(database_url=database_url, report_rate_limit="2/minute")
    with make_client(settings) as client:
        statuses = []
        for _ in range(3):
            page = client.get("/s/s1").text
            token = page.split('name="csrf" value="')[1].split('"')[0]
            response = client.post("/s/s1/report", data={"csrf": token, "rating": "2"}, follow_redirects=False)
            statuses.append(response.status_code)
        assert statuses == [303, 303, 429]


def test_feedback_is_limited_per_platform(make_settings, database_url, api_keys_for):
    settings = make_settings(database_url=database_url, feedback_rate_limit="2/minute")
    with make_client(settings) as client:
        keys = api_keys_for(client)
        body = {"buyer_id": "b", "rating": 4}
        codes = [
            client.post(
                "/v1/sellers/s1/feedback", json={**body, "order_id": f"o{i}"}, headers=keys["shop-a"]
            ).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]
        other = client.post("/v1/sellers/s1/feedback", json={**body, "order_id": "x"}, headers=keys["shop-b"])
        assert other.status_code == 201  # another platform has its own budget


@pytest.mark.redis
def test_limits_are_shared_through_redis_across_workers(make_settings, redis_url, redis_client):
    url = f"sqlite:///{make_settings().var_dir.parent / 'rl.db'}"
    from service.kit.migrate import upgrade

    upgrade(url)
    settings = make_settings(database_url=url, redis_url=redis_url, public_rate_limit="4/minute")
    with make_client(settings) as worker_a, make_client(settings) as worker_b:
        state = worker_a.app.state.trust  # type: ignore[attr-defined]
        assert isinstance(state.sellers.get().limits.storage, RedisStorage)
        codes = [worker_a.get("/v1/sellers/s1/badge.svg").status_code for _ in range(2)]
        codes += [worker_b.get("/v1/sellers/s1/badge.svg").status_code for _ in range(3)]
        assert codes == [200, 200, 200, 200, 429]
    assert any(k.startswith(KEY_PREFIX.encode()) for k in redis_client.keys("*"))
