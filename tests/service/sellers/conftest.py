"""Fixtures for the sellers API tests: an app with report limits loose enough for functional
tests (the limits themselves are tested with their own small settings)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.kit.settings import Settings


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url=database_url, report_rate_limit="1000/minute")


@pytest.fixture
def post_feedback() -> Callable[..., object]:
    def post(client: TestClient, headers: dict[str, str], seller: str = "seller-1", **fields):
        body = {"order_id": "o-1", "buyer_id": "buyer-1", "rating": 5, **fields}
        return client.post(f"/v1/sellers/{seller}/feedback", json=body, headers=headers)

    return post
