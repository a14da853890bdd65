"""Every hostile image kind (trustdata.hostile_images) through every endpoint that takes
images: catalog upload (multipart), matching (JSON base64), listing scoring (base64 and by
URL from a local origin) and batch scoring.

Each answer must be what the file deserves: a 2xx for a real image, a 4xx JSON error with
one of the kind's codes otherwise, never a 5xx; a refused request stores nothing; a strip
is refused where the image is the whole request and skipped (flagged) inside a listing;
bytes after an image's end are not stored or served back; and no deep check fails.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from trustdata.hostile_images import Hostile

from service.catalog.tables import CatalogImage
from service.listings.tables import Listing, ListingDeepCheck

COMPANION = "png_16x16"  # a real photo sent beside each hostile one in a listing


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _count(client: TestClient, table: Any) -> int:
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _verdict(h: Hostile, response: httpx.Response, *, strip_ok: bool = False,
             index: int = 0) -> str | None:
    """What is wrong with the answer to ``h`` (None: it is right)."""
    if response.status_code >= 500:
        return f"{h.name}: {response.status_code} {response.text[:200]}"
    if h.either:
        return None
    if h.legit or (h.strip and strip_ok):
        return None if response.status_code < 300 else \
            f"{h.name}: expected 2xx, got {response.status_code} {response.text[:200]}"
    if not 400 <= response.status_code < 500:
        return f"{h.name}: expected a 4xx, got {response.status_code}"
    error = response.json().get("error", {})
    if error.get("code") not in h.codes:
        return f"{h.name}: code {error.get('code')!r} not in {sorted(h.codes)}"
    if not str(error.get("message", "")).startswith(f"images[{index}]") and \
            error.get("code") != "invalid_base64":
        return f"{h.name}: the message does not name images[{index}]: {error.get('message')}"
    return None


def _product(client: TestClient, admin: dict[str, str]) -> int:
    created = client.post("/v1/catalog/products", headers=admin, json={
        "brand": "Vellora", "name": "Sac", "list_price": 100, "currency": "EUR"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_catalog_upload(client: TestClient, api_keys, hostile: list[Hostile]) -> None:
    url = f"/v1/catalog/products/{_product(client, api_keys.admin)}/images"
    problems = []
    for h in hostile:
        before = _count(client, CatalogImage)
        response = client.post(url, headers=api_keys.admin,
                               files=[("files", (f"{h.name}.jpg", h.data, "image/jpeg"))])
        problems.append(_verdict(h, response))
        if response.status_code >= 300:
            assert _count(client, CatalogImage) == before, f"{h.name}: stored on refusal"
            continue
        image = response.json()["images"][0]
        content = client.get(f"/v1/catalog/images/{image['id']}/content",
                             headers=api_keys.admin)
        assert content.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in content.headers["content-security-policy"]
        expected = h.data[:h.stored_prefix] if h.stored_prefix else h.data
        if not h.either:
            assert content.content == expected, f"{h.name}: stored bytes differ"
    assert [p for p in problems if p] == []


def test_image_match(client: TestClient, api_keys, hostile: list[Hostile]) -> None:
    problems = []
    for h in hostile:
        response = client.post("/v1/images/match", headers=api_keys.platform,
                               json={"images": [{"data": _b64(h.data)}]})
        problems.append(_verdict(h, response))
        assert response.headers["x-content-type-options"] == "nosniff"
    assert [p for p in problems if p] == []


def _score_listings(client: TestClient, api_keys, hostile: list[Hostile],
                    image_of: Any, prefix: str) -> list[str | None]:
    companion = next(h for h in hostile if h.name == COMPANION)
    problems = []
    for n, h in enumerate(hostile):
        before = _count(client, Listing)
        response = client.post("/v1/listings/score", headers=api_keys.platform, json={
            "listing_id": f"{prefix}-{n}", "seller_id": "seller-1", "caption": "bag",
            "price": 10, "currency": "EUR",
            "images": [{"data": _b64(companion.data)}, image_of(h)]})
        problems.append(_verdict(h, response, strip_ok=True, index=1))
        if response.status_code >= 300:
            assert _count(client, Listing) == before, f"{h.name}: stored on refusal"
        elif h.strip:
            skipped = response.json()["image_check"]["skipped_photos"]
            assert [(s["photo_index"], s["code"]) for s in skipped] == \
                [(1, "image_aspect_ratio")], h.name
    return problems


def _no_failed_deep_checks(client: TestClient) -> None:
    client.app.state.trust.deep_checks.get().drain(timeout=600)  # type: ignore[attr-defined]
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        statuses = list(session.scalars(select(ListingDeepCheck.status)))
    assert statuses and set(statuses) == {"done"}, statuses


def test_listing_scoring_base64(client: TestClient, api_keys, hostile: list[Hostile]) -> None:
    problems = _score_listings(client, api_keys, hostile,
                               lambda h: {"data": _b64(h.data)}, "b64")
    assert [p for p in problems if p] == []
    _no_failed_deep_checks(client)


def test_listing_scoring_by_url(client: TestClient, api_keys, hostile: list[Hostile],
                                hostile_origin: str) -> None:
    problems = _score_listings(client, api_keys, hostile,
                               lambda h: {"url": f"{hostile_origin}/{h.name}"}, "url")
    assert [p for p in problems if p] == []
    _no_failed_deep_checks(client)


def test_batch_scoring(client: TestClient, api_keys, hostile: list[Hostile]) -> None:
    listings = [{"listing_id": f"batch-{n}", "seller_id": "seller-1", "caption": "bag",
                 "price": 10, "currency": "EUR", "images": [{"data": _b64(h.data)}]}
                for n, h in enumerate(hostile)]
    created = client.post("/v1/listings/score-batch", headers=api_keys.platform,
                          json={"listings": listings})
    assert created.status_code == 202, created.text
    job_id = created.json()["job_id"]
    deadline = time.monotonic() + 900  # a guard against hanging, not a measurement
    while True:
        job = client.get(f"/v1/jobs/{job_id}", headers=api_keys.platform).json()
        if job["status"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    problems = []
    for h, item in zip(hostile, job["items"], strict=True):
        if h.either:
            continue
        if h.legit or h.strip:
            if item["status"] != "done":
                problems.append(f"{h.name}: {item}")
        elif item["status"] != "failed" or item["error"]["code"] not in h.codes:
            problems.append(f"{h.name}: {item}")
    assert problems == []
