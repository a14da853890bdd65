"""A catalog product with one official photo, and a helper to score listings through the API."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

LIST_PRICE = 12_000


@dataclass(frozen=True)
class OfficialProduct:
    product_id: int
    image_id: int
    photo: bytes


@pytest.fixture
def official(client, api_keys, photo) -> OfficialProduct:
    created = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Vellora", "name": "Sac Mila", "list_price": LIST_PRICE, "currency": "CNY",
        "authorized_seller_ids": ["authorized-shop"]})
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    official_photo = photo(101, size=400)
    uploaded = client.post(f"/v1/catalog/products/{product_id}/images", headers=api_keys.admin,
                           files=[("files", ("official.jpg", official_photo, "image/jpeg"))])
    assert uploaded.status_code == 201, uploaded.text
    return OfficialProduct(product_id, uploaded.json()["images"][0]["id"], official_photo)


@pytest.fixture
def score(client, api_keys) -> Callable[..., Any]:
    def send(images: list[bytes], headers: dict[str, str] | None = None,
             wait: str | None = None, **fields: Any):
        body = {"listing_id": "L-1", "seller_id": "some-seller", "caption": "全新 手提包 包邮",
                "price": LIST_PRICE, "currency": "CNY", **fields,
                "images": [{"data": base64.b64encode(b).decode()} for b in images]}
        return client.post("/v1/listings/score", json=body, headers=headers or api_keys.platform,
                           params={"wait": wait} if wait else None)
    return send
