"""Listings scored through the API by several sellers, and moderator decisions on them."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from trustdata.copydetect.sources import product_shot

from service.auth.service import Role, create_key

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
def second_moderator(client) -> dict[str, str]:
    """Appeals go to another moderator than the one who decided."""
    with client.app.state.trust.session_factory() as session:
        created = create_key(session, Role.moderator, "second-moderator")
        session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


@pytest.fixture
def decide(client, api_keys) -> Callable[..., None]:
    def run(item_id: int, decision: dict[str, Any],
            moderator: dict[str, str] | None = None) -> None:
        headers = moderator or api_keys.moderator
        claimed = client.post(f"/v1/review/items/{item_id}/claim", headers=headers)
        assert claimed.status_code == 200, claimed.text
        decided = client.post(f"/v1/review/items/{item_id}/decision", json=decision,
                              headers=headers)
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
