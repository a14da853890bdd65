"""Listings scored through the API by several sellers, and moderator decisions on them."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from trustdata.copydetect.sources import product_shot

COUNTERFEIT = {"decision": "remove", "reason_codes": ["counterfeit"], "note": "fake"}
FAKE_CAPTION = "高仿 1:1 原单 顶级复刻 Vellora 包 微商拿货 私聊"


def repost(seed: int, crop: float = 0.0, quality: int = 70, size: int = 480) -> bytes:
    """A photo as an agent reposts it: trimmed by `crop` of each side's length, recompressed.

    The copy-detection set's product shots, not the demo catalog's photos: those are drawn
    from one template, and two of them are as close as a photo and its 2 % crop
    (models/networks/rules.py says what the calibration measured)."""
    img = product_shot(seed, size=size)
    w, h = img.size
    img = img.crop((round(w * crop * 0.6), round(h * crop * 0.4), w - round(w * crop * 0.4),
                    h - round(h * crop * 0.6)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture
def post(client, api_keys) -> Callable[..., dict[str, Any]]:
    def send(seller: str, listing: str, images: list[bytes], caption: str = "",
             headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        body = {"listing_id": listing, "seller_id": seller, "caption": caption,
                "price": 300, "currency": "CNY", **fields,
                "images": [{"data": base64.b64encode(b).decode()} for b in images]}
        answer = client.post("/v1/listings/score", json=body,
                             headers=headers or api_keys.platform)
        assert answer.status_code == 200, answer.text
        return answer.json()
    return send


@pytest.fixture
def decide(client, api_keys) -> Callable[[int, dict[str, Any]], None]:
    def run(item_id: int, decision: dict[str, Any]) -> None:
        claimed = client.post(f"/v1/review/items/{item_id}/claim", headers=api_keys.moderator)
        assert claimed.status_code == 200, claimed.text
        decided = client.post(f"/v1/review/items/{item_id}/decision", json=decision,
                              headers=api_keys.moderator)
        assert decided.status_code == 200, decided.text
    return run


@pytest.fixture
def network(client, api_keys) -> Callable[..., Any]:
    def get(seller: str, headers: dict[str, str] | None = None, **params: str) -> Any:
        return client.get(f"/v1/sellers/{seller}/network", params=params,
                          headers=headers or api_keys.moderator)
    return get


def linked_ids(answer: Any) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {link["seller_id"] for link in answer.json()["linked"]}
