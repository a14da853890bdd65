"""One photo the analysis fails on gets no matches; the request's other photos are still
matched (the keypoint stage is guarded per photo)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.matching import service as matching_service
from tests.service.matching.conftest import jpeg


def test_a_photo_whose_analysis_fails_leaves_the_others_matched(
        client: TestClient, api_keys, enrol, genuine, others, monkeypatch) -> None:
    _, image_id = enrol(genuine[0])
    real = matching_service.query_evidence
    broken = jpeg(others[0])

    def failing_for_one(decoded, **kwargs):  # an analysis bug hit by one photo only
        if decoded.data == broken:
            raise ValueError("analysis failed")
        return real(decoded, **kwargs)

    monkeypatch.setattr(matching_service, "query_evidence", failing_for_one)
    response = client.post("/v1/images/match", headers=api_keys.platform, files=[
        ("files", ("a.jpg", broken, "image/jpeg")),
        ("files", ("b.jpg", jpeg(genuine[0]), "image/jpeg"))])
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["matches"] == []
    assert second["best"]["image_id"] == image_id
