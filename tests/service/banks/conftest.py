"""A counterfeit removal through the API: a flagged listing of a fake's photo and the brand's
official photo, decided by a moderator; and repost photos made from the fake's photo."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

FAKE_SEED = 7_000_004  # a generated product photo standing for a photo of a fake
CAPTION = "高仿 1:1 原单 加v私聊"


def jpeg(image: Image.Image, quality: int = 88) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


@dataclass(frozen=True)
class Reposts:
    original: bytes
    cropped: bytes  # 8 % trimmed unevenly off the sides, recompressed
    screenshot: bytes  # inside a phone app's screen, as an agent shares it
    other_product: bytes  # a different generated product: an honest (or another fake's) photo


@pytest.fixture(scope="session")
def reposts() -> Reposts:
    fake = product_shot(FAKE_SEED)
    w, h = fake.size
    cropped = fake.crop((int(0.05 * w), int(0.02 * h), int(0.97 * w), int(0.94 * h)))
    screen = layouts.app_screenshot(fake, random.Random(0))
    return Reposts(jpeg(fake), jpeg(cropped, 75), jpeg(screen), jpeg(product_shot(FAKE_SEED + 1)))


@pytest.fixture
def official_photo(client, api_keys, photo) -> bytes:
    """A catalog product with one official photo (the brand's own)."""
    created = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Vellora", "name": "Sac Mila", "list_price": 12_000, "currency": "CNY"})
    assert created.status_code == 201, created.text
    data = photo(101, size=400)
    uploaded = client.post(f"/v1/catalog/products/{created.json()['id']}/images",
                           headers=api_keys.admin,
                           files=[("files", ("official.jpg", data, "image/jpeg"))])
    assert uploaded.status_code == 201, uploaded.text
    return data


@pytest.fixture
def score(client, api_keys) -> Callable[..., Any]:
    def send(images: list[bytes], listing_id: str, headers: dict[str, str] | None = None,
             **fields: Any) -> dict[str, Any]:
        body = {"listing_id": listing_id, "seller_id": f"seller-{listing_id}",
                "caption": CAPTION, "price": 300, "currency": "CNY", **fields,
                "images": [{"data": base64.b64encode(b).decode()} for b in images]}
        response = client.post("/v1/listings/score", json=body, params={"wait": "deep"},
                               headers=headers or api_keys.platform)
        assert response.status_code == 200, response.text
        return response.json()
    return send


@pytest.fixture
def remove_as_counterfeit(client, api_keys) -> Callable[[int], None]:
    def decide(item_id: int) -> None:
        claimed = client.post(f"/v1/review/items/{item_id}/claim", headers=api_keys.moderator)
        assert claimed.status_code == 200, claimed.text
        decided = client.post(f"/v1/review/items/{item_id}/decision", headers=api_keys.moderator,
                              json={"decision": "remove", "reason_codes": ["counterfeit"]})
        assert decided.status_code == 200, decided.text
    return decide


@pytest.fixture
def banked(score, official_photo, reposts, remove_as_counterfeit) -> dict[str, Any]:
    """Listing L-fake (the fake's photo, then the official photo) removed as counterfeit."""
    flagged = score([reposts.original, official_photo], "L-fake")
    assert flagged["review_item_id"] is not None, flagged["decision"]
    assert [m["photo_index"] for m in flagged["image_matches"]] == [1]  # only the official one
    remove_as_counterfeit(flagged["review_item_id"])
    return flagged
