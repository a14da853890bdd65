from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from models.text.classifier import serving_artifact_dir
from models.thresholds import CAPTION_MAX_CHARS, CAPTION_MAX_TEXTS
from service.captions.service import classify_with

if TYPE_CHECKING:  # the fixture type only; tests never import each other at run time
    from tests.conftest import ApiKeys

URL = "/v1/captions/classify"
TEXTS = [
    "顶级高*仿 驴牌老花包，原.单，私聊价格",
    "自家种的赣南脐橙，很甜，29元5斤，包邮",
    "Not a replica: authentic Gucci loafers, receipt included",
    "ＧＵＣＣＩ r e p l i c a loafers, mirror quality, DM for price",
]


def _post(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    return client.post(URL, json=body, headers=headers)


def test_classify_returns_one_result_per_caption(client: TestClient, api_keys: ApiKeys) -> None:
    response = _post(client, api_keys.platform, {"texts": TEXTS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"].startswith(serving_artifact_dir().name + "@")
    results = body["results"]
    assert [r["label"] for r in results] == ["counterfeit", "legitimate", "legitimate",
                                             "counterfeit"]
    for text, result in zip(TEXTS, results, strict=True):
        assert 0.0 <= result["counterfeit_probability"] <= 1.0
        for span in result["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(text)
    first = results[0]
    assert [TEXTS[0][s["start"]:s["end"]] for s in first["spans"]][:2] == ["高*仿", "驴牌"]
    assert first["spans"][0]["category"] == "grade_slang"
    assert first["normalized_text"].startswith("顶级高仿")
    assert results[3]["normalized_text"].startswith("gucci")


def test_admin_may_classify_and_other_roles_may_not(client: TestClient,
                                                     api_keys: ApiKeys) -> None:
    assert _post(client, api_keys.admin, {"texts": ["hi"]}).status_code == 200
    forbidden = _post(client, api_keys.moderator, {"texts": ["hi"]})
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"
    assert client.post(URL, json={"texts": ["hi"]}).status_code == 401


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"texts": []}, "at least 1"),
        ({"texts": ["x"] * (CAPTION_MAX_TEXTS + 1)}, f"at most {CAPTION_MAX_TEXTS}"),
        ({"texts": ["ok", 123]}, "valid string"),
        ({"texts": ["a" * 10_000]}, f"at most {CAPTION_MAX_CHARS} characters"),
        ({"texts": "高仿"}, "valid list"),
        ({}, "texts"),
        ({"texts": ["ok"], "extra": 1}, "extra"),
    ],
)
def test_invalid_requests_get_a_clear_422(client: TestClient, api_keys: ApiKeys,
                                          body: Any, fragment: str) -> None:
    response = _post(client, api_keys.platform, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert fragment.lower() in error["message"].lower()


def test_limits_are_inclusive(client: TestClient, api_keys: ApiKeys) -> None:
    longest = "高仿" + "a" * (CAPTION_MAX_CHARS - 2)
    response = _post(client, api_keys.platform, {"texts": [longest, ""] +
                                                 ["x"] * (CAPTION_MAX_TEXTS - 2)})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == CAPTION_MAX_TEXTS
    assert results[1]["normalized_text"] == "" and results[1]["spans"] == []


def test_service_function_matches_the_endpoint(client: TestClient, api_keys: ApiKeys) -> None:
    state = client.app.state.trust  # type: ignore[attr-defined]
    direct = classify_with(state.captions.get(), TEXTS)
    api = _post(client, api_keys.platform, {"texts": TEXTS}).json()
    assert api["model_version"] == state.captions.get().model_version
    assert [r.counterfeit_probability for r in direct] == pytest.approx(
        [r["counterfeit_probability"] for r in api["results"]])
    assert [r.label for r in direct] == [r["label"] for r in api["results"]]


def test_readiness_reports_the_caption_model(client: TestClient) -> None:
    checks = client.get("/health/ready").json()["checks"]
    assert checks["captions"] == "ok"
