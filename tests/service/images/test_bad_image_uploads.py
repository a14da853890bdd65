"""Every bad-image class through the API: the right 4xx, the image index named, no rows."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.catalog.tables import CatalogImage


def bomb_png() -> bytes:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    idat = b"IDAT" + zlib.compress(b"\x00" * 4096)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr
            + struct.pack(">I", zlib.crc32(ihdr)) + struct.pack(">I", len(idat) - 4) + idat
            + struct.pack(">I", zlib.crc32(idat)))


BAD = {
    "bomb": (bomb_png(), 413, "image_too_many_pixels"),
    "bmp": (b"BM" + b"\x00" * 200, 415, "unsupported_image_format"),
    "text": (b"hello, I am not an image", 415, "unsupported_image_format"),
    "corrupt": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, 422, "image_corrupt"),
    "empty": (b"", 422, "image_empty"),
}


@pytest.fixture
def product_url(client: TestClient, api_keys) -> str:
    body = {"brand": "B", "name": "N", "list_price": 10, "currency": "EUR"}
    product = client.post("/v1/catalog/products", json=body, headers=api_keys.admin).json()
    return f"/v1/catalog/products/{product['id']}/images"


def image_rows(client: TestClient) -> int:
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(CatalogImage)) or 0)


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("transport", ["multipart", "json"])
def test_bad_image_after_a_good_one_writes_nothing(
    client: TestClient, api_keys, product_url: str, photo: Callable[..., bytes],
    kind: str, transport: str,
) -> None:
    data, status, code = BAD[kind]
    blobs = [photo(1), data]
    if transport == "multipart":
        files = [("files", (f"{i}.bin", blob, "application/octet-stream"))
                 for i, blob in enumerate(blobs)]
        response = client.post(product_url, files=files, headers=api_keys.admin)
    else:
        payload = {"images": [{"data": base64.b64encode(blob).decode()} for blob in blobs]}
        response = client.post(product_url, json=payload, headers=api_keys.admin)
    if kind == "empty" and transport == "json":
        status, code = 422, "invalid_base64"  # an empty string is not an image encoding
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith("images[1]")
    assert image_rows(client) == 0


def test_oversize_image_is_413(client: TestClient, api_keys, product_url: str, settings) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * (settings.max_image_bytes + 10)
    response = client.post(product_url, files=[("files", ("x.jpg", big, "image/jpeg"))],
                           headers=api_keys.admin)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"
    assert image_rows(client) == 0


@pytest.mark.parametrize(("payload", "code"), [
    ({"images": []}, "no_images"),
    ({"images": [{"data": "!!!not base64!!!"}]}, "invalid_base64"),
    ({"images": [{"url": "http://127.0.0.1/x.jpg"}]}, "image_url_disabled"),
    ({"images": [{"link": "http://127.0.0.1/x.jpg"}]}, "invalid_input"),
    ({"pictures": []}, "invalid_input"),
    ({"images": [{"data": 12}]}, "invalid_base64"),
])
def test_malformed_json_payloads(client: TestClient, api_keys, product_url: str,
                                 payload: dict, code: str) -> None:
    response = client.post(product_url, json=payload, headers=api_keys.admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert image_rows(client) == 0


def test_too_many_images_and_wrong_content_type(
    client: TestClient, api_keys, product_url: str, photo: Callable[..., bytes]
) -> None:
    files = [("files", (f"{i}.jpg", photo(i), "image/jpeg")) for i in range(21)]
    response = client.post(product_url, files=files, headers=api_keys.admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_images"
    raw = client.post(product_url, content=photo(1), headers={**api_keys.admin,
                                                               "content-type": "image/jpeg"})
    assert raw.status_code == 415
    for body in (b"{not json", b'{"images": "\xff\xfe"}', b'{"images": NaN}', b"",
                 b'{"images": [' * 2000):  # syntax, invalid UTF-8, NaN, empty, too deep
        broken = client.post(product_url, content=body,
                             headers={**api_keys.admin, "content-type": "application/json"})
        assert broken.status_code == 422, body[:20]
        assert broken.json()["error"]["code"] == "invalid_json"
    not_an_object = client.post(product_url, content=b"[1, 2]",
                                headers={**api_keys.admin, "content-type": "application/json"})
    assert not_an_object.status_code == 422
    assert not_an_object.json()["error"]["code"] == "invalid_input"
    assert image_rows(client) == 0


def test_request_body_limit(make_settings, database_url: str, api_keys) -> None:
    from service.app.factory import create_app

    app = create_app(make_settings(database_url=database_url, max_request_bytes=50_000),
                     load_in_background=False)
    with TestClient(app) as small:
        response = small.post("/v1/catalog/products/1/images",
                              files=[("files", ("x.jpg", io.BytesIO(b"\xff" * 60_000),
                                                "image/jpeg"))],
                              headers=api_keys.admin)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
