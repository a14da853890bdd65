"""The resilience suite: hostile input through the real app (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from trustdata.hostile_images import Hostile, corpus

from service.kit.settings import Settings


@pytest.fixture(scope="session")
def hostile() -> list[Hostile]:
    return corpus()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    # Listing photos by URL from the local origin below (private addresses: tests only).
    return make_settings(database_url=database_url, image_fetch_enabled=True,
                         image_fetch_allow_private=True, image_fetch_timeout_seconds=10.0)


class _Files(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.files.get(self.path.lstrip("/"))
        status = 200 if body is not None else 404
        body = body if body is not None else b"missing"
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def hostile_origin(hostile: list[Hostile]) -> Iterator[str]:
    """Every hostile file served over HTTP on localhost, at /<name>."""
    _Files.files = {h.name: h.data for h in hostile}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
