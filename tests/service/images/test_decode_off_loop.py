"""JSON bodies of image requests (tens of MB of base64) are parsed and decoded off the event
loop: while one request's base64 is being decoded, another request is served.

The decoding function is wrapped (it still does its work) so that it waits, inside the big
request, until a small request has completed: were it running on the event loop, the small
request could not be served meanwhile and the wait would give up. Nothing is timed.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.images import inputs
from service.listings import inputs as listing_inputs

GIVE_UP_SECONDS = 30.0  # only bounds a broken run; a passing run never waits this long


class _Spy:
    def __init__(self) -> None:
        self.entered = threading.Event()
        self.small_done = threading.Event()
        self.on_loop: list[bool] = []
        self.saw_small: list[bool] = []

    def wrap(self, real: Any) -> Any:
        def spied(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                self.on_loop.append(True)
            except RuntimeError:
                self.on_loop.append(False)
            self.entered.set()
            self.saw_small.append(self.small_done.wait(GIVE_UP_SECONDS))
            return real(*args, **kwargs)
        return spied


def _body(photo: bytes, path: str) -> dict[str, Any]:
    images = [{"data": base64.b64encode(photo).decode()}]
    if path == "/v1/listings/score":
        return {"listing_id": "L-big", "seller_id": "s-1", "caption": "bag", "images": images}
    return {"images": images}


@pytest.mark.parametrize("path", ["/v1/listings/score", "/v1/images/match", "catalog"])
def test_a_small_request_is_served_while_base64_is_decoded(
        client: TestClient, api_keys, photo, monkeypatch, path: str) -> None:
    headers = api_keys.platform
    if path == "catalog":
        product = client.post("/v1/catalog/products", headers=api_keys.admin, json={
            "brand": "B", "name": "N", "list_price": 10, "currency": "EUR"}).json()
        path, headers = f"/v1/catalog/products/{product['id']}/images", api_keys.admin
    spy = _Spy()
    monkeypatch.setattr(inputs, "decode_base64_image", spy.wrap(inputs.decode_base64_image))
    monkeypatch.setattr(listing_inputs, "parse_json_object",
                        spy.wrap(listing_inputs.parse_json_object))
    monkeypatch.setattr(inputs, "parse_json_object", spy.wrap(inputs.parse_json_object))
    answers: dict[str, int] = {}

    def big() -> None:
        answers["big"] = client.post(path, headers=headers, json=_body(photo(3), path)).status_code

    sender = threading.Thread(target=big)
    sender.start()
    assert spy.entered.wait(GIVE_UP_SECONDS)
    small = client.get("/health/live")  # served while the big body is being decoded
    spy.small_done.set()
    sender.join(GIVE_UP_SECONDS * 4)
    assert small.status_code == 200
    assert answers["big"] in (200, 201), answers
    assert spy.on_loop and not any(spy.on_loop)
    assert all(spy.saw_small)  # the first wait saw the small request through
