"""Fixtures for the badge tests: the shields.io schema and an app with loose report limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.kit.settings import Settings

# The shields.io endpoint-badge schema (https://shields.io/badges/endpoint-badge), written out
# as JSON Schema: unknown keys are rejected, as shields.io does.
SHIELDS_ENDPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schemaVersion", "label", "message"],
    "additionalProperties": False,
    "properties": {
        "schemaVersion": {"const": 1},
        "label": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
        "color": {"type": "string"},
        "labelColor": {"type": "string"},
        "isError": {"type": "boolean"},
        "namedLogo": {"type": "string"},
        "logoSvg": {"type": "string"},
        "logoColor": {"type": "string"},
        "logoWidth": {"type": "number"},
        "style": {"type": "string"},
        "cacheSeconds": {"type": "integer", "minimum": 0},
    },
}


@pytest.fixture
def shields_schema() -> dict[str, Any]:
    return SHIELDS_ENDPOINT_SCHEMA


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url=database_url, report_rate_limit="1000/minute")


@pytest.fixture
def post_feedback() -> Callable[..., Any]:
    def post(client: TestClient, headers: dict[str, str], seller: str = "seller-1", **fields):
        body = {"order_id": "o-1", "buyer_id": "buyer-1", "rating": 5, **fields}
        response = client.post(f"/v1/sellers/{seller}/feedback", json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
        return response

    return post


@pytest.fixture
def runtime(client: TestClient) -> Any:

    return client.app.state.trust.badges.get()  # type: ignore[attr-defined]


@pytest.fixture
def established_buyers(post_feedback: Callable[..., Any]) -> Callable[..., list[str]]:
    """Buyers with months of orders from six other sellers, as the platform would report."""
    from datetime import UTC, datetime, timedelta

    def make(client: TestClient, headers: dict[str, str], n: int, prefix: str = "vet") -> list[str]:
        buyers = [f"{prefix}-{b}" for b in range(n)]
        for buyer in buyers:
            for k in range(6):
                when = datetime.now(UTC) - timedelta(days=200 - 10 * k)
                post_feedback(
                    client,
                    headers,
                    seller=f"elsewhere-{k}",
                    order_id=f"{buyer}-hist-{k}",
                    buyer_id=buyer,
                    rating=5,
                    created_at=when.isoformat(),
                )
        return buyers

    return make


@pytest.fixture
def api_keys_for() -> Callable[[TestClient], dict[str, dict[str, str]]]:
    """Platform keys shop-a and shop-b for an app built inside a test."""
    from service.auth.service import Role, create_key

    def make(client: TestClient) -> dict[str, dict[str, str]]:
        factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
        out = {}
        for name in ("shop-a", "shop-b"):
            with factory() as session:
                created = create_key(session, Role.platform, name, name)
                session.commit()
            out[name] = {"Authorization": f"Bearer {created.secret}"}
        return out

    return make
