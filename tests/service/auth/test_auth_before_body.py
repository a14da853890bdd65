"""A request body is never parsed before the key is checked: no key is 401 and a key of the
wrong role is 403, whatever the body holds, on every keyed operation that takes one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.auth.deps import is_keyed


def keyed_body_operations(client: TestClient) -> list[tuple[str, str]]:
    from fastapi.routing import APIRoute, iter_route_contexts

    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute) and is_keyed(route) and context.methods:
            for method in context.methods & {"POST", "PATCH", "PUT"}:
                found.append((method, context.path_format.replace("{seller_id}", "s-1")
                              .replace("{listing_id}", "L-1").replace("{", "").replace("}", "")
                              .replace("product_id", "1").replace("item_id", "1")))
    return found


def test_malformed_json_without_a_key_is_401_and_with_a_wrong_role_403(client: TestClient,
                                                                       api_keys) -> None:
    operations = keyed_body_operations(client)
    assert len(operations) >= 12, operations
    json_type = {"content-type": "application/json"}
    for method, path in operations:
        no_key = client.request(method, path, content=b'{"broken', headers=json_type)
        assert no_key.status_code == 401, (method, path, no_key.text)
        assert no_key.json()["error"]["code"] == "unauthorized"
        assert no_key.headers["www-authenticate"] == "Bearer"
        bad_key = client.request(method, path, content=b'{"broken',
                                 headers={**json_type, "Authorization": "Bearer trk_nope"})
        assert bad_key.status_code == 401, (method, path)
    # A key whose role may not use the operation: 403 before the body's syntax is looked at.
    for method, path in [("POST", "/v1/catalog/products"), ("POST", "/v1/captions/classify"),
                         ("POST", "/v1/review/decisions"), ("POST", "/v1/listings/score")]:
        wrong = api_keys.moderator if "review" not in path else api_keys.platform
        response = client.request(method, path, content=b"\xff{", headers={**json_type, **wrong})
        assert response.status_code == 403, (path, response.text)
    # With the right key the body is read, and its syntax error is a 422 with a code.
    response = client.post("/v1/captions/classify", content=b'{"broken',
                           headers={**json_type, **api_keys.platform})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    response = client.post("/v1/captions/classify", content=b'{"texts": ["\xff"]}',
                           headers={**json_type, **api_keys.platform})
    assert response.status_code == 422, response.text  # not UTF-8
