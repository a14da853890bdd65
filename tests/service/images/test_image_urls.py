"""Images sent as {"url": ...}: fetched only when enabled, only from public addresses.

A real HTTP server on localhost serves the images. Localhost is exactly what the guard must
refuse, so the tests that fetch successfully turn on `image_fetch_allow_private` (a test and
dev setting, refused in prod) and the guard itself is tested with it off.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data

from service.app.factory import create_app
from service.images.fetch import ImageFetcher, is_public
from service.kit.errors import DomainError
from service.kit.settings import Settings


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.fromarray(data.astronaut()).save(out, "JPEG", quality=90)
    return out.getvalue()


PHOTO = _jpeg()


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []  # paths requested, shared by every handler

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/photo.jpg":
            self._send(200, PHOTO, "image/jpeg")
        elif self.path.startswith("/hop/"):
            left = int(self.path.rsplit("/", 1)[1])
            target = "/photo.jpg" if left == 0 else f"/hop/{left - 1}"
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{port}{target}")
            self.end_headers()
        elif self.path == "/huge":
            self._send(200, b"\xff\xd8\xff" + b"\0" * 300_000, "image/jpeg")
        elif self.path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(40):
                chunk = b"\0" * 10_000
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/slow":
            time.sleep(3.0)  # twice the client's timeout
            self._send(200, PHOTO, "image/jpeg")
        elif self.path == "/text":
            self._send(200, b"<html>not an image</html>", "text/html")
        else:
            self._send(404, b"missing", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fetching_client(make_settings, database_url: str) -> Iterator[TestClient]:
    settings: Settings = make_settings(database_url=database_url, image_fetch_enabled=True,
                                       image_fetch_allow_private=True,
                                       # headroom for the good URL on a loaded 2-core CI
                                       # machine (0.8 s once timed out the fast photo)
                                       image_fetch_timeout_seconds=1.5,
                                       max_image_bytes=200_000)
    with TestClient(create_app(settings, load_in_background=False)) as client:
        yield client


def _match(client: TestClient, headers: dict[str, str], *urls: str):
    return client.post("/v1/images/match", headers=headers,
                       json={"images": [{"url": u} for u in urls]})


def test_catalog_photo_enrolled_by_url_is_matched_by_url(fetching_client, origin) -> None:
    admin, platform = _keys(fetching_client)
    product = fetching_client.post("/v1/catalog/products", headers=admin, json={
        "brand": "Maison Verdier", "name": "astronaut", "list_price": 100,
        "currency": "USD"}).json()
    uploaded = fetching_client.post(f"/v1/catalog/products/{product['id']}/images",
                                    headers=admin,
                                    json={"images": [{"url": f"{origin}/photo.jpg"}]})
    assert uploaded.status_code == 201, uploaded.text
    image_id = uploaded.json()["images"][0]["id"]
    response = _match(fetching_client, platform, f"{origin}/hop/2")  # redirects followed
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["best"]["image_id"] == image_id


def test_a_listing_is_scored_from_photo_urls(fetching_client, origin) -> None:
    admin, platform = _keys(fetching_client)
    product = fetching_client.post("/v1/catalog/products", headers=admin, json={
        "brand": "Maison Verdier", "name": "astronaut", "list_price": 100,
        "currency": "USD"}).json()
    fetching_client.post(f"/v1/catalog/products/{product['id']}/images", headers=admin,
                         json={"images": [{"url": f"{origin}/photo.jpg"}]})
    response = fetching_client.post("/v1/listings/score", headers=platform, json={
        "listing_id": "url-1", "seller_id": "s-1", "caption": "bag", "price": 20,
        "currency": "USD", "images": [{"url": f"{origin}/hop/1"}]})
    assert response.status_code == 200, response.text
    assert [m["product_id"] for m in response.json()["image_matches"]] == [product["id"]]


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/hop/5", 422, "image_url_redirects"),
    ("/missing", 422, "image_url_status"),
    ("/huge", 413, "image_too_large"),
    ("/huge-chunked", 413, "image_too_large"),
    ("/slow", 422, "image_url_timeout"),
    ("/text", 415, "unsupported_image_format"),
])
def test_bad_urls_get_a_clear_error(fetching_client, origin, path, status, code) -> None:
    _, platform = _keys(fetching_client)
    response = _match(fetching_client, platform, f"{origin}/photo.jpg", f"{origin}{path}")
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "images[1]" in error["message"]


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "file:///etc/passwd",
                                 "http:///nohost", "https://user:pw@example.com/a.jpg",
                                 "not a url", "http://x/" + "a" * 3000])
def test_malformed_urls_are_refused_before_any_connection(fetching_client, url) -> None:
    _, platform = _keys(fetching_client)
    response = _match(fetching_client, platform, url)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_image_url"


def test_private_addresses_are_refused_when_not_allowed(origin) -> None:
    fetcher = ImageFetcher(max_bytes=1_000_000, timeout_seconds=2.0)
    port = origin.rsplit(":", 1)[1]
    before = len(_Handler.hits)
    for url in (f"{origin}/photo.jpg", f"http://localhost:{port}/photo.jpg",
                f"http://[::ffff:127.0.0.1]:{port}/photo.jpg"):
        with pytest.raises(DomainError) as caught:
            fetcher.fetch(url)
        assert caught.value.code == "image_url_forbidden", url
    assert len(_Handler.hits) == before  # nothing reached the server
    fetcher.close()


def test_the_cloud_metadata_address_is_refused() -> None:
    """Checked where the socket connects, so a redirect hop gets the same check."""
    fetcher = ImageFetcher(max_bytes=1_000_000, timeout_seconds=2.0)
    with pytest.raises(DomainError) as caught:
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    assert caught.value.code == "image_url_forbidden"
    fetcher.close()


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("::1", False), ("fc00::1", False), ("fe80::1", False),
    ("::ffff:10.0.0.1", False), ("::ffff:8.8.8.8", True), ("2002:0a00:0001::1", False),
])
def test_address_policy(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_urls_are_refused_when_fetching_is_off(client, api_keys) -> None:
    response = _match(client, api_keys.platform, "https://example.com/a.jpg")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "image_url_disabled"


def test_an_item_with_both_data_and_url_is_refused(fetching_client, origin) -> None:
    _, platform = _keys(fetching_client)
    response = fetching_client.post("/v1/images/match", headers=platform, json={
        "images": [{"url": f"{origin}/photo.jpg", "data": "AAAA"}]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_prod_refuses_private_fetching() -> None:
    with pytest.raises(ValueError, match="IMAGE_FETCH_ALLOW_PRIVATE"):
        Settings(env="prod", image_fetch_allow_private=True)


def _keys(client: TestClient) -> tuple[dict[str, str], dict[str, str]]:
    from service.auth.service import Role, create_key

    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        admin = create_key(session, Role.admin, "url-admin")
        platform = create_key(session, Role.platform, "url-shop", "url-shop")
        session.commit()
    return ({"Authorization": f"Bearer {admin.secret}"},
            {"Authorization": f"Bearer {platform.secret}"})
