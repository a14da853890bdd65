"""Who may call what: a table of role x endpoint -> status, and the key lifecycle."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.auth.service import Role, create_key, hash_key, revoke_key
from service.kit.errors import Unprocessable

PRODUCT = {"brand": "B", "name": "N", "sku": "S", "list_price": 1, "currency": "EUR"}

# (method, path, body) -> expected status for: none, unknown, admin, platform, moderator
MATRIX = [
    ("GET", "/v1/catalog/products", None, (401, 401, 200, 200, 200)),
    ("POST", "/v1/catalog/products", PRODUCT, (401, 401, 201, 403, 403)),
    ("PATCH", "/v1/catalog/products/{id}", {"name": "M"}, (401, 401, 200, 403, 403)),
    ("GET", "/v1/catalog/products/{id}", None, (401, 401, 200, 200, 200)),
    ("DELETE", "/v1/catalog/images/999999", None, (401, 401, 404, 403, 403)),
    ("DELETE", "/v1/catalog/products/{id}", None, (401, 401, 204, 403, 403)),
    ("GET", "/health/live", None, (200, 200, 200, 200, 200)),
]


def _key(client: TestClient, role: Role) -> dict[str, str]:
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        created = create_key(session, role, f"test-{role.value}")
        session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


def test_role_matrix(client: TestClient, api_keys) -> None:
    product_id = client.post("/v1/catalog/products", json={**PRODUCT, "sku": "seed"},
                             headers=api_keys.admin).json()["id"]
    who = {
        "none": {},
        "unknown": {"Authorization": "Bearer trk_not-a-real-key"},
        "admin": api_keys.admin,
        "platform": api_keys.platform,
        "moderator": api_keys.moderator,
        "senior_moderator": _key(client, Role.senior_moderator),
    }
    failures = []
    for method, path, body, expected in MATRIX:
        # A senior moderator may call exactly what a moderator may.
        for (name, headers), status in zip(who.items(), (*expected, expected[-1]), strict=True):
            if method == "POST" and status == 201:
                body = {**PRODUCT, "sku": f"S-{name}"}
            url = path.format(id=product_id)
            response = client.request(method, url, json=body, headers=headers)
            if response.status_code != status:
                failures.append(f"{method} {path} as {name}: {response.status_code} != {status}")
            if status in (401, 403):
                code = {401: "unauthorized", 403: "forbidden"}[status]
                assert response.json()["error"]["code"] == code, (method, path, name)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "trk_xyz", "Bearer  "])
def test_malformed_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/v1/catalog/products", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_401_at_once(client: TestClient) -> None:
    state = client.app.state.trust  # type: ignore[attr-defined]
    with state.session_factory() as session:
        created = create_key(session, Role.admin, "temp")
        session.commit()
    headers = {"Authorization": f"Bearer {created.secret}"}
    assert client.get("/v1/catalog/products", headers=headers).status_code == 200  # now cached
    with state.session_factory() as session:
        revoke_key(session, created.record.id, state.cache)
        session.commit()
    assert client.get("/v1/catalog/products", headers=headers).status_code == 401


def test_keys_are_stored_hashed_and_platform_keys_have_a_tenant(client: TestClient) -> None:
    state = client.app.state.trust  # type: ignore[attr-defined]
    with state.session_factory() as session:
        created = create_key(session, Role.platform, "acme-prod", platform_id="acme")
        session.commit()
        record = created.record
        assert record.key_hash == hash_key(created.secret)
        assert created.secret not in (record.key_hash, record.prefix)
        assert record.platform_id == "acme"
        default_tenant = create_key(session, Role.platform, "globex")
        assert default_tenant.record.platform_id == "globex"
        with pytest.raises(Unprocessable, match="only platform keys"):
            create_key(session, Role.moderator, "mod", platform_id="acme")
        with pytest.raises(Unprocessable, match="unknown role"):
            create_key(session, "superuser", "x")


def test_revocation_reaches_other_workers_through_redis(
    make_settings, database_url: str, redis_url: str
) -> None:
    from service.app.factory import create_app

    settings = make_settings(database_url=database_url, redis_url=redis_url)
    with TestClient(create_app(settings, load_in_background=False)) as one, \
            TestClient(create_app(settings, load_in_background=False)) as two:
        state_one = one.app.state.trust  # type: ignore[attr-defined]
        with state_one.session_factory() as session:
            created = create_key(session, Role.admin, "shared")
            session.commit()
        headers = {"Authorization": f"Bearer {created.secret}"}
        assert two.get("/v1/catalog/products", headers=headers).status_code == 200
        with state_one.session_factory() as session:
            revoke_key(session, created.record.id, state_one.cache)  # invalidates in Redis
            session.commit()
        assert two.get("/v1/catalog/products", headers=headers).status_code == 401


def test_env_admin_key_exists_at_startup(make_settings, database_url: str) -> None:
    from service.app.factory import create_app

    secret = "automation-admin-key-0123456789"
    settings = make_settings(database_url=database_url, admin_key=secret)
    with TestClient(create_app(settings, load_in_background=False)) as client:
        ok = client.get("/v1/catalog/products", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200
    with TestClient(create_app(settings, load_in_background=False)) as client:  # idempotent
        ok = client.get("/v1/catalog/products", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200
