"""The OpenAPI document is complete enough for client generators and fuzzers: every operation
documents its request body and the errors it can answer, with the one error schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.kit.settings import Settings

ERROR_REF = "#/components/schemas/ErrorBody"
HTML_PAGES = {"/s/{seller_id}", "/s/{seller_id}/report"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings(env="test")).openapi()  # built without starting the app


def operations(document: dict[str, Any]):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_with_the_error_schema(document) -> None:
    seen = 0
    for path, method, op in operations(document):
        seen += 1
        responses = op["responses"]
        where = f"{method.upper()} {path}"
        if path.startswith("/v1/") and not path.startswith(("/v1/sellers/{seller_id}/badge.",
                                                           "/v1/badges/")):
            assert op.get("security") == [{"bearer": []}], where
            assert {"401", "403"} <= responses.keys(), where
        if "requestBody" in op:
            assert {"413", "422"} <= responses.keys(), where
        if op.get("parameters"):
            assert "422" in responses, where
        if any(p["in"] == "path" and p["name"].endswith("_id") and p["schema"].get("type") ==
               "integer" for p in op.get("parameters", [])):
            assert "404" in responses, where
            [param] = [p for p in op["parameters"] if p["in"] == "path"]
            assert param["schema"]["minimum"] == 1
            assert param["schema"]["maximum"] == 2**63 - 1
        for status, response in responses.items():
            if int(status) < 400 or (path in HTML_PAGES and status in ("403", "429")):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (where, status)
            assert response["description"] not in ("", "Validation Error")
    assert seen >= 39
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_body_taking_operation_has_a_request_body_schema(document) -> None:
    bodies = 0
    for path, method, op in operations(document):
        if method in ("post", "patch", "put") and not path.endswith(("/claim", "/release")):
            body = op.get("requestBody")
            assert body, f"{method.upper()} {path} documents no request body"
            for media in body["content"].values():
                assert media.get("schema"), (path, media)
            bodies += 1
    assert bodies >= 14
    score = document["paths"]["/v1/listings/score"]["post"]["requestBody"]["content"]
    as_json = score["application/json"]["schema"]
    assert {"listing_id", "seller_id", "images"} <= set(as_json["required"])
    assert as_json["properties"]["images"]["maxItems"] == 9
    assert {"price", "caption", "currency"} <= as_json["properties"].keys()
    form = score["multipart/form-data"]["schema"]
    assert {"listing_id", "seller_id", "files"} <= set(form["required"])
    assert {"415", "503"} <= document["paths"]["/v1/listings/score"]["post"]["responses"].keys()


def test_the_error_schema_is_what_the_handlers_render(document, client: TestClient,
                                                      api_keys) -> None:
    schemas = document["components"]["schemas"]
    resolver = {"components": {"schemas": schemas}, **schemas["ErrorBody"]}
    answers = [
        client.get("/v1/review/queue"),  # 401, DomainError
        client.get("/v1/review/queue", headers=api_keys.platform),  # 403
        client.get("/v1/review/items/77", headers=api_keys.moderator),  # 404 with a code
        client.get("/v1/review/queue?limit=0", headers=api_keys.moderator),  # 422, validation
        client.post("/v1/listings/score", content=b"x", headers={**api_keys.platform,
                                                                "content-type": "text/plain"}),
        client.post("/v1/captions/classify", content=b'{"texts": ["\xff"]}',
                    headers={**api_keys.platform, "content-type": "application/json"}),
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 422, 415, 422]
    for answer in answers:
        jsonschema.validate(answer.json(), resolver)
        assert answer.json()["error"]["code"]
