"""Fixture photos for the matching API: packaged sample photos and layouts built in code."""

from __future__ import annotations

import io
import random

import pytest
from augly.image import functional as augly_f
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="session")
def genuine() -> list[Image.Image]:
    return [Image.fromarray(data.astronaut()), Image.fromarray(data.coffee())]


@pytest.fixture(scope="session")
def others() -> list[Image.Image]:
    """Never-enrolled photos: grid fillers and distractors."""
    return [product_shot(seed, size=400) for seed in range(700, 712)]


@pytest.fixture
def enrol(client: TestClient, api_keys):
    """enrol(img, brand) -> (product_id, image_id), through the catalog API."""

    def make(img: Image.Image, brand: str = "Maison Verdier") -> tuple[int, int]:
        product = client.post("/v1/catalog/products", headers=api_keys.admin, json={
            "brand": brand, "name": f"item {random.random()}", "list_price": 100,
            "currency": "USD"}).json()
        uploaded = client.post(f"/v1/catalog/products/{product['id']}/images",
                               headers=api_keys.admin,
                               files=[("files", ("a.jpg", jpeg(img), "image/jpeg"))])
        assert uploaded.status_code == 201, uploaded.text
        return product["id"], uploaded.json()["images"][0]["id"]

    return make


@pytest.fixture(scope="session")
def edits():
    return EDITS


EDITS = {
    "mirror": lambda img, fill: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "rotate": lambda img, fill: augly_f.rotate(img, degrees=8.0).convert("RGB"),
    "grid9": lambda img, fill: layouts.grid(img, random.Random(1), fill, 3),
    "screenshot": lambda img, fill: layouts.app_screenshot(img, random.Random(0)),
    "collage": lambda img, fill: layouts.collage(img, random.Random(2), fill),
    "centre_crop60": lambda img, fill: img.crop((img.width // 5, img.height // 5,
                                                 img.width * 4 // 5, img.height * 4 // 5)),
}
