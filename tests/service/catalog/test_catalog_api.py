"""Catalog CRUD, pagination, idempotent image upload, and bad input writing nothing."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from service.catalog.tables import CatalogImage, Product

BAG = {"brand": "Maison Verdier", "name": "Quilted Flap Bag", "sku": "MV-1", "list_price": 4200,
       "currency": "usd", "category": "bags", "authorized_seller_ids": ["s1", "s2", "s1"]}


def count(client: TestClient, table: type) -> int:
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def create(client: TestClient, headers: dict[str, str], **overrides: object) -> dict:
    response = client.post("/v1/catalog/products", json={**BAG, **overrides}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def jpeg_of(grey: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(grey.clip(0, 255).astype(np.uint8)).convert("RGB").save(buf, "JPEG")
    return buf.getvalue()


def test_create_get_patch_delete(client: TestClient, api_keys) -> None:
    product = create(client, api_keys.admin)
    assert product["currency"] == "USD"
    assert product["list_price"] == 4200.0
    assert product["authorized_seller_ids"] == ["s1", "s2"]

    got = client.get(f"/v1/catalog/products/{product['id']}", headers=api_keys.platform).json()
    assert got["name"] == "Quilted Flap Bag" and got["images"] == []

    patched = client.patch(f"/v1/catalog/products/{product['id']}",
                           json={"list_price": "3999.50", "category": None}, headers=api_keys.admin)
    assert patched.status_code == 200
    assert patched.json()["list_price"] == 3999.5 and patched.json()["category"] is None
    assert patched.json()["brand"] == "Maison Verdier"

    assert client.delete(f"/v1/catalog/products/{product['id']}",
                         headers=api_keys.admin).status_code == 204
    missing = client.get(f"/v1/catalog/products/{product['id']}", headers=api_keys.admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "product_not_found"


def test_duplicate_sku_is_conflict_and_writes_nothing(client: TestClient, api_keys) -> None:
    first = create(client, api_keys.admin)
    again = client.post("/v1/catalog/products", json={**BAG, "brand": " maison VERDIER "},
                        headers=api_keys.admin)
    assert again.status_code == 409
    assert again.json()["error"]["details"]["product_id"] == first["id"]
    assert count(client, Product) == 1


@pytest.mark.parametrize("body", [
    {**BAG, "list_price": -1},
    {**BAG, "currency": "dollars"},
    {**BAG, "brand": "   "},
    {**BAG, "unexpected": 1},
    {k: v for k, v in BAG.items() if k != "list_price"},
    {**BAG, "list_price": "abc"},
    {**BAG, "authorized_seller_ids": "s1"},
])
def test_invalid_products_rejected(client: TestClient, api_keys, body: dict) -> None:
    response = client.post("/v1/catalog/products", json=body, headers=api_keys.admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert count(client, Product) == 0


def test_patch_cannot_null_required_fields(client: TestClient, api_keys) -> None:
    product = create(client, api_keys.admin)
    response = client.patch(f"/v1/catalog/products/{product['id']}", json={"name": None},
                            headers=api_keys.admin)
    assert response.status_code == 422
    assert client.get(f"/v1/catalog/products/{product['id']}",
                      headers=api_keys.admin).json()["name"] == BAG["name"]


def test_pagination_and_brand_filter(client: TestClient, api_keys) -> None:
    for i in range(7):
        create(client, api_keys.admin, sku=f"A-{i}", brand="Aerostride" if i % 2 else "Verdier")
    seen, sizes, cursor = [], [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/catalog/products", params=params, headers=api_keys.admin).json()
        sizes.append(len(page["items"]))
        seen.extend(item["sku"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == [f"A-{i}" for i in range(7)]
    filtered = client.get("/v1/catalog/products", params={"brand": "aerostride"},
                          headers=api_keys.admin).json()
    assert [item["sku"] for item in filtered["items"]] == ["A-1", "A-3", "A-5"]
    bad = client.get("/v1/catalog/products", params={"cursor": "x'"}, headers=api_keys.admin)
    assert bad.status_code == 422


def test_upload_multipart_and_json_and_idempotent_reupload(
    client: TestClient, api_keys, photo: Callable[..., bytes]
) -> None:
    product = create(client, api_keys.admin)
    url = f"/v1/catalog/products/{product['id']}/images"
    files = [("files", ("a.jpg", photo(1), "image/jpeg")), ("files", ("b.png", photo(2, fmt="PNG"),
                                                                      "image/png"))]
    first = client.post(url, files=files, headers=api_keys.admin)
    assert first.status_code == 201, first.text
    images = first.json()["images"]
    assert [img["format"] for img in images] == ["JPEG", "PNG"]
    assert all(img["created"] for img in images)

    again = client.post(url, json={"images": [{"data": base64.b64encode(photo(1)).decode()}]},
                        headers=api_keys.admin)
    assert again.status_code == 200
    assert again.json()["images"][0]["id"] == images[0]["id"]
    assert again.json()["images"][0]["created"] is False
    assert count(client, CatalogImage) == 2

    content = client.get(f"/v1/catalog/images/{images[0]['id']}/content", headers=api_keys.moderator)
    assert content.content == photo(1)
    assert content.headers["content-type"] == "image/jpeg"

    assert client.delete(f"/v1/catalog/images/{images[0]['id']}",
                         headers=api_keys.admin).status_code == 204
    assert count(client, CatalogImage) == 1
    assert client.delete(f"/v1/catalog/images/{images[0]['id']}",
                         headers=api_keys.admin).status_code == 404


def test_deleting_a_product_removes_its_images(
    client: TestClient, api_keys, photo: Callable[..., bytes]
) -> None:
    product = create(client, api_keys.admin)
    client.post(f"/v1/catalog/products/{product['id']}/images",
                files=[("files", ("a.jpg", photo(5), "image/jpeg"))], headers=api_keys.admin)
    assert count(client, CatalogImage) == 1
    client.delete(f"/v1/catalog/products/{product['id']}", headers=api_keys.admin)
    assert count(client, CatalogImage) == 0


def test_upload_to_unknown_product_is_404(client: TestClient, api_keys, photo) -> None:
    response = client.post("/v1/catalog/products/9999/images",
                           files=[("files", ("a.jpg", photo(1), "image/jpeg"))],
                           headers=api_keys.admin)
    assert response.status_code == 404


def test_a_content_free_photo_is_stored_with_a_low_detail_warning(
    client: TestClient, api_keys, photo: Callable[..., bytes]
) -> None:
    product = create(client, api_keys.admin)
    url = f"/v1/catalog/products/{product['id']}/images"
    flat = jpeg_of(np.random.default_rng(0).normal(67, 4, (400, 400)))  # an empty backdrop
    response = client.post(url, files=[("files", ("flat.jpg", flat, "image/jpeg")),
                                       ("files", ("shot.jpg", photo(3), "image/jpeg"))],
                           headers=api_keys.admin)
    assert response.status_code == 201, response.text
    flat_out, shot_out = response.json()["images"]
    assert flat_out["created"] and [w["code"] for w in flat_out["warnings"]] == ["low_detail"]
    assert "unmatched" in flat_out["warnings"][0]["message"]
    assert shot_out["warnings"] == []
    assert count(client, CatalogImage) == 2  # warned, not refused
    again = client.post(url, files=[("files", ("flat.jpg", flat, "image/jpeg"))],
                        headers=api_keys.admin)
    assert again.status_code == 200
    assert [w["code"] for w in again.json()["images"][0]["warnings"]] == ["low_detail"]
