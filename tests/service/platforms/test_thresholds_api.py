"""Per-platform decision thresholds through the admin API: validated, stored, audited, and
used by the next listing scored in any process, without a restart."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from fastapi.testclient import TestClient

from models.thresholds import RISK_BLOCK_AT, RISK_REVIEW_AT
from service.app.factory import create_app

URL = "/v1/admin/platforms/shop-a/thresholds"


def _score(client: TestClient, headers: dict[str, str], photo: bytes, listing_id: str) -> dict:
    body = {"listing_id": listing_id, "seller_id": "seller-t", "price": 100, "currency": "CNY",
            "images": [{"data": base64.b64encode(photo).decode()}]}
    response = client.post("/v1/listings/score", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_defaults_then_set_then_reset_with_audit(client: TestClient, api_keys) -> None:
    start = client.get(URL, headers=api_keys.admin)
    assert start.status_code == 200, start.text
    assert start.json()["source"] == "default"
    assert (start.json()["review"], start.json()["block"]) == (RISK_REVIEW_AT, RISK_BLOCK_AT)

    put = client.put(URL, json={"review": 0.2, "block": 0.7}, headers=api_keys.admin)
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["review"], body["block"], body["source"]) == (0.2, 0.7, "api")
    assert body["updated_by"] == "test-admin"
    assert body["changes"][0] == {**body["changes"][0], "action": "set", "review": 0.2,
                                  "block": 0.7, "previous_review": RISK_REVIEW_AT,
                                  "previous_block": RISK_BLOCK_AT, "actor": "test-admin"}

    reset = client.delete(URL, headers=api_keys.admin)
    assert reset.status_code == 200
    assert reset.json()["source"] == "default"
    assert [c["action"] for c in reset.json()["changes"]] == ["reset", "set"]
    assert reset.json()["changes"][0]["previous_review"] == 0.2


@pytest.mark.parametrize("body", [
    {"review": 0.5, "block": 0.5},  # review must be strictly below block
    {"review": 0.9, "block": 0.3},
    {"review": -0.1, "block": 0.5},
    {"review": 0.1, "block": 1.5},
    {"review": 0.1},
    {"review": 0.1, "block": 0.5, "extra": 1},
    {"review": "NaN", "block": 0.5},
])
def test_invalid_thresholds_are_refused_and_change_nothing(client: TestClient, api_keys,
                                                          body: dict) -> None:
    response = client.put(URL, json=body, headers=api_keys.admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    current = client.get(URL, headers=api_keys.admin).json()
    assert current["source"] == "default" and current["changes"] == []


def test_only_admins(client: TestClient, api_keys) -> None:
    for headers in (api_keys.platform, api_keys.moderator):
        assert client.put(URL, json={"review": 0.1, "block": 0.2},
                          headers=headers).status_code == 403
        assert client.get(URL, headers=headers).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get("/v1/admin/platforms/bad%20id/thresholds",
                      headers=api_keys.admin).status_code == 422


def test_the_environment_value_is_the_default(make_settings, database_url, api_keys) -> None:
    settings = make_settings(database_url=database_url,
                             platform_risk_thresholds={"shop-a": {"review": 0.1, "block": 0.6}})
    with TestClient(create_app(settings, load_in_background=False)) as app:
        body = app.get(URL, headers=api_keys.admin).json()
        assert (body["review"], body["block"], body["source"]) == (0.1, 0.6, "environment")
        app.put(URL, json={"review": 0.3, "block": 0.4}, headers=api_keys.admin)
        assert app.get(URL, headers=api_keys.admin).json()["source"] == "api"


@contextmanager
def _two_processes(settings) -> Iterator[tuple[TestClient, TestClient]]:
    with ExitStack() as stack:
        yield (stack.enter_context(TestClient(create_app(settings, load_in_background=False))),
               stack.enter_context(TestClient(create_app(settings, load_in_background=False))))


@pytest.mark.redis
def test_a_change_applies_to_the_next_listing_in_every_process(
        make_settings, database_url, redis_url, api_keys, photo) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url)
    with _two_processes(settings) as (admin_side, scoring_side):
        first = _score(scoring_side, api_keys.platform, photo(1), "TH-1")
        assert first["thresholds"] == {"review": RISK_REVIEW_AT, "block": RISK_BLOCK_AT}
        assert first["decision"] == "allow"
        put = admin_side.put(URL, json={"review": 0.0, "block": 0.001}, headers=api_keys.admin)
        assert put.status_code == 200
        second = _score(scoring_side, api_keys.platform, photo(2), "TH-2")
        assert second["thresholds"] == {"review": 0.0, "block": 0.001}
        # Every risk is at or above both; `block` also needs grounds beyond the score.
        assert second["decision"] == "review"
        other_platform = _score(scoring_side, api_keys.other_platform, photo(3), "TH-3")
        assert other_platform["thresholds"]["block"] == RISK_BLOCK_AT
